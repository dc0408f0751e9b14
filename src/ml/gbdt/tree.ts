/** The two objectives corriente trains and serves. */
export type GbdtObjective = 'binary:logistic' | 'multi:softprob';

/**
 * One regression tree in XGBoost's array layout (node 0 is the root; a leaf has
 * `left[i] === -1` and its value in `splitCondition[i]`). Typed arrays keep the model compact
 * and let the predictor read it without boxing.
 */
export interface TreeArrays {
  readonly numNodes: number;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly parent: Int32Array;
  readonly splitIndex: Int32Array;
  /** Split threshold for inner nodes (`x < cond` goes left), leaf value for leaves; float32. */
  readonly splitCondition: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly baseWeight: Float32Array;
  readonly lossChange: Float32Array;
  readonly sumHessian: Float32Array;
}

/** Everything a {@link GbdtModel} holds, validated. */
export interface ModelData {
  readonly objective: GbdtObjective;
  /** 1 for binary:logistic, the number of classes for multi:softprob. */
  readonly numClass: number;
  readonly numFeature: number;
  /** As stored in the file: a probability for binary:logistic, a margin for multi:softprob. */
  readonly baseScore: number;
  readonly featureNames: readonly string[] | undefined;
  readonly featureTypes: readonly string[] | undefined;
  readonly trees: readonly TreeArrays[];
  /** Class (output group) of each tree. */
  readonly treeInfo: Int32Array;
  readonly numParallelTree: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Whether node `i` of `t` is a leaf. */
export function isLeaf(t: TreeArrays, i: number): boolean {
  return t.left[i] === -1;
}
