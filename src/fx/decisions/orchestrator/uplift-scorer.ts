import type { GbdtModel } from '../../../ml/gbdt/index.js';
import { isUpliftModel, upliftOf } from '../training/uplift.js';
import type { Side } from './reasons.js';
import type { UpliftScorer } from './scorer.js';

/** What `ModelHandle.current()` returns for the uplift group. */
interface ServedUplift {
  group?: string;
  version?: number | string;
  model: GbdtModel;
}

/**
 * The uplift scorer of one T-learner artifact (`fx train --uplift`): the feature vector plus the
 * side, scored by both arms. `undefined` for a model that is not a T-learner of these features.
 */
export function upliftScorer(
  served: ServedUplift,
  featureNames: readonly string[],
): UpliftScorer | undefined {
  const { model } = served;
  if (!isUpliftModel(model) || model.numFeature !== featureNames.length + 1) return undefined;
  const nf = featureNames.length;
  const x = new Float32Array(nf + 1);
  return {
    version: `${served.group ?? 'uplift'} v${served.version ?? '?'}`,
    uplift(row: Float32Array, side: Side): number {
      x.set(row.subarray(0, nf));
      x[nf] = side === 'SELL' ? 1 : 0;
      return upliftOf(model, x, 1)[0]!;
    },
  };
}

/**
 * Follows a model handle on the uplift group: `current()` is the scorer of the approved uplift
 * model, rebuilt only when the handle swaps models; `undefined` without one (propensity ranks).
 */
export function upliftScorerSource(
  handle: { current(): ServedUplift | undefined },
  featureNames: readonly string[],
): { current(): UpliftScorer | undefined } {
  let last: ServedUplift | undefined;
  let scorer: UpliftScorer | undefined;
  return {
    current() {
      const served = handle.current();
      if (served !== last) {
        last = served;
        scorer = served ? upliftScorer(served, featureNames) : undefined;
      }
      return scorer;
    },
  };
}
