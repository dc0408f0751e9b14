import { trainGbdt, type GbdtModel } from '../../../../src/ml/gbdt/index.js';
import { FEATURE_NAMES } from '../../../../src/fx/decisions/features/index.js';
import { Prng } from '../../../../src/core/util/prng.js';

/**
 * A real 3-class GBDT over the real feature names, trained on synthetic rows where users buy
 * after a 24 h fall of more than 1 % and sell after a rise of more than 1 % (with 5 % label
 * noise): a model whose decisions and reasons are predictable.
 */
export function trainFallModel(
  options: { rows?: number; trees?: number; depth?: number; seed?: number } = {},
): GbdtModel {
  const nf = FEATURE_NAMES.length;
  const n = options.rows ?? 3000;
  const rnd = new Prng(options.seed ?? 3);
  const x = new Float32Array(n * nf);
  const y = new Uint8Array(n);
  const r24 = FEATURE_NAMES.indexOf('retorno_24h');
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < nf; f++) x[i * nf + f] = rnd.next() * 2 - 1;
    const ret = (rnd.next() - 0.5) * 0.06;
    x[i * nf + r24] = ret;
    let label = ret < -0.01 ? 1 : ret > 0.01 ? 2 : 0;
    if (rnd.next() < 0.05) label = Math.floor(rnd.next() * 3);
    y[i] = label;
  }
  return trainGbdt({
    x,
    y,
    nRows: n,
    nFeatures: nf,
    featureNames: FEATURE_NAMES,
    objective: 'multi:softprob',
    numClass: 3,
    nEstimators: options.trees ?? 20,
    maxDepth: options.depth ?? 3,
    seed: options.seed ?? 3,
  }).model;
}
