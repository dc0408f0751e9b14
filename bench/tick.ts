/**
 * Tick-to-notification latency of the inference orchestrator:
 * `node dist/bench/tick.js [--users N] [--ticks K] [--trees T] [--depth D] [--max-per-tick C]`
 * (defaults: 100,000 users, 25 ticks, a 100-tree depth-6 3-class model, the policy's default
 * cap of new suggestions per tick; `--max-per-tick 0` lifts it).
 *
 * Builds the online feature store directly from synthesized history (a week of market ticks,
 * an account and a few trades per user), trains a real GBDT with `trainGbdt` in a child process
 * (as `corriente fx train` would: its memory is not in the RSS measured), then runs the live
 * orchestrator on a disk event log with the real embedded notifier (SQLite queue + in-app hub).
 * Each tick is appended to the log; the latency runs from just before the append to the moment
 * every decision is made, every recommendation appended and every notification durably queued
 * (the orchestrator's `onTick`). Prints p50/p99 over the ticks, where the time went (gate,
 * vectors, score, policy+reasons, record, append, notify; and after the hand-off, outside the
 * latency, the rules' shadow comparison), the load average and the peak RSS, beside
 * baselines measured in the same run over the same users: the bare `vectors()` call and the
 * bare model `predict` over all rows (the default WebAssembly kernel, and the JavaScript one).
 * Default quiet hours are on, placed hours ahead of the run. Targets: p99 ≤ 500 ms, RSS ≤ 600 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiskEventLog } from '../src/core/event-log/disk/disk-event-log.js';
import { jsonRecord } from '../src/core/event-log/event-log.js';
import { newEventId, totalCopCents, type PriceTick } from '../src/fx/events.js';
import { InAppHub } from '../src/fx/decisions/notify/channels/in-app-hub.js';
import { EmbeddedNotifier } from '../src/fx/decisions/notify/embedded-notifier.js';
import { SqliteNotificationStore } from '../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import {
  defaultOrchestratorConfig,
  modelScorerSource,
  startOrchestrator,
  type TickOutcome,
} from '../src/fx/decisions/orchestrator/index.js';
import { SqliteOrchestratorState } from '../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { OnlineFeatureStore } from '../src/fx/decisions/features/index.js';
import { GbdtModel, trainGbdt } from '../src/ml/gbdt/index.js';
import { Prng } from '../src/core/util/prng.js';

function arg(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return v;
}

const USERS = arg('users', 100_000);
const TICKS = arg('ticks', 25);
const TREES = arg('trees', 100);
const DEPTH = arg('depth', 6);
/** `fx.orchestrator.policy.maxPerTick`; 0 = no cap (the whole first-tick burst at once). */
const MAX_PER_TICK = arg('max-per-tick', defaultOrchestratorConfig().policy.maxPerTick, 0);
const HOUR = 3_600_000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

const STAGES = [
  ['gate', 'gateMs'],
  ['vectors', 'vectorsMs'],
  ['score', 'scoreMs'],
  ['policy+reasons', 'policyMs'],
  ['record', 'recordMs'],
  ['append', 'appendMs'],
  ['notify', 'notifyMs'],
] as const;

/** After the hand-off, outside the latency: the rules' shadow comparison. */
const AFTER = [['shadow', 'shadowMs']] as const;

/** `gate 3.1 · vectors 50.2 · …` (milliseconds). */
function breakdown(t: TickOutcome['timings']): string {
  const after = AFTER.map(([label, key]) => `${label} ${t[key].toFixed(1)}`).join(' · ');
  return `${STAGES.map(([label, key]) => `${label} ${t[key].toFixed(1)}`).join(' · ')}  (after: ${after})`;
}

/** A 10-hour quiet window (Bogotá time) starting 2 hours after `ms`. */
function quietHoursAhead(ms: number): { start: string; end: string; timezone: string } {
  const hhmm = (at: number) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'America/Bogota',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(at);
  return { start: hhmm(ms + 2 * HOUR), end: hhmm(ms + 12 * HOUR), timezone: 'America/Bogota' };
}

