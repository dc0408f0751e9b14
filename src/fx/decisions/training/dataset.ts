import type { AccountOpened } from '../../events.js';
import { computeBatchFeatures } from '../features/batch.js';
import { NUM_FEATURES } from '../features/feature-names.js';
import type { LakeHistory } from '../features/lake-history.js';
import { LocalClock } from '../features/local-time.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** One side of the split: row-major features, labels and sample times. */
export interface DatasetPart {
  /** `nRows × NUM_FEATURES` float32, NaN = missing. */
  x: Float32Array;
  /** 0 = ninguna, 1 = compra, 2 = venta. */
  y: Uint8Array;
  /** Sample time of each row (epoch ms). */
  atMs: Float64Array;
  /** Index of each row's user in `Dataset.userIds`. */
  user: Int32Array;
  nRows: number;
  /** Rows per class `[ninguna, compra, venta]`. */
  classCounts: [number, number, number];
}

/**
 * A time-split dataset: training, then validation (early stopping, calibration), then an
 * untouched test period (the reported metrics); no label window crosses a boundary.
 */
export interface Dataset {
  train: DatasetPart;
  validation: DatasetPart;
  /** Empty when `testFraction` is 0. */
  test: DatasetPart;
  /** User ids, indexed by `DatasetPart.user`. */
  userIds: string[];
  /** The time range sampled: `[fromMs, toMs)`. */
  fromMs: number;
  toMs: number;
  /** Training rows have `t + horizon ≤ splitMs`; validation rows `t ≥ splitMs`. */
  splitMs: number;
  /** Validation rows have `t + horizon ≤ testMs`; test rows `t ≥ testMs` (`toMs` without a test). */
  testMs: number;
  horizonMs: number;
  users: number;
  transactions: number;
}

export interface DatasetOptions {
  history: LakeHistory;
  /** The users' time zone (sample times fall on its hours). */
  timezone: string;
  horizonHours: number;
  sampleEveryHours: number;
  warmupDays: number;
  validationFraction: number;
  /** Share of the range, at its end, kept untouched for the reported metrics. @default 0 */
  testFraction?: number;
  /** Start of the range (epoch ms). @default the first event of the lake */
  fromMs?: number;
  /** End of the range, exclusive (epoch ms). @default just after the last event of the lake */
  toMs?: number;
  /** @default 500 */
  usersPerChunk?: number;
  onProgress?: (p: { phase: 'samples'; usersDone: number; usersTotal: number }) => void;
}

/** The dataset has nothing to train or validate on; the message says why. */
export class EmptyDatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmptyDatasetError';
  }
}

/**
 * Builds the training, validation and test sets from the lake. Sample times are every
 * `sampleEveryHours` on the hour in the time zone, per user from account opening + `warmupDays`,
 * with the whole label window inside the range (`t + horizon < toMs`). The split is by time: the
 * last `testFraction` of the range is the untouched test period, the `validationFraction` before
 * it validates, and each earlier period keeps only samples whose label window ends by the next
 * boundary, so no label of training sees validation and none of validation sees the test.
 *
 * Rows are counted before features are computed, so each matrix is allocated once at its size:
 * memory is `rows × 38 × 4` bytes (+ 9 bytes a row for labels and times) and the lake is streamed
 * by chunks of users. Example: 10,000 users × 180 days every 3 h ≈ 13.8 M rows ≈ 1.7 GB; every
 * 12 h ≈ 3.5 M rows ≈ 0.42 GB.
 */
