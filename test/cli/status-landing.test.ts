import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../util/tmp.js';

const CLI = path.resolve('dist/cli/main.js');

function corriente(home: string, args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, CORRIENTE_HOME: home },
    encoding: 'utf8',
  });
}

describe('status reports landing entries that are not regular files', () => {
  const t = tempDir('corriente-status-landing-');
  afterAll(() => t.cleanup());

  it('lists a symlink while it waits in landing, then the quarantined entry after ingest', () => {
    const home = t.dir;
    const landing = path.join(home, 'source');
    mkdirSync(landing, { recursive: true });
    writeFileSync(path.join(home, 'fuera.csv'), 'a;b\n1;2\n');
    symlinkSync(path.join(home, 'fuera.csv'), path.join(landing, 'clientes.csv'));
    const before = corriente(home, ['status', '--json']);
    expect(before.status, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout).landingNotRegular).toEqual([
      { key: 'clientes.csv', kind: 'symlink', code: 'not_a_regular_file' },
    ]);
    const ingest = corriente(home, ['ingest', '--once', '--load-date', '2026-03-09', '--json']);
    expect(JSON.parse(ingest.stdout).files[0]).toMatchObject({
      sourceKey: 'clientes.csv',
      status: 'quarantined',
      reason: { code: 'not_a_regular_file' },
    });
    const after = corriente(home, ['status']);
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout).toContain('quarantined files (2026-03-09):');
    expect(after.stdout).toMatch(
      /not_a_regular_file\s+quarantine\/files\/2026-03-09\/clientes\.csv/,
    );
  }, 60_000);
});