function tickAt(ms: number, mid: number): PriceTick {
  const at = new Date(ms).toISOString();
  return {
    type: 'PriceTick',
    version: 1,
    id: newEventId(ms),
    source: 'bench',
    bidCopCents: mid - 500,
    askCopCents: mid + 500,
    midCopCents: mid,
    observedAt: at,
    ingestedAt: at,
  };
}

/** A week of ticks every 10 minutes, accounts, and 0–6 trades per user in the last 30 days. */
function buildFeatures(
  start: number,
  now: number,
  rnd: Prng,
): { features: OnlineFeatureStore; mid: number } {
  const features = new OnlineFeatureStore();
  let mid = 400_000;
  const ticks: PriceTick[] = [];
  for (let ms = now - 30 * 24 * HOUR; ms < now - 1000; ms += 10 * 60_000) {
    mid = Math.max(300_000, Math.round(mid * (1 + (rnd.next() - 0.5) * 0.004)));
    ticks.push(tickAt(ms, mid));
  }
  const trades: { ms: number; user: number; side: 'BUY' | 'SELL'; usd: number }[] = [];
  for (let u = 0; u < USERS; u++) {
    const n = Math.floor(rnd.next() * 7);
    for (let k = 0; k < n; k++) {
      trades.push({
        ms: now - 30 * 24 * HOUR + Math.floor(rnd.next() * 29 * 24 * HOUR),
        user: u,
        side: rnd.next() < 0.55 ? 'BUY' : 'SELL',
        usd: 20 + Math.floor(rnd.next() * 480),
      });
    }
  }
  trades.sort((a, b) => a.ms - b.ms);
  for (let u = 0; u < USERS; u++) {
    const at = new Date(start).toISOString();
    features.observe({
      type: 'AccountOpened',
      version: 1,
      id: newEventId(start),
      userId: `u${String(u).padStart(6, '0')}`,
      copCents: Math.floor(rnd.next() * 20_000_000_00),
      usdCents: rnd.next() < 0.3 ? 0 : Math.floor(rnd.next() * 5_000_00),
      openedAt: at,
      ingestedAt: at,
    });
  }
  let ti = 0;
  for (const t of trades) {
    while (ti < ticks.length && Date.parse(ticks[ti]!.observedAt) <= t.ms)
      features.observe(ticks[ti++]!);
    const tick = ticks[Math.max(0, ti - 1)]!;
    const price = t.side === 'BUY' ? tick.askCopCents : tick.bidCopCents;
    const at = new Date(t.ms).toISOString();
    features.observe({
      type: 'TransactionExecuted',
      version: 1,
      id: newEventId(t.ms),
      userId: `u${String(t.user).padStart(6, '0')}`,
      side: t.side,
      amountUsdCents: t.usd * 100,
      priceCopCents: price,
      totalCopCents: totalCopCents(t.usd * 100, price),
      executedAt: at,
      ingestedAt: at,
    });
  }
  while (ti < ticks.length) features.observe(ticks[ti++]!);
  return { features, mid };
}

/**
 * The child's job: the same users (same seed and clock), a model trained on their vectors at
 * four instants of the last three days (so the market features vary), labelled by a
 * habit-plus-market rule, written as XGBoost JSON to `file`.
 */
