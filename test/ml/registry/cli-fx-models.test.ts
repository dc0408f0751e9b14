import * as path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { modelRegistryPath } from '../../../src/deploy/adapters.js';
import { registerFxModels, registerFxServeModel } from '../../../src/cli/commands/fx-models.js';
import { SqliteModelRegistry } from '../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { LocalFsObjectStore } from '../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { eventually } from '../../util/eventually.js';
import { tempDir } from '../../util/tmp.js';
import { expected, registration } from './fixtures.js';

const G = 'fx-recomendaciones';
let tmp: ReturnType<typeof tempDir>;
let out: string[];

beforeEach(async () => {
  tmp = tempDir('corriente-models-cli-');
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  process.env.USER = 'operadora';
  // The datalake store of a default home is <home>/datalake.
  const r = new SqliteModelRegistry({
    path: modelRegistryPath(tmp.dir),
    store: new LocalFsObjectStore({ root: path.join(tmp.dir, 'datalake') }),
  });
  await r.createGroup(G);
  await r.registerVersion(
    registration(G, 'multi-a', { compra: { rocAuc: 0.81 }, venta: { rocAuc: 0.77 } }),
  );
  await r.registerVersion(registration(G, 'multi-b'));
  await r.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  tmp.cleanup();
});

async function run(...args: string[]): Promise<string> {
  out.length = 0;
  const program = new Command().option('--home <dir>').option('-c, --config <file>').exitOverride();
  const fx = program.command('fx');
  registerFxModels(fx);
  registerFxServeModel(fx);
  await program.parseAsync(['node', 'corriente', '--home', tmp.dir, ...args]);
  return out.join('');
}

describe('corriente fx models', () => {
  it('lists, approves, shows metrics and history, rejects, rolls back', async () => {
    expect(await run('fx', 'models', 'list')).toBe(`${G}  2 versions  served: none\n`);
    expect(await run('fx', 'models', 'approve', G, '1', '--reason', 'AUC ok')).toMatch(
      /v1 is now Approved; served: v1/,
    );
    await run('fx', 'models', 'approve', G, '2');
    const list = JSON.parse(await run('fx', 'models', 'list', '--group', G, '--json'));
    expect(list.map((v: { status: string }) => v.status)).toEqual(['Approved', 'Approved']);
    const show = await run('fx', 'models', 'show', G, '1');
    expect(show).toMatch(/v1: Approved\n/);
    expect(show).toMatch(/compra\.rocAuc\s+0\.8100/);
    expect(show).toMatch(/PendingManualApproval → Approved {2}by operadora: AUC ok/);
    expect(await run('fx', 'models', 'rollback', G, '--reason', 'drift')).toBe(
      `${G}: rolled back from v2 to v1\n`,
    );
    const shown = JSON.parse(await run('fx', 'models', 'show', G, '--json'));
    expect(shown.served).toBe(1);
    expect(shown.history.at(-1)).toMatchObject({
      version: 2,
      to: 'Rejected',
      actor: 'operadora',
      reason: 'drift',
    });
    expect(await run('fx', 'models', 'reject', G, '1')).toMatch(/v1 is now Rejected; served: none/);
  });

  it('refuses unknown groups/versions and invalid changes as usage errors (exit 2)', async () => {
    await expect(run('fx', 'models', 'show', 'nada')).rejects.toThrow(/unknown model group nada/);
    await expect(run('fx', 'models', 'approve', G, '9')).rejects.toThrow(/has no version 9/);
    await expect(run('fx', 'models', 'approve', G, 'x')).rejects.toThrow(
      /version: .*expected number/i,
    );
    await expect(run('fx', 'models', 'rollback', G)).rejects.toThrow(
      /no approved version to roll back/,
    );
    await run('fx', 'models', 'reject', G, '2');
    await expect(run('fx', 'models', 'reject', G, '2')).rejects.toThrow(/already Rejected/);
    await expect(run('fx', 'models', 'list', '--group', 'bad name')).rejects.toThrow(
      /--group: is not a model group name/,
    );
  });
});

describe('corriente fx serve-model', () => {
  it('serves a registry group on /ping and /invocations and stops on SIGTERM', async () => {
    await run('fx', 'models', 'approve', G, '1');
    out.length = 0;
    const done = run('fx', 'serve-model', '--port', '0', '--group', G);
    const url = await eventually(() => /listening on (\S+)/.exec(out.join(''))?.[1], {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      body: JSON.stringify({ features: expected('multi-a').rows[2] }),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await res.json()) as { predictions: number[][]; model: unknown };
    expect(body.model).toEqual({ group: G, version: 1 });
    expect(body.predictions[0]![0]).toBeCloseTo(expected('multi-a').predictions[2]![0]!, 6);
    process.emit('SIGTERM');
    await done;
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });

  it('refuses bad flags clearly', async () => {
    await expect(run('fx', 'serve-model', '--model-file', 'm.json', '--group', G)).rejects.toThrow(
      /either --model-file or --group, not both/,
    );
    await expect(run('fx', 'serve-model', '--port', '99999')).rejects.toThrow(/--port/);
    await expect(
      run('fx', 'serve-model', '--model-file', path.join(tmp.dir, 'nope.json')),
    ).rejects.toThrow(/--model-file .*nope\.json/);
    await expect(run('fx', 'serve-model', '--group', 'nada')).rejects.toThrow(
      /unknown model group nada/,
    );
  });
});
