import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `content` to `file` (mode 0600, its folder 0700) unless the file exists, atomically:
 * when two processes start at once, the first file written wins for both.
 * @returns the file's content (this process's, or the winner's)
 */
export function createSecretFileOnce(file: string, content: string): string {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    // link, not rename: it fails when the file exists instead of replacing it.
    linkSync(tmp, file);
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(file, 'utf8');
  } finally {
    unlinkSync(tmp);
  }
}

/** Where the generated key is kept: outside the repository, in the data home. */
export function defaultSecretsKeyPath(home: string): string {
  return path.join(home, 'secrets', 'webhook-secrets.key');
}

const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The key that encrypts the webhook secrets at rest: from `CORRIENTE_WEBHOOK_SECRETS_KEY` when set
 * (32 bytes, base64url), else from `file`, else generated on first start into `file` (0600).
 * @throws Error naming the variable or file whose content is not such a key
 */
export function loadOrCreateSecretsKey(file: string, env: NodeJS.ProcessEnv): Buffer {
  const fromEnv = env.CORRIENTE_WEBHOOK_SECRETS_KEY;
  if (fromEnv !== undefined) {
    if (!KEY_PATTERN.test(fromEnv)) {
      throw new Error(
        'CORRIENTE_WEBHOOK_SECRETS_KEY must be 32 bytes in base64url (43 characters)',
      );
    }
    return Buffer.from(fromEnv, 'base64url');
  }
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : createSecretFileOnce(file, `${randomBytes(32).toString('base64url')}\n`);
  const key = text.trim();
  if (!KEY_PATTERN.test(key)) {
    throw new Error(
      `webhook secrets key file ${file} must hold 32 bytes in base64url (43 characters)`,
    );
  }
  return Buffer.from(key, 'base64url');
}

/** Raised when a sealed value cannot be opened: another key, or altered bytes. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const PREFIX = 'v1.';

/**
 * Seals short secrets with AES-256-GCM under one key (a random 96-bit nonce each): what the
 * notifications database stores instead of the webhook secrets, which must stay recoverable
 * to sign deliveries. A copy of the database alone reveals none of them.
 *
 * @example
 * const box = new SecretBox(loadOrCreateSecretsKey(defaultSecretsKeyPath(home)));
 * box.open(box.seal('whsec_…')) // 'whsec_…'
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new RangeError('a SecretBox key is 32 bytes');
  }

  /** `v1.<base64url(nonce ‖ tag ‖ ciphertext)>`. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  /** @throws SecretBoxError when `sealed` was not sealed by this key, or was altered */
  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) throw new SecretBoxError('not a sealed value');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    if (raw.length < 28) throw new SecretBoxError('sealed value too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'a sealed secret does not open with this key (another key, or altered data)',
      );
    }
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}
