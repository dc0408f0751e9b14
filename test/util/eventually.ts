import { setTimeout as delay } from 'node:timers/promises';

/** How long `eventually` keeps looking. */
export interface EventuallyOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** Pause between two looks. @default 20 */
  intervalMs?: number;
  /** Added to the timeout error (a string, or a function called at the timeout, e.g. a child's output). */
  message?: string | (() => string);
}

/**
 * Looks at `check` until it returns a truthy value and returns that value; throws once
 * `timeoutMs` passed without one. The one poll-until helper of the tests: wait on a state this
 * way, never with a fixed sleep.
 *
 * @example const url = await eventually(() => /listening on (\S+)/.exec(out)?.[1]);
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions | number = {},
): Promise<NonNullable<T>> {
  const {
    timeoutMs = 10_000,
    intervalMs = 20,
    message,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) {
      const extra = typeof message === 'function' ? message() : message;
      throw new Error(`condition not met in ${timeoutMs} ms${extra ? `: ${extra}` : ''}`);
    }
    await delay(intervalMs);
  }
}