function trainTo(file: string, now: number): void {
  const rnd = new Prng(7);
  const { features } = buildFeatures(now - 31 * 24 * HOUR, now, rnd);
  const users = features.userIds();
  const nf = features.featureNames.length;
  const perInstant = Math.min(users.length, 5_000);
  const instants = [now - 1000, now - 6 * HOUR, now - 24 * HOUR, now - 72 * HOUR];
  const rows = perInstant * instants.length;
  const x = new Float32Array(rows * nf);
  instants.forEach((at, k) => {
    const from = (k * perInstant) % Math.max(1, users.length - perInstant + 1);
    x.set(features.vectors(users.slice(from, from + perInstant), at), k * perInstant * nf);
  });
  const y = new Uint8Array(rows);
  const r24 = features.featureNames.indexOf('retorno_24h');
  const buys = features.featureNames.indexOf('compras_30d');
  const sells = features.featureNames.indexOf('ventas_30d');
  for (let i = 0; i < rows; i++) {
    const drift = x[i * nf + r24]! + (rnd.next() - 0.5) * 0.02;
    const b = x[i * nf + buys]! + rnd.next() * 2;
    const s = x[i * nf + sells]! + rnd.next() * 2;
    y[i] = drift < -0.004 && b > 2.5 ? 1 : drift > 0.004 && s > 2.5 ? 2 : 0;
  }
  const model = trainGbdt({
    x,
    y,
    nRows: rows,
    nFeatures: nf,
    featureNames: features.featureNames,
    objective: 'multi:softprob',
    numClass: 3,
    nEstimators: TREES,
    maxDepth: DEPTH,
    seed: 1,
  }).model;
  writeFileSync(file, model.toXgboostText());
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corriente-bench-tick-'));
  const rnd = new Prng(7);
  const now = Date.now();
  try {
    let t0 = performance.now();
    const { features, mid: lastMid } = buildFeatures(now - 31 * 24 * HOUR, now, rnd);
    const users = features.userIds();
    const nf = features.featureNames.length;
    console.log(
      `feature store: ${users.length} users in ${(performance.now() - t0).toFixed(0)} ms`,
    );

    // The model is trained in a child process, as `corriente fx train` would: its memory is
    // not the orchestrator's.
    t0 = performance.now();
    const modelFile = path.join(dir, 'model.json');
    const child = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        ...['--train-to', modelFile, '--now', String(now)],
        ...['--users', String(USERS), '--trees', String(TREES), '--depth', String(DEPTH)],
      ],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) throw new Error(`training child failed (${child.status})`);
    const model = GbdtModel.parse(readFileSync(modelFile, 'utf8'));
    console.log(
      `model: ${TREES} trees, depth ${DEPTH}, trained in a child process in ${(performance.now() - t0).toFixed(0)} ms`,
    );

    // Baselines over the same users.
    const vecMs: number[] = [];
    const predictMs: number[] = [];
    const predictJsMs: number[] = [];
    const js = model.withPredictor('complete');
    const all = new Float32Array(users.length * nf);
    const probs = new Float64Array(users.length * 3);
    for (let i = 0; i < 5; i++) {
      let s = performance.now();
      features.vectors(users, now, all);
      vecMs.push(performance.now() - s);
      s = performance.now();
      model.predict(all, users.length, probs);
      predictMs.push(performance.now() - s);
      s = performance.now();
      js.predict(all, users.length, probs);
      predictJsMs.push(performance.now() - s);
    }

    const log = await DiskEventLog.open({ dir: path.join(dir, 'log'), stream: 'fx-events' });
    const state = SqliteOrchestratorState.open(path.join(dir, 'orchestrator.db'));
    const store = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
    const hub = new InAppHub(store, { heartbeatMs: 15_000, maxStreamsPerUser: 5 });
    const notifier = new EmbeddedNotifier(store, hub, undefined);
    const config = defaultOrchestratorConfig();
    // Default quiet hours, as in production, checked for every user at every tick, but placed
    // so that they do not silence everyone during the run: from 2 to 12 hours after now.
    config.policy.quietHours = quietHoursAhead(now);
    config.policy.maxPerTick = MAX_PER_TICK;
    // Every user already consented and treated, as in a running platform after its first days:
    // the bench measures suggestions, not the one-time consent round or the control group.
    config.policy.requireConsent = false;
    config.holdoutPercent = 0;
    const outcomes: TickOutcome[] = [];
    const counts: number[] = [];
    let resolveTick: (o: TickOutcome) => void = () => {};
    const orchestrator = await startOrchestrator({
      log,
      features,
      models: modelScorerSource(
        { current: () => ({ group: 'bench', version: '1', model }) },
        features.featureNames,
      ),
      notifier,
      preferences: notifier,
      state,
      config,
      onTick: (o) => {
        // Kept for the report without the recommendations themselves (a bench artifact in the RSS).
        outcomes.push({ ...o, recommendations: [] });
        counts.push(o.recommendations.length);
        resolveTick(o);
      },
    });
    const loadBefore = readFileSync('/proc/loadavg', 'utf8').trim();
    const latencies: number[] = [];
    /** From the tick's append to the orchestrator's read of it (fdatasync, wake-up, read). */
    const waits: number[] = [];
    let mid = lastMid;
    let recs = 0;
    for (let k = 0; k < TICKS; k++) {
      mid = Math.max(300_000, Math.round(mid * (1 + (rnd.next() - 0.55) * 0.01)));
      const tick = tickAt(Date.now(), mid);
      const done = new Promise<TickOutcome>((resolve) => (resolveTick = resolve));
      const start = performance.now();
      await log.append(jsonRecord(tick.source, tick));
      const o = await done;
      latencies.push(o.doneAt - start);
      waits.push(o.readAt - start);
      recs += o.recommendations.length;
      if (k < 3 || k === TICKS - 1) {
        console.log(
          `tick ${k + 1}: ${(o.doneAt - start).toFixed(1)} ms, ${o.recommendations.length} recommendations, ` +
            `${o.scored} scored, skipped ${JSON.stringify(o.skipped)}, shadow ${JSON.stringify(o.shadow)}`,
        );
        console.log(`  ${breakdown(o.timings)}`);
      }
    }
    await orchestrator.stop();
    await state.close();
    store.close();
    await log.close();
    const loadAfter = readFileSync('/proc/loadavg', 'utf8').trim();
    const sorted = [...latencies].sort((a, b) => a - b);
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rssMb = process.resourceUsage().maxRSS / 1024;
    console.log('');
    console.log(
      `users ${users.length}, ticks ${TICKS}, recommendations ${recs}, ` +
        `cap ${MAX_PER_TICK === 0 ? 'none' : MAX_PER_TICK} per tick`,
    );
    console.log(`baseline vectors():          ${med(vecMs).toFixed(1)} ms`);
    console.log(`baseline model.predict():    ${med(predictMs).toFixed(1)} ms (1 thread)`);
    console.log(
      `  the same in JavaScript:     ${med(predictJsMs).toFixed(1)} ms (the 'complete' kernel; the default is WebAssembly)`,
    );
    console.log(
      `tick → notifications  p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms ` +
        `(${(quantile(sorted, 0.5) / (med(vecMs) + med(predictMs))).toFixed(2)}× vectors+predict)   target p99 ≤ 500 ms`,
    );
    const stage = (pick: (xs: number[]) => number) =>
      [...STAGES, ...AFTER]
        .map(([label, key]) => `${label} ${pick(outcomes.map((o) => o.timings[key])).toFixed(1)}`)
        .join(' · ');
    console.log(
      `breakdown, median ms: append+read of the tick ${med(waits).toFixed(1)} · ${stage(med)}`,
    );
    console.log(`breakdown, max ms:    ${stage((xs) => Math.max(...xs))}`);
    const slowestAt = latencies.indexOf(sorted[sorted.length - 1]!);
    const slowest = outcomes[slowestAt]!;
    console.log(
      `slowest tick (${counts[slowestAt]} recommendations): ${breakdown(slowest.timings)}`,
    );
    console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
    console.log(`peak RSS ${rssMb.toFixed(0)} MB   target ≤ 600 MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const trainFile = process.argv.indexOf('--train-to');
if (trainFile >= 0) trainTo(process.argv[trainFile + 1]!, arg('now', 0));
else await main();
