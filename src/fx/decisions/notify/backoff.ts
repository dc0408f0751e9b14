import type { RetryConfig } from './notify-config.js';

/**
 * Wait before attempt `attempt + 1` after `attempt` failures: exponential backoff with full
 * jitter, `random() * min(cap, base * 2^(attempt-1))`, so retrying clients spread out.
 * @param random in [0, 1); inject a seeded one for deterministic tests.
 */
export function backoffMs(
  attempt: number,
  retry: Pick<RetryConfig, 'baseMs' | 'capMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.capMs, retry.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
