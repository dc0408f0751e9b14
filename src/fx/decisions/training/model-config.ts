import { z } from 'zod';
import { autoApprovePolicySchema } from '../../../ml/registry/auto-approve.js';

/** Boosting parameters of `fx train` (XGBoost's names; see `trainGbdt`). */
export const gbdtParamsSchema = z.strictObject({
  /** Boosting rounds at most (early stopping usually ends sooner). @default 300 */
  nEstimators: z.number().int().min(1).max(5000).default(300),
  /** @default 6 */
  maxDepth: z.number().int().min(1).max(16).default(6),
  /** eta. @default 0.1 */
  learningRate: z.number().gt(0).max(1).default(0.1),
  /** @default 5 */
  minChildWeight: z.number().min(0).default(5),
  /** L2 regularisation of leaf weights. @default 1 */
  lambda: z.number().min(0).default(1),
  /** Share of rows drawn per round. @default 0.8 */
  subsample: z.number().gt(0).max(1).default(0.8),
  /** Share of features drawn per tree. @default 0.8 */
  colsampleByTree: z.number().gt(0).max(1).default(0.8),
  /** Stop when the validation loss has not improved for this many rounds. @default 20 */
  earlyStoppingRounds: z.number().int().min(1).default(20),
});
export type GbdtParams = z.output<typeof gbdtParamsSchema>;

/** How `fx train` builds its dataset and trains (config `fx.model.training`). */
export const trainingConfigSchema = z
  .strictObject({
    /**
     * The label: the side of the user's first transaction within this many hours after the
     * sample time (or none). @default 24
     */
    horizonHours: z
      .number()
      .gt(0)
      .max(24 * 90)
      .default(24),
    /**
     * Hours between two samples of a user, on the hour in the configured time zone. Raise it to
     * thin the dataset: rows ≈ users × days × 24 / sampleEveryHours (× 38 features × 4 bytes).
     * @default 3
     */
    sampleEveryHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 7)
      .default(3),
    /** Days after the account opens before its first sample (the features need history). @default 7 */
    warmupDays: z.number().min(0).max(365).default(7),
    /**
     * Share of the time range, before the test period, used for validation: early stopping and
     * the calibration are fitted on it. @default 0.2
     */
    validationFraction: z.number().gt(0).lt(1).default(0.2),
    /**
     * Share of the time range, at its end, kept untouched: the reported metrics are measured on
     * it, and the backtest may replay it (it is outside the model's training range). @default 0.2
     */
    testFraction: z.number().gt(0).lt(1).default(0.2),
    /** Probability at which a recommendation is sent (the orchestrator's default threshold): precision and recall are reported at it. @default 0.35 */
    notificationThreshold: z.number().gt(0).lt(1).default(0.35),
    /** Users whose transactions are read from the lake at once (bounds memory). @default 500 */
    usersPerChunk: z.number().int().min(1).max(100_000).default(500),
    /** Seed of row and feature sampling. @default 7 */
    seed: z.number().int().min(0).default(7),
    gbdt: gbdtParamsSchema.prefault({}),
  })
  .refine((c) => c.validationFraction + c.testFraction < 0.9, {
    message: 'validationFraction + testFraction must leave at least 10 % of the range to train on',
    path: ['testFraction'],
  });
export type TrainingConfig = z.output<typeof trainingConfigSchema>;

/** The uplift model of `fx train --uplift` (config `fx.model.uplift`). */
export const upliftConfigSchema = z
  .strictObject({
    /** The model group its versions are registered in. @default 'fx-uplift' */
    group: z
      .string()
      .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be 1–63 letters, digits and hyphens')
      .default('fx-uplift'),
    /**
     * Held-out recommendations with a closed horizon needed in its training period; with fewer,
     * `fx train --uplift` refuses and the propensity model stays. @default 300
     */
    minHeldOut: z.number().int().min(10).default(300),
    /** Share of the logged recommendations, the newest, kept for Qini and uplift at k. @default 0.3 */
    testFraction: z.number().gt(0).lt(1).default(0.3),
    /** Boosting rounds of each arm. @default 80 */
    nEstimators: z.number().int().min(1).max(2000).default(80),
    /** @default 3 */
    maxDepth: z.number().int().min(1).max(12).default(3),
    /** @default 0.1 */
    learningRate: z.number().gt(0).max(1).default(0.1),
    /** @default 10 */
    minChildWeight: z.number().min(0).default(10),
    /** @default 7 */
    seed: z.number().int().min(0).default(7),
  })
  .prefault({});
export type UpliftConfig = z.output<typeof upliftConfigSchema>;

/** Configuration of the model: training, registry and inference (issue 6), mounted at `fx.model`. */
export const modelConfigSchema = z
  .strictObject({
    /** Dataset and boosting settings of `corriente fx train`. */
    training: trainingConfigSchema.prefault({}),
    /** The uplift model (`corriente fx train --uplift`). */
    uplift: upliftConfigSchema,
    /** The model registry (see `src/ml/registry/`). */
    registry: z
      .strictObject({
        /**
         * `sqlite` (versions in `$CORRIENTE_HOME/ml/registry.db`), `postgres` (tables `ml_model_*`
         * in the PostgreSQL state store, shared by every process; needs `state: {type: postgres}`)
         * or `sagemaker` (SageMaker Model Registry: a Model Package Group per group; artifacts on
         * the S3 datalake). Artifacts are in the datalake store with all three.
         * @default 'postgres' when `state.type` is postgres, else 'sqlite'
         */
        type: z.enum(['sqlite', 'postgres', 'sagemaker']).default('sqlite'),
        /** SageMaker settings, read when `type` is `sagemaker`. */
        sagemaker: z
          .strictObject({
            region: z.string().default('us-east-1'),
            /** Inference image of the model packages. @default SageMaker's XGBoost 1.7-1 image */
            containerImage: z.string().min(1).optional(),
            /** Custom endpoint (a VPC endpoint). */
            endpoint: z.url().optional(),
          })
          .prefault({}),
        /**
         * Approve a new version automatically when its validation metric beats the approved one,
         * e.g. `{ "metric": "min(compra.rocAuc, venta.rocAuc)", "margin": 0.01 }`.
         * @default absent: versions are approved by hand
         */
        autoApprove: autoApprovePolicySchema.optional(),
      })
      .prefault({}),
    /** The model endpoint inside `corriente up` (`/api/ml/v1/<group>/invocations`). */
    serving: z
      .strictObject({
        /**
         * Require `Authorization: Bearer <token>`: an FX user's token or the admin token
         * (`CORRIENTE_ADMIN_TOKEN`). @default true
         */
        requireToken: z.boolean().default(true),
        /** Most rows scored in one request. @default 10000 */
        maxRowsPerRequest: z.number().int().min(1).max(100_000).default(10_000),
        /** Requests per principal per minute. @default 600 */
        rateLimitPerMinute: z.number().int().positive().default(600),
      })
      .prefault({}),
  })
  .prefault({});
export type ModelConfig = z.output<typeof modelConfigSchema>;
