import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  argInstant,
  parseTrainArgs,
  registerFxTrain,
} from '../../../../src/cli/commands/fx-train.js';
import { UsageError } from '../../../../src/cli/usage-error.js';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import { modelRegistryPath } from '../../../../src/deploy/adapters.js';
import { SqliteModelRegistry } from '../../../../src/ml/registry/sqlite/sqlite-model-registry.js';
import { GbdtModel } from '../../../../src/ml/gbdt/index.js';
import { FEATURE_VERSION } from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { tempDir } from '../../../util/tmp.js';

/** The parts of the JSON output the tests read. */
interface Json {
  group: string;
  version: number;
  status: string;
  trainingRange: { from: string; to: string };
  featureVersion: string;
  horizonHours: number;
  samples: { train: number; validation: number };
  metrics: Record<'compra' | 'venta', { rocAuc: number }>;
}

describe('fx train flags', () => {
  const parse = (o: Record<string, unknown>) => parseTrainArgs(o, 'America/Bogota');
  const fails = (o: Record<string, unknown>): string => {
    try {
      parse(o);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('no error');
  };

  it('accepts durations, dates, instants and seeds', () => {
    expect(parse({})).toEqual({ json: false, uplift: false });
    expect(parse({ uplift: true }).uplift).toBe(true);
    expect(parse({ horizon: '24h', sampleEvery: '6', seed: '3', json: true })).toEqual({
      horizonHours: 24,
      sampleEveryHours: 6,
      seed: 3,
      json: true,
      uplift: false,
    });
    expect(parse({ horizon: '90m' }).horizonHours).toBe(1.5);
    expect(parse({ horizon: '2d' }).horizonHours).toBe(48);
    const r = parse({ from: '2026-03-01', to: '2026-03-15T12:00:00Z' });
    expect(r.from).toEqual(new Date('2026-03-01T05:00:00Z')); // local midnight in Bogotá
    expect(r.to).toEqual(new Date('2026-03-15T12:00:00Z'));
    expect(argInstant('2026-03-01', 'Europe/Madrid')).toEqual(new Date('2026-02-28T23:00:00Z'));
  });

  it('names the flag and what is wrong', () => {
    expect(fails({ horizon: 'mañana' })).toBe(
      '--horizon: must be a positive duration like 24h, 90m or 2d, got "mañana"',
    );
    expect(fails({ horizon: '0h' })).toMatch(/^--horizon: must be a positive duration/);
    expect(fails({ sampleEvery: '90m' })).toBe('--sample-every: must be a whole number of hours');
    expect(fails({ from: '2026-02-30' })).toMatch(/^--from: must be a date YYYY-MM-DD or an ISO/);
    expect(fails({ to: 'ayer' })).toMatch(/^--to: must be a date/);
    expect(fails({ seed: '1.5' })).toBe('--seed: must be an integer');
    expect(fails({ from: '2026-03-10', to: '2026-03-10' })).toBe(
      '--to: must be after --from (2026-03-10 – 2026-03-10 is empty)',
    );
  });
});

describe('corriente fx train', () => {
  let t: { dir: string; cleanup: () => void };
  beforeAll(async () => {
    t = tempDir('corriente-fx-train-cli-');
    await simulateHistory({
      datalake: new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') }),
      users: 40,
      days: 35,
      seed: 3,
      end: '2026-03-31',
    });
  });
  afterAll(() => t.cleanup());

  /** Runs the command in process, as src/cli/main.ts builds the program. */
  async function run(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const program = new Command()
      .name('corriente')
      .option('-c, --config <file>')
      .option('--home <dir>')
      .exitOverride();
    let stdout = '';
    let stderr = '';
    program.configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stdout += s) });
    registerFxTrain(program.command('fx'));
    const out = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((c) => ((stdout += String(c)), true));
    const err = vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((c) => ((stderr += String(c)), true));
    try {
      await program.parseAsync(['node', 'corriente', '--home', t.dir, 'fx', ...args]);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return { stdout, stderr };
  }

  it('trains, shows progress on stderr, registers a pending version with its metrics, prints JSON', async () => {
    const { stdout, stderr } = await run('train', '--sample-every', '6h', '--seed', '2', '--json');
    const out = JSON.parse(stdout) as Json;
    expect(out.group).toBe('fx-recomendaciones');
    expect(out.version).toBe(1);
    expect(out.status).toBe('PendingManualApproval');
    expect(out.featureVersion).toBe(FEATURE_VERSION);
    expect(out.metrics.compra.rocAuc).toBeGreaterThan(0.5);
    expect(out.samples.train).toBeGreaterThan(1000);
    const dir = path.join(t.dir, 'datalake', 'models', 'fx-recomendaciones', 'v1');
    expect(readdirSync(dir)).toContain('model.json');
    const model = GbdtModel.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(model.numClass).toBe(3);
    const registry = new SqliteModelRegistry({
      path: modelRegistryPath(t.dir),
      store: new LocalFsObjectStore({ root: path.join(t.dir, 'datalake') }),
    });
    try {
      const v = await registry.getVersion('fx-recomendaciones', 1);
      expect((v?.metrics as unknown as Json['metrics']).venta.rocAuc).toBe(
        out.metrics.venta.rocAuc,
      );
      expect(v?.featureVersion).toBe(FEATURE_VERSION);
      expect(v?.trainingRange).toEqual(out.trainingRange);
    } finally {
      await registry.close();
    }
    expect(stderr).toMatch(/reading the lake/);
    expect(stderr).toMatch(/samples built: \d+ training, \d+ validation, \d+ test/);
    expect(stderr).toMatch(/boosting iteration 10\/300: train loss [\d.]+, validation loss [\d.]+/);
  });

  it('prints a summary and refuses bad flags before reading anything', async () => {
    const { stdout } = await run(
      'train',
      '--sample-every',
      '12',
      '--horizon',
      '12h',
      '--approve',
      'probado a mano',
    );
    expect(stdout).toMatch(
      new RegExp(`^trained ${FEATURE_VERSION} model, horizon 12 h, on 40 users`),
    );
    expect(stdout).toMatch(/compra {2}ROC AUC 0\.\d{3} {2}PR AUC/);
    expect(stdout).toMatch(/registered fx-recomendaciones v2 \(Approved\)/);
    await expect(run('train', '--horizon', 'x')).rejects.toThrow(
      /--horizon: must be a positive duration/,
    );
  });

  it('--uplift without held-out recommendations refuses with one line (exit 1), registers nothing', async () => {
    const { stdout, stderr } = await run('train', '--uplift');
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'corriente: cannot train: not enough held-out data for an uplift model: 0 held-out ' +
        'recommendations with a closed horizon to train on (300 needed, ' +
        'fx.model.uplift.minHeldOut; 0 logged in all); the propensity model stays\n',
    );
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    expect(readdirSync(path.join(t.dir, 'datalake', 'models'))).not.toContain('fx-uplift');
  });

  it('prints the test-period headline: product metrics and the reliability near the threshold', async () => {
    const { stdout } = await run('train', '--sample-every', '12');
    expect(stdout).toMatch(/untouched test 20\d\d-/);
    expect(stdout).toMatch(/lift at equal volume over the frequency baseline/);
    expect(stdout).toMatch(/notifications: \d+\.\d\d per user per week/);
    expect(stdout).toMatch(
      /price outcome \(executed price, spread included, vs the next 24 h average mid\)/,
    );
    expect(stdout).toMatch(/reliability near the threshold 0\.35/);
  });

  it('on an empty lake says there is nothing to train on (exit code 1)', async () => {
    const empty = tempDir('corriente-fx-train-empty-');
    const home = t.dir;
    try {
      t.dir = empty.dir;
      const { stdout, stderr } = await run('train');
      expect(stdout).toBe('');
      expect(stderr).toMatch(/corriente: cannot train: the lake holds no FX events \(raw\/fx_\*\)/);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = undefined;
      t.dir = home;
      empty.cleanup();
    }
  });
});
