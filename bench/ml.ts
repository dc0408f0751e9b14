/**
 * `npm run bench:ml`: the model's quality (ROC AUC / PR AUC per class on the untouched test period
 * of a simulated history, beside the simple baselines and XGBoost trained on the same features,
 * then the product metrics — precision at the threshold, lift at equal volume over the frequency
 * baseline, notifications per user per week, price outcome — of both models) and its speed
 * (training time and predictions per second beside XGBoost's, single thread each).
 *
 * Sizes: `ML_QUALITY_USERS` (1000), `ML_QUALITY_DAYS` (90); `BENCH_ML_ROWS` (100,000),
 * `BENCH_ML_TRAIN_ROWS` (20,000), `BENCH_ML_FEATURES` (30), `BENCH_ML_RUNS` (3).
 */
import { benchModelQuality } from './ml-quality.js';
import { benchGbdtSpeed } from './ml-speed.js';

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

log('# Quality');
const quality = await benchModelQuality({
  users: Number(process.env.ML_QUALITY_USERS ?? 1000),
  days: Number(process.env.ML_QUALITY_DAYS ?? 90),
  log,
});
log('');
log('# Speed');
await benchGbdtSpeed({ log });
log('');
log(
  `quality target (AUC ≥ 0.80 per class, within 0.02 of XGBoost): ${quality.targetMet ? 'met' : 'NOT met'}`,
);
