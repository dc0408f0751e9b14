import { Prng } from '../../src/core/util/prng.js';

/**
 * A small deterministic PRNG (mulberry32): the same seed gives the same sequence. The fixtures'
 * data sets are drawn from it (their expected figures depend on this exact sequence).
 */
export function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded source of random moments for a test, with the seed it was drawn from. */
export interface SeededRandom {
  seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/**
 * The random source of a crash test. The seed comes from `CORRIENTE_TEST_SEED` (a whole number),
 * else it is drawn at random; either way it is printed with `label`, so a failing run can be
 * replayed with `CORRIENTE_TEST_SEED=<seed> npx vitest run <file>`.
 */
export function seededRandom(
  label: string,
  env: Record<string, string | undefined> = process.env,
): SeededRandom {
  const given = env.CORRIENTE_TEST_SEED;
  let seed: number;
  if (given !== undefined && given !== '') {
    seed = Number(given);
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`CORRIENTE_TEST_SEED must be a whole number, got ${JSON.stringify(given)}`);
    }
  } else {
    seed = Math.floor(Math.random() * 2 ** 31);
  }
  console.log(`[${label}] random kill times from CORRIENTE_TEST_SEED=${seed}`);
  const rng = new Prng(seed);
  return { seed, next: () => rng.next(), int: (min, max) => rng.int(min, max) };
}
