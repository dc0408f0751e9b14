import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import webpush from 'web-push';
import { z } from 'zod';
import { createSecretFileOnce } from './secret-box.js';

/** The VAPID key pair of this server (base64url, as the Push API expects). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const keysSchema = z.strictObject({
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key'),
  privateKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key'),
});

/** Where the generated keys are kept: outside the repository, in the data home. */
export function defaultVapidPath(home: string): string {
  return path.join(home, 'secrets', 'vapid.json');
}

/**
 * The VAPID keys: from `CORRIENTE_VAPID_PUBLIC_KEY` / `CORRIENTE_VAPID_PRIVATE_KEY` when both are
 * set, else from `file`, else generated on first start and written to `file` with mode 0600.
 * @throws Error naming the variable or file whose content is invalid.
 */
export function loadOrCreateVapidKeys(file: string, env: NodeJS.ProcessEnv): VapidKeys {
  const pub = env.CORRIENTE_VAPID_PUBLIC_KEY;
  const priv = env.CORRIENTE_VAPID_PRIVATE_KEY;
  if (pub || priv) {
    const r = keysSchema.safeParse({ publicKey: pub, privateKey: priv });
    if (!r.success) {
      throw new Error(
        `CORRIENTE_VAPID_PUBLIC_KEY / CORRIENTE_VAPID_PRIVATE_KEY: ${r.error.issues
          .map((i) => `${i.path.join('.')} ${i.message}`)
          .join('; ')} (set both, or neither to use ${file})`,
      );
    }
    return r.data;
  }
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`VAPID key file ${file} is not JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const r = keysSchema.safeParse(parsed);
    if (!r.success) {
      throw new Error(
        `VAPID key file ${file}: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    return r.data;
  }
  const keys = webpush.generateVAPIDKeys();
  const text = createSecretFileOnce(file, `${JSON.stringify(keys, null, 2)}\n`);
  // Another process may have written its keys first: those win, for both.
  if (!text.includes(keys.privateKey)) return loadOrCreateVapidKeys(file, {});
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}
