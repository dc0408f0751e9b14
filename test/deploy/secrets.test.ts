import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/deploy/config.js';
import { resolveSecretFiles, sharedSecretsEnv } from '../../src/deploy/secrets.js';
import { tempDir } from '../util/tmp.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => (t = tempDir('corriente-secrets-')));
afterEach(() => t.cleanup());

const PG = { CORRIENTE_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/nada' };
const ALL = {
  CORRIENTE_ADMIN_TOKEN: 'adm_compartido',
  CORRIENTE_VAPID_PUBLIC_KEY: 'B'.repeat(87),
  CORRIENTE_VAPID_PRIVATE_KEY: 'p'.repeat(43),
  CORRIENTE_WEBHOOK_SECRETS_KEY: 'k'.repeat(43),
};

describe('shared secrets', () => {
  it('reads <NAME>_FILE into <NAME>; a value set directly wins', () => {
    const file = path.join(t.dir, 'admin');
    writeFileSync(file, 'adm_de_archivo\n');
    expect(resolveSecretFiles({ CORRIENTE_ADMIN_TOKEN_FILE: file }).CORRIENTE_ADMIN_TOKEN).toBe(
      'adm_de_archivo',
    );
    expect(
      resolveSecretFiles({ CORRIENTE_ADMIN_TOKEN_FILE: file, CORRIENTE_ADMIN_TOKEN: 'directo' })
        .CORRIENTE_ADMIN_TOKEN,
    ).toBe('directo');
    expect(() =>
      resolveSecretFiles({ CORRIENTE_WEBHOOK_SECRETS_KEY_FILE: path.join(t.dir, 'no-existe') }),
    ).toThrow(/CORRIENTE_WEBHOOK_SECRETS_KEY_FILE: cannot read/);
  });

  it('asks nothing in SQLite mode (secrets are generated per home there)', () => {
    const config = loadConfig({ env: {}, cwd: t.dir });
    expect(sharedSecretsEnv(config, {})).toEqual({});
  });

  it('names every missing secret in one line in PostgreSQL mode', () => {
    const config = loadConfig({ env: PG, cwd: t.dir });
    let err: unknown;
    try {
      sharedSecretsEnv(config, { CORRIENTE_ADMIN_TOKEN: 'adm_x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toContain(
      'CORRIENTE_VAPID_PUBLIC_KEY, CORRIENTE_VAPID_PRIVATE_KEY, CORRIENTE_WEBHOOK_SECRETS_KEY',
    );
    expect(msg).not.toContain('CORRIENTE_ADMIN_TOKEN,');
    expect(sharedSecretsEnv(config, ALL)).toMatchObject(ALL);
  });

  it('corriente up on PostgreSQL state without the secrets exits 2 with one line', () => {
    const r = spawnSync(process.execPath, [path.resolve('dist/cli/main.js'), 'up', '--no-demo'], {
      env: { ...process.env, CORRIENTE_HOME: t.dir, ...PG, CORRIENTE_ADMIN_TOKEN: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/state\.type is postgres.*CORRIENTE_ADMIN_TOKEN, CORRIENTE_VAPID/);
  });
});
