import { totalCopCents, type FxEvent } from '../../../src/fx/events.js';
import { prng } from '../../util/random.js';

/** Deterministic ULID-shaped ids: 10 time characters then a 16-character counter. */
const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function enc(n: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s = B32[n % 32]! + s;
    n = Math.floor(n / 32);
  }
  return s;
}
export function fakeId(ms: number, seq: number): string {
  return enc(ms, 10) + enc(seq, 16);
}

export interface MixOptions {
  count: number;
  users: number;
  /** @default 1 */
  seed?: number;
  /** First event time. @default 2026-03-10T04:00:00Z (23:00 in Bogotá: the batch crosses a date) */
  start?: number;
  /** Milliseconds between events. @default 1000 */
  stepMs?: number;
  /** Ratio of transactions among events after the accounts. @default 0.5 */
  txRatio?: number;
}

/**
 * A mixed stream: an AccountOpened per user first, then ticks and transactions (some of which
 * overdraw, so the store refuses them), ids increasing with time.
 */
export function mixedEvents(o: MixOptions): FxEvent[] {
  const rnd = prng(o.seed ?? 1);
  const stepMs = o.stepMs ?? 1000;
  let t = o.start ?? Date.parse('2026-03-10T04:00:00.000Z');
  const out: FxEvent[] = [];
  let seq = 0;
  const next = (): { id: string; at: string } => {
    t += stepMs;
    return { id: fakeId(t, seq++), at: new Date(t).toISOString() };
  };
  for (let u = 0; u < o.users && out.length < o.count; u++) {
    const { id, at } = next();
    out.push({
      type: 'AccountOpened',
      version: 1,
      id,
      userId: `u${String(u).padStart(4, '0')}`,
      copCents: 2_000_000_00 + Math.floor(rnd() * 1_000_000_00),
      usdCents: Math.floor(rnd() * 50_000),
      openedAt: at,
      ingestedAt: at,
    });
  }
  let mid = 400_000;
  while (out.length < o.count) {
    const { id, at } = next();
    if (rnd() >= (o.txRatio ?? 0.5)) {
      mid = Math.max(300_000, Math.round(mid * (1 + (rnd() - 0.5) * 0.002)));
      out.push({
        type: 'PriceTick',
        version: 1,
        id,
        source: 'test',
        bidCopCents: mid - 500,
        askCopCents: mid + 500,
        midCopCents: mid,
        observedAt: at,
        ingestedAt: at,
      });
    } else {
      const side = rnd() < 0.5 ? 'BUY' : 'SELL';
      const price = side === 'BUY' ? mid + 500 : mid - 500;
      const amount = 100 + Math.floor(rnd() * 100_000);
      out.push({
        type: 'TransactionExecuted',
        version: 1,
        id,
        userId: `u${String(Math.floor(rnd() * o.users)).padStart(4, '0')}`,
        side,
        amountUsdCents: amount,
        priceCopCents: price,
        totalCopCents: totalCopCents(amount, price),
        executedAt: at,
        ingestedAt: at,
        ...(rnd() < 0.5 ? { idempotencyKey: `k-${seq}` } : {}),
      });
    }
  }
  return out;
}
