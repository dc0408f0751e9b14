import { backoffMs, sleep } from '../../util/retry.js';
import type { PgClient, PgPool } from './pg-pool.js';

/** SQLSTATEs worth running the whole transaction again: serialization failure and deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Whether `err` is a PostgreSQL serialization failure or deadlock (the transaction may be rerun). */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

export interface TransactionOptions {
  /** @default 'read committed' */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Attempts in all on serialization failure or deadlock, the first included. @default 5 */
  attempts?: number;
  /** @default Math.random (jitter of the backoff between attempts) */
  random?: () => number;
}

/**
 * Runs `fn` inside `BEGIN … COMMIT` on one pooled client, `ROLLBACK` when it throws. A
 * serialization failure or deadlock reruns the whole of `fn` (so `fn` must only touch the
 * database, or be safe to repeat), at most `attempts` times with jittered backoff; any other
 * error is thrown at once.
 * @example
 * const id = await withTransaction(pool, async (c) => {
 *   await c.query('UPDATE saldos SET usd = usd - $1 WHERE usuario = $2', [1, 'ana']);
 *   return 'ok';
 * });
 */
export async function withTransaction<T>(
  pool: PgPool,
  fn: (client: PgClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  const begin =
    options.isolation && options.isolation !== 'read committed'
      ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}`
      : 'BEGIN';
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is unusable: release it destroyed so the pool opens a fresh one.
        broken = rollbackError as Error;
      }
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
    } finally {
      client.release(broken);
    }
    await sleep(backoffMs(attempt, { baseMs: 5, capMs: 200 }, options.random));
  }
}
