import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  openDuckDb,
  quoteIdent,
  quoteLiteral,
  restrictFileAccess,
} from '../../../core/duckdb/duckdb.js';
import { GbdtModel, trainGbdt, type ModelData } from '../../../ml/gbdt/index.js';
import { evaluateUplift, type UpliftEvaluation } from '../../../ml/uplift-metrics.js';
import { FEATURE_NAMES, FEATURE_VERSION, NUM_FEATURES } from '../features/feature-names.js';
import { RAW_TABLES } from '../../processor/raw-rows.js';

/** The uplift model's columns: the shared features, then the suggested side (0 BUY, 1 SELL). */
export const UPLIFT_FEATURE_NAMES: readonly string[] = [...FEATURE_NAMES, 'lado_venta'];
const NF = NUM_FEATURES + 1;

/** The attribute that marks a two-output T-learner artifact. */
export const UPLIFT_KIND_ATTRIBUTE = 'corriente_kind';
export const UPLIFT_KIND = 't-learner';

/** Settings of `fx train --uplift` (config `fx.model.uplift`). */
export interface UpliftTrainingSettings {
  /** Held-out recommendations with a closed horizon needed in the training period. */
  minHeldOut: number;
  /** Share of the recommendations, the newest, kept to measure Qini and uplift at k. */
  testFraction: number;
  nEstimators: number;
  maxDepth: number;
  learningRate: number;
  minChildWeight: number;
  seed: number;
}

/** Not enough held-out data yet: the propensity model stays. The message is one line. */
export class NotEnoughHoldoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughHoldoutError';
  }
}

/** One logged recommendation with a closed horizon: what was scored, who, and what followed. */
interface LoggedRow {
  features: (number | null)[];
  sell: boolean;
  treated: boolean;
  converted: boolean;
  atMs: number;
}

export interface UpliftMetrics {
  kind: typeof UPLIFT_KIND;
  /** Recommendations used, by period and arm. */
  samples: {
    train: { treated: number; control: number };
    test: { treated: number; control: number };
  };
  /** On the test period: Qini coefficient (and its noise under random rankings), uplift at k. */
  test: UpliftEvaluation;
  trainingRange: { from: string; to: string };
  testRange: { from: string; to: string };
  featureVersion: string;
}

export interface UpliftTrainResult {
  /** Two outputs: 0 the treated arm's log-odds, 1 the held-out arm's (see {@link upliftOf}). */
  model: GbdtModel;
  metrics: UpliftMetrics;
  featureNames: readonly string[];
  trainingRange: { from: string; to: string };
}

/**
 * Trains a T-learner from the recommendations logged in the lake (`raw/fx_recommendations`, with
 * the feature vector of the audit, and `grupo` tratamiento / control) and their outcomes (a trade
 * of that side within the horizon, from `raw/fx_transacciones`): one binary model on the treated
 * recommendations, one on the held-out ones, on the same features plus the side. Rows are split
 * by time: the newest `testFraction` measures the Qini coefficient and uplift at k.
 *
 * The artifact is one XGBoost JSON model with two outputs: output 0's trees are the treated
 * model, output 1's the held-out model, from a base margin of 0; uplift = σ(margin₀) − σ(margin₁)
 * (XGBoost reproduces the margins with `output_margin=True`; its softmax is meaningless here).
 *
 * @throws NotEnoughHoldoutError with fewer than `minHeldOut` held-out recommendations to train on
 */
export async function trainUplift(o: {
  lakeDir: string;
  settings: UpliftTrainingSettings;
  tempDirectory?: string;
}): Promise<UpliftTrainResult> {
  const s = o.settings;
  const rows = await readLoggedRecommendations(o.lakeDir, o.tempDirectory);
  const cut = Math.floor(rows.length * (1 - s.testFraction));
  const train = rows.slice(0, cut);
  const test = rows.slice(cut);
  const count = (list: LoggedRow[]) => ({
    treated: list.filter((r) => r.treated).length,
    control: list.filter((r) => !r.treated).length,
  });
  const trainCount = count(train);
  const testCount = count(test);
  if (trainCount.control < s.minHeldOut || testCount.control === 0 || trainCount.treated === 0) {
    throw new NotEnoughHoldoutError(
      `not enough held-out data for an uplift model: ${trainCount.control} held-out ` +
        `recommendations with a closed horizon to train on (${s.minHeldOut} needed, ` +
        `fx.model.uplift.minHeldOut; ${rows.length} logged in all); the propensity model stays`,
    );
  }
  const arm = (treated: boolean): GbdtModel => {
    const part = train.filter((r) => r.treated === treated);
    const { x, y } = matrix(part);
    return trainGbdt({
      x,
      y,
      nRows: part.length,
      nFeatures: NF,
      featureNames: UPLIFT_FEATURE_NAMES,
      objective: 'binary:logistic',
      nEstimators: s.nEstimators,
      maxDepth: s.maxDepth,
      learningRate: s.learningRate,
      minChildWeight: s.minChildWeight,
      subsample: 0.8,
      seed: s.seed,
    }).model;
  };
  const model = combineArms(arm(true), arm(false));
  const { x } = matrix(test);
  const scores = upliftOf(model, x, test.length);
  const metrics: UpliftMetrics = {
    kind: UPLIFT_KIND,
    samples: { train: trainCount, test: testCount },
    test: evaluateUplift(
      scores,
      test.map((r) => (r.treated ? 1 : 0)),
      test.map((r) => (r.converted ? 1 : 0)),
      { seed: s.seed },
    ),
    trainingRange: range(train),
    testRange: range(test),
    featureVersion: FEATURE_VERSION,
  };
  return {
    model,
    metrics,
    featureNames: UPLIFT_FEATURE_NAMES,
    trainingRange: metrics.trainingRange,
  };
}

