import { Prng } from '../core/util/prng.js';

/** Uplift in one top slice of the ranking. */
export interface UpliftAtK {
  /** Share of the rows, best predicted uplift first (0.1 = the top 10 %). */
  fraction: number;
  treated: number;
  control: number;
  /** Treated minus control conversion rate in the slice; `null` when an arm is empty. */
  uplift: number | null;
}

/** How well a ranking finds the rows a treatment changes. */
export interface UpliftEvaluation {
  rows: number;
  treated: number;
  control: number;
  /** Treated minus control conversion rate over all rows (what a random ranking gets at any k). */
  overallUplift: number | null;
  /**
   * Qini coefficient: the mean, over every cut k, of the Qini curve minus the random ranking's
   * straight line, divided by the treated rows. Qini(k) = conversions of the treated among the
   * top k − conversions of the controls among them × treated(k) / control(k). 0 for a random
   * ranking; positive when the rows ranked first respond more.
   */
  qini: number;
  /** Standard deviation of `qini` over seeded random rankings of the same rows (the noise). */
  qiniRandomSd: number;
  upliftAtK: UpliftAtK[];
}

/**
 * Qini coefficient and uplift at k of `scores` (predicted uplift) over rows with a treatment flag
 * (1 treated, 0 control) and a 0/1 outcome. `permutations` random rankings give the noise level.
 */
export function evaluateUplift(
  scores: ArrayLike<number>,
  treated01: ArrayLike<number>,
  outcome01: ArrayLike<number>,
  o: { fractions?: number[]; permutations?: number; seed?: number } = {},
): UpliftEvaluation {
  const n = scores.length;
  if (treated01.length !== n || outcome01.length !== n) {
    throw new RangeError(
      `${n} scores, ${treated01.length} treatment flags, ${outcome01.length} outcomes`,
    );
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let nt = 0;
  let nc = 0;
  let yt = 0;
  let yc = 0;
  for (let i = 0; i < n; i++) {
    if (treated01[i]) {
      nt++;
      yt += outcome01[i]!;
    } else {
      nc++;
      yc += outcome01[i]!;
    }
  }
  const qini = qiniOf(order, treated01, outcome01, nt, nc, yt, yc);
  const rng = new Prng(o.seed ?? 11);
  const perms = o.permutations ?? 200;
  const random: number[] = [];
  const shuffled = order.slice();
  for (let p = 0; p < perms; p++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const t = shuffled[i]!;
      shuffled[i] = shuffled[j]!;
      shuffled[j] = t;
    }
    random.push(qiniOf(shuffled, treated01, outcome01, nt, nc, yt, yc));
  }
  const mean = random.reduce((s, v) => s + v, 0) / Math.max(1, random.length);
  const sd = Math.sqrt(
    random.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, random.length - 1),
  );
  const upliftAtK = (o.fractions ?? [0.1, 0.2, 0.3, 0.5, 1]).map((fraction) => {
    const k = Math.max(1, Math.round(fraction * n));
    let t = 0;
    let c = 0;
    let ty = 0;
    let cy = 0;
    for (let i = 0; i < Math.min(k, n); i++) {
      const r = order[i]!;
      if (treated01[r]) {
        t++;
        ty += outcome01[r]!;
      } else {
        c++;
        cy += outcome01[r]!;
      }
    }
    return { fraction, treated: t, control: c, uplift: t && c ? ty / t - cy / c : null };
  });
  return {
    rows: n,
    treated: nt,
    control: nc,
    overallUplift: nt && nc ? yt / nt - yc / nc : null,
    qini,
    qiniRandomSd: sd,
    upliftAtK,
  };
}

function qiniOf(
  order: ArrayLike<number>,
  treated01: ArrayLike<number>,
  outcome01: ArrayLike<number>,
  nt: number,
  nc: number,
  yt: number,
  yc: number,
): number {
  const n = order.length;
  if (nt === 0 || nc === 0 || n === 0) return 0;
  const total = yt - (yc * nt) / nc;
  let t = 0;
  let c = 0;
  let ty = 0;
  let cy = 0;
  let area = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    if (treated01[r]) {
      t++;
      ty += outcome01[r]!;
    } else {
      c++;
      cy += outcome01[r]!;
    }
    const q = c > 0 ? ty - (cy * t) / c : ty;
    area += q - ((i + 1) / n) * total;
  }
  return area / n / nt;
}
