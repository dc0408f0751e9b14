import type { Logger } from '../../core/log/logger.js';
import { SeededRandom } from '../prices/simulated/random.js';
import { BEHAVIOURS, type Behaviour } from './behaviours.js';

export interface LiveSimulationOptions {
  /** Base URL of a running `corriente up`, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The admin token the server was started with (`CORRIENTE_ADMIN_TOKEN`). */
  adminToken: string;
  users: number;
  /** How long to trade, in seconds. */
  durationSeconds: number;
  /** @default 1 */
  seed?: number;
  /** Milliseconds between two decision rounds. @default 1000 */
  tickMs?: number;
  logger?: Logger;
  /** Stops early when aborted. */
  signal?: AbortSignal;
}

export interface LiveSimulationResult {
  users: number;
  rounds: number;
  requests: number;
  /** Responses by HTTP status (e.g. 201, 409, 503). */
  byStatus: Record<string, number>;
  byBehaviour: Record<string, number>;
  failedRequests: number;
}

interface LiveUser {
  name: string;
  behaviour: Behaviour;
  token: string;
  usdCents: number;
  copCents: number;
  phase: number;
}

/**
 * `corriente fx simulate --live`: drives a running API as real clients would. It creates
 * `users` customers through the admin endpoint (opening balances and a behaviour each), then,
 * every `tickMs`, reads the live price and lets each customer decide, with the behaviours of the
 * history simulator in compressed time: buying dips, following momentum (short vs long moving
 * average), converting remittances (SELL USD) or savings (BUY USD) on a cycle, or trading at
 * random. Every order is a real `POST /transactions` with its own Idempotency-Key.
 */
export async function simulateLive(o: LiveSimulationOptions): Promise<LiveSimulationResult> {
  const rng = new SeededRandom(o.seed ?? 1);
  const base = o.baseUrl.replace(/\/+$/, '');
  const admin = { authorization: `Bearer ${o.adminToken}`, 'content-type': 'application/json' };
  const users: LiveUser[] = [];
  for (let i = 0; i < o.users; i++) {
    const behaviour = BEHAVIOURS[Math.floor(rng.uniform() * BEHAVIOURS.length)]!;
    const cop = Math.round(2_000_000 + rng.uniform() * 30_000_000);
    const usd =
      behaviour === 'remesas'
        ? Math.round(500 + rng.uniform() * 3000)
        : Math.round(rng.uniform() * 800);
    const name = `Cliente simulado ${String(i + 1).padStart(4, '0')} (${behaviour})`;
    const res = await fetch(`${base}/api/fx/v1/admin/users`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name, cop, usd }),
    });
    if (res.status !== 201) {
      throw new Error(
        `cannot create simulated users: POST /admin/users answered ${res.status}: ${await res.text()}`,
      );
    }
    const body = (await res.json()) as { token: string };
    users.push({
      name,
      behaviour,
      token: body.token,
      usdCents: usd * 100,
      copCents: cop * 100,
      phase: Math.floor(rng.uniform() * 30),
    });
  }

  const result: LiveSimulationResult = {
    users: users.length,
    rounds: 0,
    requests: 0,
    byStatus: {},
    byBehaviour: {},
    failedRequests: 0,
  };
  let emaShort: number | undefined;
  let emaLong: number | undefined;
  let previousMid: number | undefined;
  const until = Date.now() + o.durationSeconds * 1000;
  let order = 0;
  while (Date.now() < until && !o.signal?.aborted) {
    const round = result.rounds++;
    const priceRes = await fetch(`${base}/api/fx/v1/prices/latest`, { headers: admin });
    if (priceRes.status === 200) {
      const p = (await priceRes.json()) as { midCop: number; askCop: number };
      emaShort = emaShort === undefined ? p.midCop : emaShort + (p.midCop - emaShort) * 0.3;
      emaLong = emaLong === undefined ? p.midCop : emaLong + (p.midCop - emaLong) * 0.05;
      const orders: Promise<void>[] = [];
      for (const u of users) {
        const side = decideLive(u, round, p.midCop, previousMid, emaShort, emaLong, rng);
        if (!side) continue;
        const amountUsd =
          side === 'BUY'
            ? Math.max(1, Math.floor(((u.copCents / 100) * 0.05) / p.askCop))
            : Math.max(1, Math.floor((u.usdCents / 100) * 0.2));
        const key = `live-${o.seed ?? 1}-${Date.now()}-${order++}`;
        orders.push(
          fetch(`${base}/api/fx/v1/transactions`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${u.token}`,
              'content-type': 'application/json',
              'idempotency-key': key,
            },
            body: JSON.stringify({ side, amountUsd }),
          })
            .then(async (r) => {
              result.byStatus[r.status] = (result.byStatus[r.status] ?? 0) + 1;
              if (r.status === 201) {
                const tx = (await r.json()) as { totalCop: number; amountUsd: number };
                const sign = side === 'BUY' ? 1 : -1;
                u.usdCents += sign * Math.round(tx.amountUsd * 100);
                u.copCents -= sign * Math.round(tx.totalCop * 100);
                result.byBehaviour[u.behaviour] = (result.byBehaviour[u.behaviour] ?? 0) + 1;
              } else {
                await r.body?.cancel();
              }
            })
            .catch((err: unknown) => {
              result.failedRequests++;
              o.logger?.warn({ err }, 'simulated order failed');
            }),
        );
        result.requests++;
      }
      await Promise.all(orders);
      previousMid = p.midCop;
    } else {
      await priceRes.body?.cancel();
      o.logger?.info(`no tradable price yet (GET /prices/latest answered ${priceRes.status})`);
    }
    await new Promise((r) => setTimeout(r, o.tickMs ?? 1000));
  }
  return result;
}

/** One customer's decision this round, in compressed time (a "day" is 30 rounds). */
function decideLive(
  u: LiveUser,
  round: number,
  mid: number,
  previousMid: number | undefined,
  emaShort: number,
  emaLong: number,
  rng: SeededRandom,
): 'BUY' | 'SELL' | undefined {
  const canSell = u.usdCents >= 100;
  switch (u.behaviour) {
    case 'compra_en_caidas':
      if (mid < emaLong * 0.9995 && rng.uniform() < 0.3) return 'BUY';
      if (mid > emaLong * 1.002 && canSell && rng.uniform() < 0.1) return 'SELL';
      return undefined;
    case 'momentum':
      if (previousMid === undefined || rng.uniform() > 0.2) return undefined;
      if (emaShort > emaLong && mid > previousMid) return 'BUY';
      if (emaShort < emaLong && mid < previousMid && canSell) return 'SELL';
      return undefined;
    case 'remesas':
      return (round + u.phase) % 30 === 0 && canSell ? 'SELL' : undefined;
    case 'ahorro_quincenal':
      return (round + u.phase) % 15 === 0 ? 'BUY' : undefined;
    case 'aleatorio':
      if (rng.uniform() > 0.08) return undefined;
      return rng.uniform() < 0.5 || !canSell ? 'BUY' : 'SELL';
  }
}
