import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog } from '../../../../src/core/event-log/event-log.js';
import { recommendationSchema } from '../../../../src/fx/events.js';
import { EmbeddedNotifier } from '../../../../src/fx/decisions/notify/embedded-notifier.js';
import { DEFAULT_PREFERENCES } from '../../../../src/fx/decisions/notify/preferences.js';
import { SqliteNotificationStore } from '../../../../src/fx/decisions/notify/sqlite/sqlite-notification-store.js';
import {
  defaultOrchestratorConfig,
  modelScorerSource,
  processOrchestratorAvailable,
  type OrchestratorOptions,
  type TickOutcome,
} from '../../../../src/fx/decisions/orchestrator/index.js';
import { SqliteOrchestratorState } from '../../../../src/fx/decisions/orchestrator/sqlite/sqlite-orchestrator-state.js';
import { processAvailable } from '../../../../src/fx/processor/index.js';
import { SqlitePortfolioStore } from '../../../../src/fx/portfolio/sqlite/sqlite-portfolio-store.js';
import { FEATURE_NAMES, OnlineFeatureStore } from '../../../../src/fx/decisions/features/index.js';
import { LocalFsObjectStore } from '../../../../src/core/object-store/local-fs/local-fs-object-store.js';
import { lakeRows } from '../../processor/harness.js';
import { tempDir } from '../../../util/tmp.js';
import { isHeldOut } from '../../../../src/fx/decisions/orchestrator/holdout.js';
import { trainFallModel } from './model.js';
import { appendAll, fallingWeek, HOUR, openLog, recommendationsIn, T, tick } from './timeline.js';

const SALT = 'prueba-2';
let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('corriente-orch-'));
});
afterEach(() => cleanup());

/** One run of the orchestrator as after a (re)start: fresh features, reopened state. */
async function run(
  log: EventLog,
  now: number,
  extra: Partial<OrchestratorOptions> = {},
): Promise<{
  stats: Awaited<ReturnType<typeof processOrchestratorAvailable>>;
  ticks: TickOutcome[];
}> {
  const state = SqliteOrchestratorState.open(path.join(dir, 'orchestrator.db'));
  const store = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
  const notifier = new EmbeddedNotifier(store, undefined, undefined);
  const ticks: TickOutcome[] = [];
  // Everyone treated and consenting unless a test says otherwise (holdout and consent: below).
  const config = defaultOrchestratorConfig();
  config.holdoutPercent = 0;
  config.policy.requireConsent = false;
  try {
    const stats = await processOrchestratorAvailable({
      log,
      features: new OnlineFeatureStore(),
      notifier,
      preferences: notifier,
      state,
      config,
      now: () => now,
      onTick: (t) => ticks.push(t),
      ...extra,
    });
    return { stats, ticks };
  } finally {
    await state.close();
    store.close();
  }
}

function notificationsOf(userId: string) {
  const store = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
  try {
    return store.notifications(userId, 100);
  } finally {
    store.close();
  }
}

/**
 * The scene of the first behaviours: the falling week in a real disk log, one user with quiet
 * hours around noon in Bogotá, and one orchestrator run at T + 2 s. The features are what a
 * restarted process hydrates from the lake; the tests keep them across their runs.
 */
async function decidedOnce(): Promise<{
  log: EventLog;
  features: OnlineFeatureStore;
  first: Awaited<ReturnType<typeof run>>;
}> {
  const prefs = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
  prefs.setPreferences('u-silencio', {
    ...DEFAULT_PREFERENCES,
    quietHours: { start: '11:00', end: '13:00', timezone: 'America/Bogota' },
  });
  prefs.close();
  const log = await openLog(dir);
  closeLog = () => log.close();
  await appendAll(log, fallingWeek());
  const features = new OnlineFeatureStore();
  const first = await run(log, T + 2000, { features });
  return { log, features, first };
}

let closeLog: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeLog?.();
  closeLog = undefined;
});

