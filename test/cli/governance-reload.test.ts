import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../util/eventually.js';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ANA = 'tok_ana_governance_reload_test';
const CONFIG = `# acceso al lago: lo edita \`corriente lake token --write-config\`
governance:
  principals:
    - name: ana # analista
      roles: [analyst]
      tokenSha256: ${sha(ANA)}
  grants:
    - { role: analyst, database: energy_raw_db }
`;

describe('up reloads governance without a restart (a real up process)', () => {
  const t = tempDir('corriente-gov-reload-');
  afterAll(() => t.cleanup());

  it('lake token --write-config adds the principal; a changed file or SIGHUP reloads; a bad file is refused', async () => {
    const home = path.join(t.dir, 'home');
    mkdirSync(home);
    const file = path.join(t.dir, 'corriente.config.yaml');
    writeFileSync(file, CONFIG);
    const env = {
      ...process.env,
      CORRIENTE_HOME: home,
      CORRIENTE_CONFIG: file,
      CORRIENTE_LOG_LEVEL: 'info',
      CORRIENTE_LOG_FORMAT: 'json',
    };
    const child = spawn(process.execPath, [CLI, 'up', '--no-demo', '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    try {
      const base = await eventually(() => /HTTP\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1], {
        timeoutMs: 60_000,
        intervalMs: 100,
        message: () => stderr,
      });
      const tables = (token: string) =>
        fetch(`${base}/api/lake/v1/tables`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        );
      const reloads = () =>
        stderr
          .split('\n')
          .filter((l) => l.includes('"governance reloaded"'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(await tables(ANA)).toBe(200);

      // The token goes to stdout once; only its hash goes to the file, which keeps its comments.
      const made = spawnSync(
        process.execPath,
        [CLI, 'lake', 'token', '--principal', 'bob', '--write-config', '--json'],
        { env, encoding: 'utf8' },
      );
      expect(made.status, made.stderr).toBe(0);
      const { token: bob, tokenSha256 } = JSON.parse(made.stdout) as Record<string, string>;
      const written = readFileSync(file, 'utf8');
      expect(written).toContain('# acceso al lago');
      expect(written).toContain('- name: ana # analista');
      expect(written).toContain(`tokenSha256: ${tokenSha256}`);
      expect(written).not.toContain(bob);
      await eventually(async () => (await tables(bob!)) === 200, { timeoutMs: 15_000 });
      expect(reloads().at(-1)).toMatchObject({
        reason: 'config file changed',
        principalsAdded: ['bob'],
        principalsRemoved: [],
      });

      // An invalid file: one line, and the access rules in force stay.
      writeFileSync(file, 'governance:\n  principals:\n    - { name: "no vale" }\n');
      await eventually(() => stderr.includes('governance not reloaded'), { timeoutMs: 15_000 });
      const refused = stderr.split('\n').find((l) => l.includes('governance not reloaded'))!;
      expect(JSON.parse(refused).msg).toMatch(/governance\.principals\.0\.name/);
      expect(await tables(bob!)).toBe(200);

      // Back to the first file: bob is gone, and the log says so.
      writeFileSync(file, CONFIG);
      await eventually(async () => (await tables(bob!)) === 401, { timeoutMs: 15_000 });
      expect(reloads().at(-1)).toMatchObject({ principalsRemoved: ['bob'] });
      expect(await tables(ANA)).toBe(200);

      // SIGHUP reloads too (and does not stop up).
      child.kill('SIGHUP');
      await eventually(() => reloads().some((r) => r.reason === 'SIGHUP'), { timeoutMs: 15_000 });
      expect(child.exitCode).toBeNull();
      expect(await tables(ANA)).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
