import {
  addContributions,
  packContributionTrees,
  type PackedContributionTrees,
} from './contributions.js';
import { ModelFormatError } from './errors.js';
import {
  buildMarginKernel,
  logitF32,
  sigmoidInPlace,
  softmaxInPlace,
  type MarginKernel,
  type PredictorKind,
} from './predictor.js';
import type { GbdtObjective, ModelData } from './tree.js';
import { readXgboostJson, stringifyXgboostJson, writeXgboostJson } from './xgboost-json.js';

/**
 * A gradient-boosted tree ensemble in XGBoost's model format, served in process. Predictions
 * match XGBoost's for the same file (float32 comparisons and margin sums; see `predictor.ts`).
 *
 * @example
 * const model = GbdtModel.parse(readFileSync('model.json', 'utf8'));
 * const p = model.predict(Float32Array.from([0.3, NaN, 2]), 1); // P(class) per output
 */
export class GbdtModel {
  readonly objective: GbdtObjective;
  /** 1 for binary (XGBoost stores 0), the number of classes for multi:softprob. */
  readonly numClass: number;
  /** 1 for binary, `numClass` for multi:softprob. */
  readonly outputsPerRow: number;
  readonly numFeature: number;
  readonly featureNames: readonly string[] | undefined;
  readonly numTrees: number;
  /** Starting margin of every output (base_score, as a margin). */
  readonly baseMargin: number;
  private kernel: MarginKernel | undefined;
  private packed: PackedContributionTrees | undefined;

  /** Use {@link GbdtModel.fromXgboostJson}, {@link GbdtModel.parse} or `trainGbdt`. */
  constructor(
    readonly data: ModelData,
    private readonly predictorKind: PredictorKind = 'wasm',
  ) {
    this.objective = data.objective;
    this.numClass = data.numClass;
    this.outputsPerRow = data.objective === 'multi:softprob' ? data.numClass : 1;
    this.numFeature = data.numFeature;
    this.featureNames = data.featureNames;
    this.numTrees = data.trees.length;
    this.baseMargin =
      data.objective === 'binary:logistic' ? logitF32(data.baseScore) : Math.fround(data.baseScore);
  }

  /**
   * Reads a parsed XGBoost JSON model (`Booster.save_model('m.json')`).
   * @throws ModelFormatError naming the bad field, or an unsupported objective / booster
   */
  static fromXgboostJson(json: unknown): GbdtModel {
    return new GbdtModel(readXgboostJson(json));
  }

  /** Reads XGBoost JSON model text. @throws ModelFormatError */
  static parse(text: string): GbdtModel {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ModelFormatError(`not valid JSON (${(err as Error).message})`);
    }
    return GbdtModel.fromXgboostJson(json);
  }

  /** The prediction strategy this instance uses (see `predictor.ts`). */
  get predictor(): PredictorKind {
    return this.predictorKind;
  }

  /** The same model on another prediction strategy (for benchmarks and cross-checks). */
  withPredictor(kind: PredictorKind): GbdtModel {
    return new GbdtModel(this.data, kind);
  }

  /** XGBoost's `learner.attributes` of the model (e.g. `best_iteration`, a stored calibration). */
  get attributes(): Readonly<Record<string, string>> {
    return this.data.attributes;
  }

  /** The same trees with `extra` merged into the attributes (kept in the JSON artifact). */
  withAttributes(extra: Readonly<Record<string, string>>): GbdtModel {
    return new GbdtModel(
      { ...this.data, attributes: { ...this.data.attributes, ...extra } },
      this.predictorKind,
    );
  }

  /** The model in XGBoost's JSON format; XGBoost loads it and `fromXgboostJson` reads it back. */
  toXgboostJson(): object {
    return writeXgboostJson(this.data);
  }

  /**
   * The model as XGBoost JSON text, ready for `model.json`. Prefer it to
   * `JSON.stringify(toXgboostJson())`, which writes float `0.0` as `0` and XGBoost 1.7 refuses.
   */
  toXgboostText(): string {
    return stringifyXgboostJson(this.toXgboostJson());
  }

  /**
   * Probabilities for `nRows` rows.
   * @param x row-major `nRows × numFeature` features, NaN = missing
   * @param out optional reusable buffer of at least `nRows × outputsPerRow`
   * @returns `nRows × outputsPerRow` probabilities (row-major)
   */
  predict(x: Float32Array, nRows: number, out?: Float64Array): Float64Array {
    const k = this.outputsPerRow;
    if (!Number.isInteger(nRows) || nRows < 0) throw new RangeError(`nRows ${nRows} is invalid`);
    if (x.length < nRows * this.numFeature) {
      throw new RangeError(
        `x has ${x.length} values; ${nRows} rows × ${this.numFeature} features need ${nRows * this.numFeature}`,
      );
    }
    const m = out ?? new Float64Array(nRows * k);
    if (m.length < nRows * k) throw new RangeError(`out is shorter than ${nRows * k}`);
    this.margins(x, nRows, m);
    if (this.objective === 'binary:logistic') sigmoidInPlace(m, nRows);
    else softmaxInPlace(m, nRows, k);
    return m;
  }

  /** Raw margins (before the sigmoid / softmax), `nRows × outputsPerRow`, float32 values. */
  predictMargin(x: Float32Array, nRows: number, out?: Float64Array): Float64Array {
    const m = out ?? new Float64Array(nRows * this.outputsPerRow);
    this.margins(x, nRows, m);
    return m;
  }

  private margins(x: Float32Array, nRows: number, m: Float64Array): void {
    m.fill(this.baseMargin, 0, nRows * this.outputsPerRow);
    this.kernel ??= buildMarginKernel(
      this.data.trees,
      this.data.treeInfo,
      this.numFeature,
      this.outputsPerRow,
      this.predictorKind,
    );
    this.kernel(x, m, 0, nRows);
  }

  /**
   * Margin contributions of each feature for one row, as XGBoost's `pred_contribs=True,
   * approx_contribs=True` (Saabas). Layout `(numFeature + 1) × outputsPerRow`: for output `c`,
   * entries `c*(numFeature+1) + f`, the last one the bias; each block sums to that margin.
   * @param output only this output's block is computed (the others hold just the bias): a third
   *   of the work for a 3-class model when one class's reasons are wanted.
   */
  contributions(row: ArrayLike<number>, output?: number): Float64Array {
    const nf = this.numFeature;
    if (row.length < nf) throw new RangeError(`row has ${row.length} values, expected ${nf}`);
    if (
      output !== undefined &&
      !(Number.isInteger(output) && output >= 0 && output < this.outputsPerRow)
    ) {
      throw new RangeError(`output ${output} is not in 0..${this.outputsPerRow - 1}`);
    }
    const x = new Float32Array(nf);
    for (let i = 0; i < nf; i++) x[i] = row[i]!;
    const out = new Float64Array((nf + 1) * this.outputsPerRow);
    for (let c = 0; c < this.outputsPerRow; c++) out[c * (nf + 1) + nf] = this.baseMargin;
    this.packed ??= packContributionTrees(this.data.trees, this.data.treeInfo);
    addContributions(this.packed, x, out, nf, output);
    return out;
  }
}
