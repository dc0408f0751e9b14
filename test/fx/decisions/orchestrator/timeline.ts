import * as path from 'node:path';
import { DiskEventLog } from '../../../../src/core/event-log/disk/index.js';
import { jsonRecord, parseJson, type EventLog } from '../../../../src/core/event-log/event-log.js';
import {
  opened as lakeOpened,
  tick as lakeTick,
  trade as lakeTrade,
} from '../features/lake-events.js';
import {
  type AccountOpened,
  type FxEvent,
  type PriceTick,
  type Recommendation,
  type TransactionExecuted,
} from '../../../../src/fx/events.js';

/** 12:00 in Bogotá: outside the default quiet hours. */
export const T = Date.parse('2026-03-10T17:00:00.000Z');
export const HOUR = 3_600_000;

/** The shared event builders of the feature tests, in this suite's units (whole COP and USD). */
export function tick(ms: number, midCopCents: number): PriceTick {
  return lakeTick(ms, midCopCents, midCopCents - 500);
}

export function opened(userId: string, ms: number, cop: number, usd: number): AccountOpened {
  return lakeOpened(ms, userId, cop * 100, usd * 100);
}

export function trade(
  userId: string,
  ms: number,
  side: 'BUY' | 'SELL',
  usd: number,
  priceCopCents: number,
): TransactionExecuted {
  return lakeTrade(ms, userId, side, usd * 100, priceCopCents);
}

/**
 * A week of hourly ticks at 4,000 COP, accounts opened 8 days before `T`, one purchase, and a
 * last tick at `T` 2 % lower: the dollar fell 2 % in 24 h and sits under its 7-day mean, which
 * the rules (and a model trained to buy on falls) read as a BUY.
 */
export function fallingWeek(): FxEvent[] {
  const events: FxEvent[] = [
    opened('u-cop', T - 8 * 24 * HOUR, 10_000_000, 0),
    opened('u-usd', T - 8 * 24 * HOUR, 0, 5_000),
    opened('u-ambos', T - 8 * 24 * HOUR, 20_000_000, 1_000),
    opened('u-silencio', T - 8 * 24 * HOUR, 10_000_000, 0),
    opened('u-poco', T - 8 * 24 * HOUR, 30_000, 0),
  ];
  for (let ms = T - 7 * 24 * HOUR; ms < T; ms += HOUR) {
    events.push(tick(ms, 400_000));
    if (ms === T - 3 * 24 * HOUR) events.push(trade('u-ambos', ms + 1000, 'BUY', 250, 400_500));
  }
  events.push(tick(T, 392_000));
  return events;
}

export async function appendAll(log: EventLog, events: readonly FxEvent[]): Promise<void> {
  await log.appendBatch(events.map((e) => jsonRecord('userId' in e ? e.userId : e.source, e)));
}

export async function openLog(dir: string): Promise<DiskEventLog> {
  return DiskEventLog.open({ dir: path.join(dir, 'eventlog'), stream: 'fx-events' });
}

/** Every Recommendation event in the log, in log order. */
export async function recommendationsIn(log: EventLog): Promise<Recommendation[]> {
  const out: Recommendation[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await log.read(cursor, { max: 5000 });
    if (page.records.length === 0) return out;
    cursor = page.next;
    for (const r of page.records) {
      const e = parseJson(r) as FxEvent;
      if (e.type === 'Recommendation') out.push(e);
    }
  }
}
