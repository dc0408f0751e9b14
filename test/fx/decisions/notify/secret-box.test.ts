import { statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultSecretsKeyPath,
  loadOrCreateSecretsKey,
  SecretBox,
  SecretBoxError,
} from '../../../../src/fx/decisions/notify/channels/secret-box.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import { tempDir } from '../../../util/tmp.js';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function home(): string {
  const t = tempDir('corriente-secrets-');
  cleanup.push(t.cleanup);
  return t.dir;
}

describe('webhook secrets at rest', () => {
  it('the key is generated once into the home (0600), or read from the environment', () => {
    const dir = home();
    const file = defaultSecretsKeyPath(dir);
    const k1 = loadOrCreateSecretsKey(file, {});
    expect(k1).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretsKey(file, {})).toEqual(k1);
    const fromEnv = loadOrCreateSecretsKey(file, {
      CORRIENTE_WEBHOOK_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'),
    });
    expect(fromEnv).toEqual(Buffer.alloc(32, 7));
    expect(() => loadOrCreateSecretsKey(file, { CORRIENTE_WEBHOOK_SECRETS_KEY: 'corto' })).toThrow(
      /CORRIENTE_WEBHOOK_SECRETS_KEY must be 32 bytes in base64url/,
    );
    writeFileSync(file, 'no es una clave\n');
    expect(() => loadOrCreateSecretsKey(file, {})).toThrow(
      /webhook-secrets\.key must hold 32 bytes/,
    );
  });

  it('seals and opens; another key or an altered byte is refused', () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed); // a fresh nonce each time
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed)).toThrow(SecretBoxError);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1;
    expect(() => box.open(`v1.${raw.toString('base64url')}`)).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('the database holds no secret in clear; plaintext rows of an earlier version are sealed on open', () => {
    const dir = home();
    const file = path.join(dir, 'notifications.db');
    const box = new SecretBox(loadOrCreateSecretsKey(defaultSecretsKeyPath(dir), {}));
    const store = new SqliteNotificationStore({ path: file, secrets: box });
    const hook = store.addWebhook('u1', 'https://example.com/h', 'whsec_nuevo', 5);
    expect(store.webhook(hook.id)?.secret).toBe('whsec_nuevo');
    expect(store.webhooksOf('u1').map((h) => h.secret)).toEqual(['whsec_nuevo']);
    store.close();

    // An earlier version's row, in plaintext.
    const db = new BetterSqlite3(file);
    db.prepare(
      'INSERT INTO webhooks (id, user_id, url, secret, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run('wh_viejo', 'u1', 'https://example.com/v', 'whsec_viejo', 1);
    db.close();
    const reopened = new SqliteNotificationStore({ path: file, secrets: box });
    expect(reopened.webhook('wh_viejo')?.secret).toBe('whsec_viejo');
    reopened.close();
    const raw = new BetterSqlite3(file, { readonly: true });
    const stored = raw.prepare('SELECT secret FROM webhooks').pluck().all() as string[];
    raw.close();
    expect(stored).toHaveLength(2);
    for (const s of stored) {
      expect(s).toMatch(/^v1\./);
      expect(s).not.toContain('whsec_');
    }

    // Without the box: no webhook can be added, and a sealed secret is not readable.
    const keyless = new SqliteNotificationStore({ path: file });
    expect(() => keyless.addWebhook('u1', 'https://example.com/x', 'whsec_x', 5)).toThrow(
      /sealed at rest/,
    );
    expect(() => keyless.webhook('wh_viejo')).toThrow(/sealed at rest/);
    keyless.close();
  });
});
