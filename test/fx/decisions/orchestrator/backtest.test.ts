import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  parseBacktestArgs,
  registerFxOrchestrator,
} from '../../../../src/cli/commands/fx-orchestrator.js';
import { UsageError } from '../../../../src/cli/usage-error.js';
import {
  backtest,
  defaultOrchestratorConfig,
  InSampleWindowError,
  localMidnightMs,
  type BacktestReport,
  type BacktestSuggestion,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { simulateHistory } from '../../../../src/fx/simulate/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { lakeRows } from '../../processor/harness.js';
import { tempDir } from '../../../util/tmp.js';
import { trainFallModel } from './model.js';

let home: string;
let cleanup: () => void;
const lakeDir = (): string => path.join(home, 'datalake');

beforeAll(async () => {
  ({ dir: home, cleanup } = tempDir('corriente-orch-bt-'));
  await simulateHistory({
    datalake: new LocalFsObjectStore({ root: lakeDir() }),
    users: 40,
    days: 21,
    seed: 11,
    end: '2026-02-27',
  });
  return () => cleanup();
});
afterEach(() => vi.restoreAllMocks());

describe('backtest over a simulated history', () => {
  it('replays the rules and scores each suggestion against the lake', async () => {
    const config = defaultOrchestratorConfig();
    const seen: BacktestSuggestion[] = [];
    const report = await backtest({
      lakeDir: lakeDir(),
      from: '2026-02-14',
      to: '2026-02-27',
      config,
      onSuggestion: (s) => seen.push(s),
    });
    expect(report).toMatchObject({ scorer: 'reglas', version: 'reglas-v1', users: 40 });
    expect(report.total.suggestions).toBeGreaterThan(0);
    expect(seen).toHaveLength(report.total.suggestions);
    // Totals add up per side, per origin and per user.
    const sum = (xs: { suggestions: number; hits: number }[]) =>
      xs.reduce((a, c) => ({ s: a.s + c.suggestions, h: a.h + c.hits }), { s: 0, h: 0 });
    const t = { s: report.total.suggestions, h: report.total.hits };
    expect(sum([report.bySide.BUY, report.bySide.SELL])).toEqual(t);
    expect(sum(report.perUser)).toEqual(t);
    expect(report.byOrigin.reglas).toEqual(report.total);

    // The policy held on the simulated clock: inside the range, cooldowns, quiet hours.
    const from = localMidnightMs('2026-02-14', 'America/Bogota');
    const to = localMidnightMs('2026-02-28', 'America/Bogota');
    const lastAt = new Map<string, number>();
    for (const s of seen) {
      expect(s.atMs).toBeGreaterThanOrEqual(from);
      expect(s.atMs).toBeLessThan(to);
      const prev = lastAt.get(s.userId);
      if (prev !== undefined) expect(s.atMs - prev).toBeGreaterThanOrEqual(6 * 3_600_000);
      lastAt.set(s.userId, s.atMs);
      const bogotaHour = new Date(s.atMs - 5 * 3_600_000).getUTCHours();
      expect(bogotaHour >= 7 && bogotaHour < 21).toBe(true);
      expect(s.amountUsdCents % 100).toBe(0);
      expect(s.amountUsdCents).toBeGreaterThanOrEqual(10_00);
    }

    // Hits recomputed independently from the raw transactions.
    const txs = (
      await lakeRows(new LocalFsObjectStore({ root: lakeDir() }), 'raw/fx_transacciones/')
    ).map((r) => r.row as { usuario_id: string; lado: string; ejecutado_en: string });
    for (const s of seen) {
      const hit = txs.some(
        (tx) =>
          tx.usuario_id === s.userId &&
          tx.lado === s.side &&
          Date.parse(tx.ejecutado_en) > s.atMs &&
          Date.parse(tx.ejecutado_en) <= s.atMs + 24 * 3_600_000,
      );
      expect(hit).toBe(s.hit);
    }
    // Deterministic: the same history gives the same report.
    const again = await backtest({
      lakeDir: lakeDir(),
      from: '2026-02-14',
      to: '2026-02-27',
      config,
    });
    expect(again).toEqual(report);
  });

  it('replays a model file through the CLI, and refuses bad flags with clear errors', async () => {
    const modelFile = path.join(home, 'model.json');
    writeFileSync(modelFile, JSON.stringify(trainFallModel().toXgboostJson()));
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const program = new Command()
      .option('--home <dir>')
      .option('-c, --config <file>')
      .exitOverride();
    registerFxOrchestrator(program.command('fx'));
    await program.parseAsync([
      'node',
      'corriente',
      '--home',
      home,
      'fx',
      'backtest',
      '--from',
      '2026-02-20',
      '--to',
      '2026-02-27',
      '--model-file',
      modelFile,
      '--json',
    ]);
    const report = JSON.parse(out.join('')) as BacktestReport;
    expect(report).toMatchObject({ scorer: 'model', version: 'model.json', from: '2026-02-20' });
    expect(report.byOrigin.model).toEqual(report.total);

    expect(() => parseBacktestArgs({ from: '2026-02-30', to: '2026-03-01' })).toThrow(
      '--from: must be a date YYYY-MM-DD',
    );
    expect(() => parseBacktestArgs({ from: '2026-03-02', to: '2026-03-01' })).toThrow(
      '--to: must not be before --from',
    );
    expect(() => parseBacktestArgs({ from: '2026-03-01', to: '2026-03-01', every: '0' })).toThrow(
      UsageError,
    );
    await expect(
      program.parseAsync([
        'node',
        'corriente',
        '--home',
        home,
        'fx',
        'backtest',
        '--from',
        '2026-02-20',
        '--to',
        '2026-02-27',
        '--model-file',
        path.join(home, 'missing.json'),
      ]),
    ).rejects.toThrow(/--model-file: cannot read/);
  });

  it("refuses a window inside the model's training range unless --allow-in-sample, and says so", async () => {
    const model = {
      model: trainFallModel(),
      version: 'prueba',
      trainingRange: { from: '2026-02-07T05:00:00.000Z', to: '2026-02-20T05:00:00.000Z' },
    };
    const config = defaultOrchestratorConfig();
    const options = { lakeDir: lakeDir(), from: '2026-02-14', to: '2026-02-27', config, model };
    await expect(backtest(options)).rejects.toThrow(InSampleWindowError);
    await expect(backtest(options)).rejects.toThrow(/--allow-in-sample/);
    const inSample = await backtest({ ...options, allowInSample: true });
    expect(inSample).toMatchObject({ inSample: true, trainingRange: model.trainingRange });
    // After the training range: out of sample, no flag needed.
    const after = await backtest({ ...options, from: '2026-02-21' });
    expect(after.inSample).toBe(false);
  });
});