/**
 * Predicted uplift of `n` rows (`n × (features + 1)`, the last column the side): the treated
 * arm's probability minus the held-out arm's.
 */
export function upliftOf(model: GbdtModel, x: Float32Array, n: number): Float64Array {
  const m = model.predictMargin(x, n);
  const out = new Float64Array(n);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  for (let r = 0; r < n; r++) out[r] = sig(m[2 * r]!) - sig(m[2 * r + 1]!);
  return out;
}

/** Whether an artifact is a T-learner made by {@link trainUplift}. */
export function isUpliftModel(model: GbdtModel): boolean {
  return (
    model.attributes[UPLIFT_KIND_ATTRIBUTE] === UPLIFT_KIND &&
    model.outputsPerRow === 2 &&
    model.numFeature === NF
  );
}

/** The two binary arms as one two-output ensemble, trees interleaved round by round. */
function combineArms(treated: GbdtModel, control: GbdtModel): GbdtModel {
  const a = treated.data.trees;
  const b = control.data.trees;
  const trees = [];
  const info: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) {
      trees.push(a[i]!);
      info.push(0);
    }
    if (i < b.length) {
      trees.push(b[i]!);
      info.push(1);
    }
  }
  const data: ModelData = {
    objective: 'multi:softprob',
    numClass: 2,
    numFeature: NF,
    // Binary models start at base_score 0.5, margin 0: the combined model starts at margin 0.
    baseScore: 0,
    featureNames: [...UPLIFT_FEATURE_NAMES],
    featureTypes: undefined,
    trees,
    treeInfo: Int32Array.from(info),
    numParallelTree: 1,
    attributes: { [UPLIFT_KIND_ATTRIBUTE]: UPLIFT_KIND },
  };
  return new GbdtModel(data);
}

function matrix(rows: readonly LoggedRow[]): { x: Float32Array; y: Uint8Array } {
  const x = new Float32Array(rows.length * NF);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    for (let f = 0; f < NUM_FEATURES; f++) x[i * NF + f] = r.features[f] ?? NaN;
    x[i * NF + NUM_FEATURES] = r.sell ? 1 : 0;
    y[i] = r.converted ? 1 : 0;
  });
  return { x, y };
}

function range(rows: readonly LoggedRow[]): { from: string; to: string } {
  return {
    from: new Date(rows[0]!.atMs).toISOString(),
    to: new Date(rows.at(-1)!.atMs + 1).toISOString(),
  };
}

/**
 * Each recommendation once (by id) of the current feature version with its vector, whose horizon
 * has closed by the lake's last trade, with `converted` when the user traded that side after it
 * and by `vigente_hasta`; oldest first.
 */
async function readLoggedRecommendations(
  lakeDir: string,
  tempDirectory?: string,
): Promise<LoggedRow[]> {
  const dir = path.resolve(lakeDir);
  const recs = path.join(dir, 'raw', RAW_TABLES.Recommendation);
  const txs = path.join(dir, 'raw', RAW_TABLES.TransactionExecuted);
  if (!existsSync(recs) || !existsSync(txs)) return [];
  const db = await openDuckDb({
    memoryLimit: '1GB',
    ...(tempDirectory ? { tempDirectory } : {}),
  });
  const conn = await db.connect();
  try {
    await restrictFileAccess(conn, [dir, ...(tempDirectory ? [tempDirectory] : [])]);
    const glob = (folder: string) => quoteLiteral(`${folder}/*/*/*/[!.]*`);
    const recCols = `{'id': 'VARCHAR', 'usuario_id': 'VARCHAR', 'lado': 'VARCHAR', 'grupo': 'VARCHAR',
      'vector_caracteristicas': 'VARCHAR', 'version_caracteristicas': 'VARCHAR',
      'creada_en': 'VARCHAR', 'vigente_hasta': 'VARCHAR'}`;
    const txCols = `{'usuario_id': 'VARCHAR', 'lado': 'VARCHAR', 'ejecutado_en': 'VARCHAR'}`;
    const reader = await conn.runAndReadAll(
      `WITH r AS (
         SELECT id, usuario_id, lado, coalesce(grupo, 'tratamiento') AS grupo, vector_caracteristicas,
                creada_en::TIMESTAMPTZ AS creada, vigente_hasta::TIMESTAMPTZ AS vigente
           FROM read_json(${glob(recs)}, format = 'newline_delimited', columns = ${recCols})
          WHERE vector_caracteristicas IS NOT NULL AND version_caracteristicas = $1
          QUALIFY row_number() OVER (PARTITION BY id ORDER BY creada_en) = 1
       ),
       t AS (
         SELECT usuario_id, lado, ejecutado_en::TIMESTAMPTZ AS en
           FROM read_json(${glob(txs)}, format = 'newline_delimited', columns = ${txCols})
       )
       SELECT r.grupo, r.lado, r.vector_caracteristicas, epoch_ms(r.creada)::DOUBLE AS ms,
              EXISTS (SELECT 1 FROM t WHERE t.usuario_id = r.usuario_id AND t.lado = r.lado
                        AND t.en > r.creada AND t.en <= r.vigente) AS ${quoteIdent('convertida')}
         FROM r
        WHERE r.vigente <= (SELECT max(en) FROM t)
        ORDER BY r.creada, r.id`,
      [FEATURE_VERSION],
    );
    return reader.getRowsJS().map((row) => {
      const [grupo, lado, vector, ms, converted] = row as [string, string, string, number, boolean];
      const features = JSON.parse(vector) as (number | null)[];
      return {
        features,
        sell: lado === 'SELL',
        treated: grupo !== 'control',
        converted,
        atMs: ms,
      };
    });
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
