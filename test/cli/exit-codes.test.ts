import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');

function corriente(home: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, CORRIENTE_HOME: home, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('exit codes and one-line messages', () => {
  const t = tempDir('corriente-exit-');
  afterAll(() => t.cleanup());

  it.each([
    [['jobs', '--limit', 'abc'], /--limit: must be a positive integer/],
    [['transform', '--threads', 'x'], /--threads: must be a positive integer/],
    [['transform', '--memory-limit', 'mucho'], /--memory-limit: must be a size/],
    [['transform', '--entity', 'facturas'], /--entity:/],
    [['jobs', '--entity', 'facturas'], /--entity:/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['jobs', '--bogus'], /unknown option '--bogus'/],
    [['fx', 'notifications', 'deliveries', '--limit', '0'], /--limit/],
    [['completion', 'fish'], /bash|zsh/],
  ])('%j exits 2 with one line and no stack', (args, message) => {
    const r = corriente(t.dir, args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unusable --home exits 2 at once', () => {
    const r = corriente(t.dir, ['--home', '/proc/nope', 'status']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/data folder \/proc\/nope is not usable/);
  });

  it('quarantined files make ingest --once exit 1', () => {
    const home = path.join(t.dir, 'q');
    mkdirSync(path.join(home, 'source'), { recursive: true });
    writeFileSync(path.join(home, 'source', 'datos.csv'), 'a;b\n1;2\n');
    const r = corriente(home, ['ingest', '--once']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/quarantined\s+1/);
  });

  it('--version prints the version and the git commit; completion prints a script', () => {
    const v = corriente(t.dir, ['--version']);
    expect(v.status).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(v.stdout.trim()).toMatch(new RegExp(`^corriente ${pkg.version} \\([0-9a-f]{12}\\)$`));
    const bash = corriente(t.dir, ['completion', 'bash']);
    expect(bash.status).toBe(0);
    expect(bash.stdout).toContain('complete -F _corriente corriente');
    expect(bash.stdout).toMatch(/"fx notifications"\) words="deliveries dead-letters/);
    // The script is valid bash and completes a subcommand.
    const check = spawnSync(
      'bash',
      [
        '-c',
        `${bash.stdout}\nCOMP_WORDS=(corriente fx mo); COMP_CWORD=2; _corriente; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    expect(check.stdout.trim()).toBe('models');
    const zsh = corriente(t.dir, ['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^autoload -U \+X bashcompinit/);
  });
});

describe('up and the commands beside it', () => {
  const t = tempDir('corriente-up-beside-');
  afterAll(() => t.cleanup());

  it('a taken port exits 2 at once, naming it, before writing a demo day', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const home = path.join(t.dir, 'busy');
      const r = corriente(home, ['up', '--port', String(port)]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(path.join(home, 'source'))).toBe(false);
      expect(existsSync(path.join(home, 'datalake'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('up --no-demo creates landing and records its URL; fx users create finds it; reconcile runs beside it', async () => {
    const home = path.join(t.dir, 'live');
    const env = { CORRIENTE_ADMIN_TOKEN: 'secreto-de-prueba-123', CORRIENTE_LOG_FORMAT: 'json' };
    const child = spawn(process.execPath, [CLI, 'up', '--no-demo', '--port', '0'], {
      env: { ...process.env, CORRIENTE_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const record = path.join(home, 'run', 'up.json');
      for (let i = 0; i < 600 && !existsSync(record); i++) await delay(100);
      expect(existsSync(record), out).toBe(true);
      expect(statSync(record).mode & 0o077).toBe(0);
      expect(statSync(path.join(home, 'source')).isDirectory()).toBe(true);
      const url = (JSON.parse(readFileSync(record, 'utf8')) as { url: string }).url;
      expect(out).toContain(url);
      // Not on 8080: found through the record.
      const created = corriente(home, ['fx', 'users', 'create', '--name', 'Ana', '--json'], env);
      expect(created.status, created.stderr).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ name: 'Ana' });
      // A reading command beside up: no WriterLockedError.
      const rec = corriente(home, ['fx', 'reconcile', '--json'], env);
      expect(rec.stderr).not.toMatch(/WriterLockedError|already has a writer/);
      expect([0, 1]).toContain(rec.status);
      expect(JSON.parse(rec.stdout)).toHaveProperty('usersCompared');
      // A writing one exits 3 with one line naming the holder.
      const proc = corriente(home, ['fx', 'process', '--once'], env);
      expect(proc.status).toBe(3);
      expect(proc.stderr.trim().split('\n')).toHaveLength(1);
      expect(proc.stderr).toMatch(/held by another process \(pid \d+/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(readdirSync(path.join(home, 'run'))).toEqual([]);
  }, 180_000);
});
