import type { Behaviour } from './behaviours.js';

/** How the customers of one behaviour respond to a suggestion they are notified of. */
export interface ResponseEffect {
  /** Probability of trading the suggested side because of it (0: never). */
  probability: number;
  /** The trade comes this many minutes after the suggestion, uniformly in `[min, max]`. */
  delayMinutes: [number, number];
}

/**
 * The default effects: dip buyers and momentum traders sometimes act on a suggestion, savers
 * rarely (they buy on payday anyway), remittance senders never (they sell on schedule), random
 * traders sometimes. Delays from 10 minutes to 6 hours, inside the 24 h outcome horizon.
 */
export const DEFAULT_RESPONSE_EFFECTS: Readonly<Record<Behaviour, ResponseEffect>> = {
  compra_en_caidas: { probability: 0.25, delayMinutes: [10, 360] },
  momentum: { probability: 0.15, delayMinutes: [10, 360] },
  remesas: { probability: 0, delayMinutes: [10, 360] },
  ahorro_quincenal: { probability: 0.05, delayMinutes: [10, 360] },
  aleatorio: { probability: 0.1, delayMinutes: [10, 360] },
};

/**
 * `effects` with every probability multiplied by `scale` (capped at 1): 0 switches responses
 * off, 2 doubles them.
 */
export function scaledEffects(
  scale: number,
  effects: Readonly<Record<Behaviour, ResponseEffect>> = DEFAULT_RESPONSE_EFFECTS,
): Record<Behaviour, ResponseEffect> {
  const out = {} as Record<Behaviour, ResponseEffect>;
  for (const [b, e] of Object.entries(effects) as [Behaviour, ResponseEffect][]) {
    out[b] = { ...e, probability: Math.min(1, e.probability * scale) };
  }
  return out;
}

/**
 * A uniform number in [0, 1) from a seed and a key, without state: the simulator's noise
 * (skipped paydays, jittered times) must not shift the draws of everything else.
 */
export function hashUniform(seed: number, key: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4_294_967_296;
}