export async function buildDataset(o: DatasetOptions): Promise<Dataset> {
  const horizonMs = o.horizonHours * HOUR_MS;
  const range = await o.history.timeRange();
  if (!range)
    throw new EmptyDatasetError('the lake holds no FX events (raw/fx_*): nothing to train on');
  const fromMs = o.fromMs ?? range.firstMs;
  const toMs = o.toMs ?? range.lastMs + 1;
  if (!(toMs > fromMs)) {
    throw new EmptyDatasetError(
      `the range ${new Date(fromMs).toISOString()} – ${new Date(toMs).toISOString()} is empty`,
    );
  }
  const testFraction = o.testFraction ?? 0;
  if (!(o.validationFraction + testFraction < 1)) {
    throw new RangeError('validationFraction + testFraction must leave a training period (< 1)');
  }
  const at = (fraction: number): number =>
    Math.round((fromMs + fraction * (toMs - fromMs)) / HOUR_MS) * HOUR_MS;
  const splitMs = at(1 - o.validationFraction - testFraction);
  const testMs = testFraction > 0 ? at(1 - testFraction) : toMs;
  const clock = new LocalClock(o.timezone);
  const all = clock.sampleTimes(fromMs, toMs - horizonMs - 1, o.sampleEveryHours);
  const warmupMs = o.warmupDays * DAY_MS;
  // No label window crosses a boundary: the later period's labels stay unseen.
  const kept = all.filter(
    (t) => t + horizonMs <= splitMs || (t >= splitMs && t + horizonMs <= testMs) || t >= testMs,
  );
  const firstIndex = (ms: number): number => {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (kept[m]! < ms) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const trainEnd = firstIndex(splitMs);
  const validEnd = firstIndex(testMs);
  const timesOf = (a: AccountOpened): number[] =>
    kept.slice(firstIndex(Date.parse(a.openedAt) + warmupMs));

  // Count first, so each matrix is allocated once.
  const accounts = await o.history.accounts();
  const seen = new Set<string>();
  let nTrain = 0;
  let nValid = 0;
  let nTest = 0;
  for (const a of accounts) {
    if (seen.has(a.userId)) continue;
    seen.add(a.userId);
    const first = firstIndex(Date.parse(a.openedAt) + warmupMs);
    nTrain += Math.max(0, trainEnd - first);
    nValid += Math.max(0, validEnd - Math.max(first, trainEnd));
    nTest += kept.length - Math.max(first, validEnd);
  }
  if (nTrain === 0 || nValid === 0 || (testFraction > 0 && nTest === 0)) {
    throw new EmptyDatasetError(
      `too little history for a time split: ${nTrain} training, ${nValid} validation and ` +
        `${nTest} test samples (range ${new Date(fromMs).toISOString()} – ` +
        `${new Date(toMs).toISOString()}, horizon ${o.horizonHours} h, warm-up ${o.warmupDays} ` +
        `days); use a longer history or a shorter horizon`,
    );
  }
  const train = part(nTrain);
  const validation = part(nValid);
  const test = part(nTest);
  const userIds: string[] = [];
  const userIndex = new Map<string, number>();
  const result = await computeBatchFeatures({
    history: o.history,
    timezone: o.timezone,
    horizonMs,
    sampleTimes: timesOf,
    ...(o.usersPerChunk ? { usersPerChunk: o.usersPerChunk } : {}),
    onChunk: (usersDone, usersTotal) => o.onProgress?.({ phase: 'samples', usersDone, usersTotal }),
    onSample: (s) => {
      const p = s.atMs < splitMs ? train : s.atMs < testMs ? validation : test;
      let u = userIndex.get(s.userId);
      if (u === undefined) {
        u = userIds.push(s.userId) - 1;
        userIndex.set(s.userId, u);
      }
      const r = p.nRows++;
      p.x.set(s.features, r * NUM_FEATURES);
      p.y[r] = s.label;
      p.atMs[r] = s.atMs;
      p.user[r] = u;
      p.classCounts[s.label]++;
    },
  });
  return {
    train,
    validation,
    test,
    userIds,
    fromMs,
    toMs,
    splitMs,
    testMs,
    horizonMs,
    users: result.users,
    transactions: result.transactions,
  };
}

function part(rows: number): DatasetPart {
  return {
    x: new Float32Array(rows * NUM_FEATURES),
    y: new Uint8Array(rows),
    atMs: new Float64Array(rows),
    user: new Int32Array(rows),
    nRows: 0,
    classCounts: [0, 0, 0],
  };
}
