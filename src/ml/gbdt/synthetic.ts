import { Prng } from '../../core/util/prng.js';

/** A synthetic classification data set: row-major float32 features and class labels. */
export interface SyntheticData {
  x: Float32Array;
  y: Float32Array;
  nRows: number;
  nFeatures: number;
}

/** Options of {@link syntheticClassification}. */
export interface SyntheticOptions {
  nRows: number;
  /** @default 10 */
  nFeatures?: number;
  /** 2 for binary labels 0/1. @default 2 */
  numClass?: number;
  /** Share of values replaced by NaN. @default 0.1 */
  missingRate?: number;
  /** @default 0 */
  seed?: number;
  /** Scale of the label noise; larger is harder to learn. @default 1 */
  noise?: number;
}

/**
 * A learnable, deterministic classification problem for tests and benchmarks: mixed
 * continuous, integer-valued (many ties) and heavy-tailed features with missing values; the
 * labels depend non-linearly on a few features, on interactions, and on missingness itself.
 */
export function syntheticClassification(o: SyntheticOptions): SyntheticData {
  const nf = o.nFeatures ?? 10;
  const k = o.numClass ?? 2;
  const missing = o.missingRate ?? 0.1;
  const noise = o.noise ?? 1;
  const rng = new Prng(o.seed ?? 0);
  const normal = (): number => {
    const u = 1 - rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const x = new Float32Array(o.nRows * nf);
  const y = new Float32Array(o.nRows);
  const scores = new Float64Array(k);
  for (let r = 0; r < o.nRows; r++) {
    const base = r * nf;
    for (let f = 0; f < nf; f++) {
      let v: number;
      if (f % 3 === 1) v = rng.int(0, 9);
      else if (f % 3 === 2) v = Math.exp(normal());
      else v = normal();
      x[base + f] = rng.chance(missing) ? NaN : v;
    }
    const g = (f: number, fallback: number): number => {
      const v = f < nf ? x[base + f]! : fallback;
      return Number.isNaN(v) ? fallback : v;
    };
    const a = g(0, 0.5);
    const b = g(1, 7);
    const c = Math.log(g(2, 1));
    const d = g(3, 0);
    const latent = 1.2 * a + (b > 5 ? 1 : -0.5) + 0.8 * c * (d > 0 ? 1 : -1) + 0.3 * a * d;
    if (k === 2) {
      const p = 1 / (1 + Math.exp(-(latent + noise * normal())));
      y[r] = rng.chance(p) ? 1 : 0;
    } else {
      for (let c2 = 0; c2 < k; c2++) {
        scores[c2] =
          (c2 === 0 ? latent : c2 === 1 ? -latent + Math.sin(2 * d) : 0.5 * b - 2) +
          noise * normal();
      }
      let best = 0;
      for (let c2 = 1; c2 < k; c2++) if (scores[c2]! > scores[best]!) best = c2;
      y[r] = best;
    }
  }
  return { x, y, nRows: o.nRows, nFeatures: nf };
}
