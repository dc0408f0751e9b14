/**
 * Retries and waits, written once for every adapter, the dispatcher and the consumer loops.
 */

/** Exponential backoff settings. */
export interface BackoffOptions {
  /** Ceiling of the first wait, in ms. */
  baseMs: number;
  /** Largest ceiling, in ms. */
  capMs: number;
}

/**
 * Wait before attempt `attempt + 1` after `attempt` failures: exponential backoff with full
 * jitter, `random() * min(cap, base * 2^(attempt-1))`, so retrying clients spread out.
 * @param random in [0, 1); inject a seeded one for deterministic tests.
 * @example backoffMs(3, { baseMs: 100, capMs: 5000 }) // somewhere in [0, 400)
 */
export function backoffMs(
  attempt: number,
  retry: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Whether a failure is worth another attempt. @default every failure */
  retryable?: (err: unknown) => boolean;
  /** @default Math.random */
  random?: () => number;
  /** Stops waiting and retrying when aborted (the last error is thrown). */
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it resolves, at most `attempts` times, waiting {@link backoffMs} between
 * attempts; throws the last error.
 * @example await retry(() => fetchQuote(), { attempts: 4, baseMs: 200, capMs: 5000 })
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const retryable = o.retryable?.(err) ?? true;
      if (!retryable || attempt >= o.attempts || o.signal?.aborted) throw err;
      await sleep(backoffMs(attempt, o, o.random), o.signal);
    }
  }
}
