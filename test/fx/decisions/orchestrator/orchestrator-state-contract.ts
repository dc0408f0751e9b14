import { afterEach, beforeEach, expect, it } from 'vitest';
import { newEventId, type Recommendation } from '../../../../src/fx/events.js';
import type { OrchestratorState } from '../../../../src/fx/decisions/orchestrator/orchestrator-state.js';
import type { LastSuggestion } from '../../../../src/fx/decisions/orchestrator/policy.js';

const T = Date.parse('2026-03-02T15:00:00Z');

function recommendation(userId: string, atMs: number): Recommendation {
  const at = new Date(atMs).toISOString();
  return {
    type: 'Recommendation',
    version: 1,
    id: newEventId(atMs),
    userId,
    side: 'BUY',
    probability: 0.7,
    scorer: 'model',
    modelGroup: 'fx-recomendaciones',
    modelVersion: '1',
    priceTickId: newEventId(atMs),
    priceCopCents: 400_000,
    suggestedAmountUsdCents: 100_00,
    reasons: [{ code: 'retorno_24h', texto: 'una razón' }],
    createdAt: at,
    expiresAt: new Date(atMs + 86_400_000).toISOString(),
    ingestedAt: at,
  };
}

function decision(userId: string, atMs: number, more: Partial<LastSuggestion> = {}) {
  const event = recommendation(userId, atMs);
  const last: LastSuggestion = {
    id: event.id,
    side: 'BUY',
    atMs,
    priceCopCents: 400_000,
    copCents: 1_000_000_00,
    usdCents: 250_00,
    ...more,
  };
  return { event, last };
}

/**
 * The OrchestratorState contract: every adapter runs these cases. `open()` opens a handle on a
 * fresh, empty store the first time, and on the same store after (a restarted orchestrator, or a
 * standby taking over).
 */
export function orchestratorStateContract(
  make: () => Promise<{ open: () => Promise<OrchestratorState>; cleanup: () => Promise<void> }>,
): void {
  let open: () => Promise<OrchestratorState>;
  let cleanup: () => Promise<void>;
  const opened: OrchestratorState[] = [];
  const handle = async (): Promise<OrchestratorState> => {
    const s = await open();
    opened.push(s);
    return s;
  };

  beforeEach(async () => {
    ({ open, cleanup } = await make());
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await cleanup();
  });

  it('starts empty', async () => {
    const s = await handle();
    expect(s.size).toBe(0);
    expect(s.last('ana')).toBeUndefined();
    expect(await s.outbox()).toEqual([]);
    expect(s.lastsChangedSince(s.lastsCursor())).toEqual([]);
  });

  it('records decisions with their outbox rows; the next handle finds both', async () => {
    const s = await handle();
    const a = decision('ana', T, { weekMs: [T - 86_400_000, T], ignoredStreak: 2 });
    const b = decision('beto', T + 1, { side: 'SELL', holdUntilMs: T + 3_600_000 });
    await s.record([a, b]);
    expect(s.size).toBe(2);
    expect(s.last('ana')).toEqual(a.last);
    expect(await s.outbox()).toEqual([
      { event: a.event, appended: false },
      { event: b.event, appended: false },
    ]);
    const again = await handle();
    expect(again.size).toBe(2);
    expect(again.last('ana')).toEqual(a.last);
    expect(again.last('beto')).toEqual({ ...b.last, ignoredStreak: 0 });
    expect((await again.outbox()).map((e) => e.event)).toEqual([a.event, b.event]);
  });

  it('keeps the bytes given as json, and a later decision replaces the last one', async () => {
    const s = await handle();
    const first = decision('ana', T);
    const json = JSON.stringify(first.event);
    await s.record([first], [json]);
    const later = decision('ana', T + 60_000, { side: 'SELL' });
    await s.record([later]);
    expect(s.last('ana')).toEqual(later.last);
    expect((await handle()).last('ana')).toEqual({ ...later.last, ignoredStreak: 0 });
    expect((await s.outbox()).map((e) => e.event.id)).toEqual([first.event.id, later.event.id]);
    // Recording the same event again (a retried tick) keeps one outbox row.
    await s.record([first]);
    expect(await s.outbox()).toHaveLength(2);
  });

  it('marks appended rows and removes completed ones', async () => {
    const s = await handle();
    const ds = ['a', 'b', 'c'].map((u, i) => decision(u, T + i));
    await s.record(ds);
    await s.markAppended([ds[0]!.event.id, ds[2]!.event.id]);
    await s.markAppended([]);
    expect((await s.outbox()).map((e) => e.appended)).toEqual([true, false, true]);
    await s.complete([ds[0]!.event.id, ds[1]!.event.id]);
    await s.complete([]);
    const left = await (await handle()).outbox();
    expect(left).toEqual([{ event: ds[2]!.event, appended: true }]);
  });

  it('asks for consent once per user', async () => {
    const s = await handle();
    expect(await s.notConsentAsked(['ana', 'beto'])).toEqual(['ana', 'beto']);
    expect(await s.markConsentAsked(['ana'], T)).toEqual(['ana']);
    expect(await s.markConsentAsked(['beto', 'ana', 'ceci'], T + 1)).toEqual(['beto', 'ceci']);
    expect(await s.markConsentAsked([], T)).toEqual([]);
    expect(await (await handle()).notConsentAsked(['ceci', 'dora', 'ana'])).toEqual(['dora']);
  });

  it('journals the users whose last suggestion changed since a cursor', async () => {
    const s = await handle();
    const c0 = s.lastsCursor();
    await s.record([decision('a', T), decision('b', T)]);
    const c1 = s.lastsCursor();
    await s.record([decision('a', T + 1)]);
    expect(s.lastsChangedSince(c0)).toEqual(['a', 'b', 'a']);
    expect(s.lastsChangedSince(c1)).toEqual(['a']);
    expect(s.lastsChangedSince(s.lastsCursor() + 1)).toBeUndefined();
    await s.record([]);
    expect(s.lastsChangedSince(s.lastsCursor())).toEqual([]);
  });
}