describe('orchestrator on a real disk event log', () => {
  it('decides on the last tick with the rules and skips quiet hours and users without funds', async () => {
    const { first } = await decidedOnce();
    expect(first.stats.decided).toBe(1);
    expect(first.stats.superseded).toBeGreaterThan(100); // the week's ticks, read in one go
    expect(first.ticks).toHaveLength(1);
    const report = first.ticks[0]!;
    expect(report.scorer).toBe('reglas');
    expect(report.skipped['quiet-hours']).toBe(1); // u-silencio
    // u-poco: 30,000 COP buys 7 USD < 10; u-usd: the rules say BUY, and it holds no COP.
    expect(report.skipped['no-funds']).toBe(2);
    expect(report.skipped['below-threshold']).toBe(0);
  });

  it('appends one valid Recommendation event per user due, priced at the last ask', async () => {
    const { log } = await decidedOnce();
    const recs = await recommendationsIn(log);
    expect(recs.map((r) => r.userId).sort()).toEqual(['u-ambos', 'u-cop']);
    for (const r of recs) {
      expect(recommendationSchema.safeParse(r).success).toBe(true);
      expect(r).toMatchObject({
        side: 'BUY',
        scorer: 'reglas',
        modelVersion: 'reglas-v1',
        priceCopCents: 392_500, // the ask of the last tick
        createdAt: new Date(T + 2000).toISOString(),
        expiresAt: new Date(T + 2000 + 24 * HOUR).toISOString(),
      });
      expect(r.reasons[0]).toEqual({ code: 'regla_caida_24h', texto: 'El dólar bajó 2,0 % hoy' });
    }
    const byUser = new Map(recs.map((r) => [r.userId, r]));
    // No trades of their own: the default ticket; u-ambos bought 250 USD once.
    expect(byUser.get('u-cop')!.suggestedAmountUsdCents).toBe(100_00);
    expect(byUser.get('u-ambos')!.suggestedAmountUsdCents).toBe(250_00);
  });

  it('notifies each recommendation with its id, and not the user in quiet hours', async () => {
    const { log } = await decidedOnce();
    const cop = (await recommendationsIn(log)).find((r) => r.userId === 'u-cop')!;
    const [n] = notificationsOf('u-cop');
    expect(n).toMatchObject({
      id: cop.id,
      kind: 'recomendacion',
      title: '¿Quieres comprar dólares hoy?',
    });
    expect(n!.body).toMatch(/^Si lo necesitas, podrías comprar \d+ USD a 3\.925,00 COP\. /);
    expect(n!.body).toContain('El dólar bajó 2,0 % hoy.');
    expect(n!.body).toMatch(/El diferencial \(spread\) te cuesta unos [\d.]+ COP \([\d,]+ %\)/);
    expect(n!.body).toContain('Esto no es una asesoría financiera');
    expect(notificationsOf('u-silencio')).toEqual([]);
  });

  it('checkpoints at the end of what it read: after its own Recommendations, the last record', async () => {
    const { log, first } = await decidedOnce();
    const records = [];
    for (let from: string | undefined; ;) {
      const page = await log.read(from, { max: 1000 });
      if (page.records.length === 0) break;
      records.push(...page.records);
      from = page.next;
    }
    // The week, then the two Recommendations it appended and read back.
    expect(records).toHaveLength(fallingWeek().length + 2);
    const end = records.at(-1)!.next;
    expect(await log.getCheckpoint('fx-orchestrator')).toBe(end);
    expect(first.stats.checkpoint).toBe(end);
    // Nothing is left after it.
    expect((await log.read(end, { max: 10 })).records).toEqual([]);
  });

  it('after a restart with nothing new but its own Recommendations, decides nothing again', async () => {
    const { log, features } = await decidedOnce();
    const again = await run(log, T + 5000, { features });
    expect(again.stats.decided).toBe(0);
    expect(again.stats.recommendations).toBe(0);
    expect(await recommendationsIn(log)).toHaveLength(2);
  });

  it('holds the cooldown (6 h, in the persisted state) on a further fall 10 minutes later', async () => {
    const { log, features } = await decidedOnce();
    await appendAll(log, [tick(T + 10 * 60_000, 388_000)]);
    const later = await run(log, T + 10 * 60_000 + 1000, { features });
    expect(later.ticks[0]!.skipped.cooldown).toBe(2);
    expect(later.stats.recommendations).toBe(0);
  });

  it('observes a stale tick (an hour old when read) but does not decide on it', async () => {
    const { log, features } = await decidedOnce();
    await appendAll(log, [tick(T + 15 * 60_000, 388_000)]);
    const stale = await run(log, T + 75 * 60_000, { features });
    expect(stale.stats).toMatchObject({ ticks: 1, stale: 1, decided: 0 });
  });

  it('its Recommendations reach the raw lake through the stream processor', async () => {
    const { log } = await decidedOnce();
    const datalake = new LocalFsObjectStore({ root: path.join(dir, 'datalake') });
    const portfolios = new SqlitePortfolioStore({ path: path.join(dir, 'portfolios.db') });
    const processed = await processAvailable({ log, datalake, portfolios });
    await portfolios.close();
    expect(processed.invalid).toBe(0);
    const rows = (await lakeRows(datalake, 'raw/fx_recommendations/')).map((r) => r.row);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.usuario_id === 'u-cop')).toMatchObject({
      lado: 'BUY',
      origen: 'reglas',
      version_modelo: 'reglas-v1',
      precio_cop: 3925,
      precio_cop_centavos: 392_500,
      monto_sugerido_usd: 100,
      monto_sugerido_usd_centavos: 100_00,
      razon_principal: 'regla_caida_24h',
      grupo_modelo: null,
      version_evento: 1,
    });
    expect(JSON.parse(String(rows[0]!.razones))[0].code).toBe('regla_caida_24h');
  });

  it('over the per-tick cap: one suggestion now, the deferred one on the next tick', async () => {
    const log = await openLog(dir);
    try {
      await appendAll(log, fallingWeek());
      const features = new OnlineFeatureStore();
      const config = defaultOrchestratorConfig();
      config.holdoutPercent = 0;
      config.policy.requireConsent = false;
      config.policy.maxPerTick = 1;
      const first = await run(log, T + 2000, { features, config });
      // Without quiet hours of their own, u-cop, u-ambos and u-silencio are due: one served.
      expect(first.stats).toMatchObject({ recommendations: 1, deferred: 2 });
      expect(first.ticks[0]!.skipped.deferred).toBe(2);

      await appendAll(log, [tick(T + 60_000, 392_000)]);
      const second = await run(log, T + 61_000, { features, config });
      expect(second.stats).toMatchObject({ recommendations: 1, deferred: 1 });
      expect(second.ticks[0]!.skipped.cooldown).toBe(1);
      const users = (await recommendationsIn(log)).map((r) => r.userId);
      expect(users).toHaveLength(2);
      expect(new Set(users).size).toBe(2);
      expect(['u-ambos', 'u-cop', 'u-silencio']).toEqual(expect.arrayContaining(users));
    } finally {
      await log.close();
    }
  });

  it('serves the approved model with reasons from its contributions, the rules in shadow', async () => {
    const model = trainFallModel();
    const models = modelScorerSource(
      { current: () => ({ group: 'fx-recomendaciones', version: '3', model }) },
      FEATURE_NAMES,
    );
    const log = await openLog(dir);
    try {
      await appendAll(log, fallingWeek());
      const { stats, ticks } = await run(log, T + 2000, { models });
      // Without preferences u-silencio is not in quiet hours here: three users with COP.
      expect(stats.byScorer).toEqual({ model: 3, reglas: 0 });
      const report = ticks[0]!;
      expect(report).toMatchObject({ scorer: 'model', version: '3' });
      // The rules read the same fall as a BUY for the same users: full agreement.
      expect(report.shadow).toEqual({ agree: 5, modelOnly: 0, rulesOnly: 0, differentSide: 0 });
      const recs = await recommendationsIn(log);
      for (const r of recs) {
        expect(r).toMatchObject({
          scorer: 'model',
          modelGroup: 'fx-recomendaciones',
          modelVersion: '3',
          side: 'BUY',
        });
        expect(r.probability).toBeGreaterThanOrEqual(0.6);
        expect(r.reasons[0]).toEqual({ code: 'retorno_24h', texto: 'El dólar bajó 2,0 % hoy' });
      }
    } finally {
      await log.close();
    }
  });

  it('asks consent before the first, honours off and language, holds out users, and audits', async () => {
    const prefs = new SqliteNotificationStore({ path: path.join(dir, 'notifications.db') });
    prefs.setPreferences('u-cop', {
      ...DEFAULT_PREFERENCES,
      recommendations: 'on',
      language: 'en',
    });
    prefs.setPreferences('u-silencio', { ...DEFAULT_PREFERENCES, recommendations: 'off' });
    prefs.setPreferences('u-ambos', { ...DEFAULT_PREFERENCES, recommendations: 'on' });
    prefs.close();
    const log = await openLog(dir);
    try {
      await appendAll(log, fallingWeek());
      const config = defaultOrchestratorConfig();
      config.policy.quietHours = null;
      // A salt that holds out u-ambos and not u-cop (the hash is fixed: see holdout.test).
      config.holdoutPercent = 50;
      config.holdoutSalt = SALT;
      expect(isHeldOut('u-ambos', SALT, 50)).toBe(true);
      expect(isHeldOut('u-cop', SALT, 50)).toBe(false);
      const { stats, ticks } = await run(log, T + 2000, { config });
      const report = ticks[0]!;
      expect(report.skipped['opted-out']).toBe(1); // u-silencio
      expect(stats.heldOut).toBe(1);
      const recs = await recommendationsIn(log);
      const byUser = new Map(recs.map((r) => [r.userId, r]));
      expect([...byUser.keys()].sort()).toEqual(['u-ambos', 'u-cop']);
      expect(byUser.get('u-ambos')!.group).toBe('control');
      expect(byUser.get('u-cop')!.group).toBe('tratamiento');
      // Held out: recorded, never notified.
      expect(notificationsOf('u-ambos')).toEqual([]);
      const [n] = notificationsOf('u-cop');
      expect(n).toMatchObject({
        kind: 'recomendacion',
        title: 'Do you want to buy dollars today?',
      });
      expect(n!.body).toContain('This is not financial advice');
      expect(n!.body).toMatch(/The spread costs you about/);
      expect(notificationsOf('u-silencio')).toEqual([]);

      // The audit: the vector scored, its hash, the balances, the policy version, the rules.
      const audit = byUser.get('u-cop')!.audit!;
      expect(audit.features).toHaveLength(FEATURE_NAMES.length);
      expect(audit.featuresHash).toMatch(/^[0-9a-f]{16}$/);
      expect(audit.policyVersion).toMatch(/^politica-2-[0-9a-f]{8}$/);
      expect(audit.rules).toContain('tope-semanal');
      expect(audit.copCents).toBeGreaterThan(0);

      // The stream processor lands it in fx_raw_db.fx_recommendations, queryable.
      const datalake = new LocalFsObjectStore({ root: path.join(dir, 'datalake') });
      const portfolios = new SqlitePortfolioStore({ path: path.join(dir, 'portfolios.db') });
      await processAvailable({ log, datalake, portfolios });
      await portfolios.close();
      const rows = (await lakeRows(datalake, 'raw/fx_recommendations/')).map((r) => r.row);
      const cop = rows.find((r) => r.usuario_id === 'u-cop')!;
      expect(cop).toMatchObject({
        grupo: 'tratamiento',
        hash_caracteristicas: audit.featuresHash,
        version_politica: audit.policyVersion,
        saldo_cop_centavos: audit.copCents,
      });
      expect(JSON.parse(String(cop.vector_caracteristicas))).toHaveLength(FEATURE_NAMES.length);
      expect(rows.find((r) => r.usuario_id === 'u-ambos')).toMatchObject({ grupo: 'control' });
    } finally {
      await log.close();
    }
  });

  it('a user never asked gets one consent request instead of the suggestion', async () => {
    const log = await openLog(dir);
    try {
      await appendAll(log, fallingWeek());
      const config = defaultOrchestratorConfig();
      config.policy.quietHours = null;
      config.holdoutPercent = 0;
      const { stats, ticks } = await run(log, T + 2000, { config });
      expect(ticks[0]!.skipped['consent-pending']).toBeGreaterThanOrEqual(2);
      expect(stats.recommendations).toBe(0);
      expect(stats.consentRequests).toBe(ticks[0]!.skipped['consent-pending']);
      const [n, ...more] = notificationsOf('u-cop');
      expect(more).toEqual([]);
      expect(n).toMatchObject({
        kind: 'consentimiento',
        title: '¿Quieres recibir sugerencias sobre dólares?',
      });
      // Asked once: a later due suggestion does not ask again.
      await appendAll(log, [tick(T + 8 * HOUR, 380_000)]);
      const later = await run(log, T + 8 * HOUR + 1000, { config });
      expect(later.stats.consentRequests).toBe(0);
      expect(notificationsOf('u-cop')).toHaveLength(1);
    } finally {
      await log.close();
    }
  });
});
