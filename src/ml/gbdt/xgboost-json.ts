/**
 * XGBoost's JSON model format (`Booster.save_model('m.json')`, XGBoost 1.7+ / 2.x), read into
 * validated typed arrays and written back so XGBoost loads it. Only `gbtree` boosters with
 * numerical splits and the objectives `binary:logistic` / `multi:softprob` are accepted.
 */
import { z } from 'zod';
import { ModelFormatError } from './errors.js';
import type { GbdtObjective, ModelData, TreeArrays } from './tree.js';

const SUPPORTED: readonly GbdtObjective[] = ['binary:logistic', 'multi:softprob'];
/** XGBoost marks the root's parent with INT32_MAX. */
const ROOT_PARENT = 2147483647;

/** XGBoost writes most scalar parameters as strings ("3", "5E-1"); accept numbers too. */
const numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/, 'expected a number')
    .transform(Number),
]);
const count = numeric.pipe(z.number().int().nonnegative());
const nums = z.array(z.number());
const ints = z.array(z.number().int());
/** XGBoost 1.7 writes default_left as 0/1, later versions may write booleans. */
const flags = z.array(z.union([z.boolean(), z.number().int().min(0).max(1)]));

const treeSchema = z.looseObject({
  tree_param: z.looseObject({ num_nodes: count, num_feature: count.optional() }),
  left_children: ints,
  right_children: ints,
  parents: ints.optional(),
  split_indices: ints,
  split_conditions: nums,
  split_type: ints.optional(),
  default_left: flags,
  base_weights: nums.optional(),
  loss_changes: nums.optional(),
  sum_hessian: nums,
  categories: z.array(z.unknown()).optional(),
});

const modelSchema = z.looseObject({
  learner: z.looseObject({
    attributes: z.record(z.string(), z.string()).optional(),
    feature_names: z.array(z.string()).optional(),
    feature_types: z.array(z.string()).optional(),
    gradient_booster: z.looseObject({
      name: z.string(),
      model: z
        .looseObject({
          gbtree_model_param: z.looseObject({
            num_trees: count,
            num_parallel_tree: count.optional(),
          }),
          tree_info: ints,
          trees: z.array(treeSchema),
        })
        .optional(),
    }),
    learner_model_param: z.looseObject({
      base_score: numeric,
      num_class: count,
      num_feature: count,
      num_target: count.optional(),
    }),
    objective: z.looseObject({ name: z.string() }),
  }),
  version: z.array(z.number()).optional(),
});

type TreeJson = z.infer<typeof treeSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

/** Validates a parsed XGBoost JSON document; throws {@link ModelFormatError} naming the field. */
export function readXgboostJson(json: unknown): ModelData {
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelFormatError(issue.message, pathOf(issue.path));
  }
  const learner = parsed.data.learner;
  const boosterName = learner.gradient_booster.name;
  if (boosterName !== 'gbtree') {
    throw new ModelFormatError(
      `booster ${boosterName} is not supported; corriente serves gbtree models`,
      'learner.gradient_booster.name',
    );
  }
  const objectiveName = learner.objective.name;
  if (!(SUPPORTED as readonly string[]).includes(objectiveName)) {
    throw new ModelFormatError(
      `objective ${objectiveName} is not supported; corriente serves binary:logistic and multi:softprob`,
      'learner.objective.name',
    );
  }
  const objective = objectiveName as GbdtObjective;
  const lmp = learner.learner_model_param;
  if ((lmp.num_target ?? 1) > 1) {
    throw new ModelFormatError(
      `multi-target models are not supported (num_target ${lmp.num_target})`,
      'learner.learner_model_param.num_target',
    );
  }
  const numFeature = lmp.num_feature;
  let numClass = 1;
  if (objective === 'multi:softprob') {
    numClass = lmp.num_class;
    if (numClass < 2) {
      throw new ModelFormatError(
        `multi:softprob needs num_class ≥ 2, got ${numClass}`,
        'learner.learner_model_param.num_class',
      );
    }
  } else if (lmp.num_class > 1) {
    throw new ModelFormatError(
      `binary:logistic has one output, got num_class ${lmp.num_class}`,
      'learner.learner_model_param.num_class',
    );
  }
  const baseScore = lmp.base_score;
  if (objective === 'binary:logistic' && !(baseScore > 0 && baseScore < 1)) {
    throw new ModelFormatError(
      `binary:logistic needs a base_score strictly between 0 and 1, got ${baseScore}`,
      'learner.learner_model_param.base_score',
    );
  }
  const model = learner.gradient_booster.model;
  if (!model) throw new ModelFormatError('missing', 'learner.gradient_booster.model');
  const base = 'learner.gradient_booster.model';
  if (model.trees.length !== model.gbtree_model_param.num_trees) {
    throw new ModelFormatError(
      `num_trees is ${model.gbtree_model_param.num_trees} but ${model.trees.length} trees are stored`,
      `${base}.gbtree_model_param.num_trees`,
    );
  }
  if (model.tree_info.length !== model.trees.length) {
    throw new ModelFormatError(
      `has ${model.tree_info.length} entries for ${model.trees.length} trees`,
      `${base}.tree_info`,
    );
  }
  model.tree_info.forEach((c, i) => {
    if (c < 0 || c >= numClass) {
      throw new ModelFormatError(
        `class ${c} is outside 0..${numClass - 1}`,
        `${base}.tree_info[${i}]`,
      );
    }
  });
  const trees = model.trees.map((t, i) => readTree(t, numFeature, `${base}.trees[${i}]`));
  const names = learner.feature_names?.length ? learner.feature_names : undefined;
  if (names && names.length !== numFeature) {
    throw new ModelFormatError(
      `has ${names.length} names for num_feature ${numFeature}`,
      'learner.feature_names',
    );
  }
  const types = learner.feature_types?.length ? learner.feature_types : undefined;
  return {
    objective,
    numClass,
    numFeature,
    baseScore,
    featureNames: names,
    featureTypes: types,
    trees,
    treeInfo: Int32Array.from(model.tree_info),
    numParallelTree: model.gbtree_model_param.num_parallel_tree ?? 1,
    attributes: learner.attributes ?? {},
  };
}

function readTree(t: TreeJson, numFeature: number, at: string): TreeArrays {
  const n = t.tree_param.num_nodes;
  if (n < 1)
    throw new ModelFormatError('a tree needs at least one node', `${at}.tree_param.num_nodes`);
  const lengths: [string, { length: number } | undefined][] = [
    ['left_children', t.left_children],
    ['right_children', t.right_children],
    ['parents', t.parents],
    ['split_indices', t.split_indices],
    ['split_conditions', t.split_conditions],
    ['split_type', t.split_type],
    ['default_left', t.default_left],
    ['base_weights', t.base_weights],
    ['loss_changes', t.loss_changes],
    ['sum_hessian', t.sum_hessian],
  ];
  for (const [name, arr] of lengths) {
    if (arr && arr.length !== n) {
      throw new ModelFormatError(`has ${arr.length} entries for num_nodes ${n}`, `${at}.${name}`);
    }
  }
  if (t.split_type?.some((s) => s !== 0) || (t.categories?.length ?? 0) > 0) {
    throw new ModelFormatError(
      'categorical splits are not supported; train with numerical features',
      `${at}.split_type`,
    );
  }
  const left = Int32Array.from(t.left_children);
  const right = Int32Array.from(t.right_children);
  const splitIndex = Int32Array.from(t.split_indices);
  const splitCondition = Float32Array.from(t.split_conditions);
  // Walk from the root: every reachable node is visited once (no cycles, no shared children)
  // and every inner node tests a real feature. Pruned-away nodes may stay unreachable.
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) throw new ModelFormatError(`node ${i} is reached twice`, `${at}.left_children`);
    seen[i] = 1;
    const l = left[i]!;
    const r = right[i]!;
    if (l === -1 || r === -1) {
      if (l !== r) {
        throw new ModelFormatError(
          `node ${i} has one child (${l}, ${r}); both must be -1 for a leaf`,
          `${at}.right_children[${i}]`,
        );
      }
      if (!Number.isFinite(splitCondition[i]!)) {
        throw new ModelFormatError('leaf value is not finite', `${at}.split_conditions[${i}]`);
      }
      continue;
    }
    for (const [c, name] of [
      [l, 'left_children'],
      [r, 'right_children'],
    ] as const) {
      if (c < 1 || c >= n) {
        throw new ModelFormatError(`child ${c} is outside 1..${n - 1}`, `${at}.${name}[${i}]`);
      }
      stack.push(c);
    }
    const f = splitIndex[i]!;
    if (f < 0 || f >= numFeature) {
      throw new ModelFormatError(
        `feature ${f} is outside 0..${numFeature - 1}`,
        `${at}.split_indices[${i}]`,
      );
    }
    if (Number.isNaN(splitCondition[i]!)) {
      throw new ModelFormatError('split condition is NaN', `${at}.split_conditions[${i}]`);
    }
  }
  const sumHessian = Float32Array.from(t.sum_hessian);
  return {
    numNodes: n,
    left,
    right,
    parent: t.parents ? Int32Array.from(t.parents) : parentsOf(left, right),
    splitIndex,
    splitCondition,
    defaultLeft: Uint8Array.from(t.default_left, (d) => (d === true || d === 1 ? 1 : 0)),
    baseWeight: t.base_weights ? Float32Array.from(t.base_weights) : new Float32Array(n),
    lossChange: t.loss_changes ? Float32Array.from(t.loss_changes) : new Float32Array(n),
    sumHessian,
  };
}

function parentsOf(left: Int32Array, right: Int32Array): Int32Array {
  const p = new Int32Array(left.length).fill(ROOT_PARENT);
  for (let i = 0; i < left.length; i++) {
    if (left[i]! > 0) p[left[i]!] = i;
    if (right[i]! > 0) p[right[i]!] = i;
  }
  return p;
}

/** A float32 value as XGBoost prints it (shortest text that reads back to the same float32). */
function f32(v: number): number {
  const exact = Math.fround(v);
  for (let digits = 6; digits <= 9; digits++) {
    const s = Number(exact.toPrecision(digits));
    if (Math.fround(s) === exact) return s;
  }
  return exact;
}

function f32List(a: Float32Array): number[] {
  return Array.from(a, f32);
}

const FLOAT_ARRAYS = new Set(['split_conditions', 'base_weights', 'loss_changes', 'sum_hessian']);

function floatText(v: number): string {
  const s = String(v);
  return /[.eEn]/.test(s) ? s : `${s}.0`;
}

/**
 * JSON text of an XGBoost model document that XGBoost itself can load. `JSON.stringify` alone
 * is not enough: XGBoost 1.7 insists that float arrays (`split_conditions`, `sum_hessian`, …)
 * hold floats and rejects a bare `0` where it expects `0.0`.
 */
export function stringifyXgboostJson(doc: object): string {
  const floats: number[][] = [];
  const marker = `@f${Math.random().toString(36).slice(2)}@`;
  const text = JSON.stringify(doc, (key, value: unknown) => {
    if (FLOAT_ARRAYS.has(key) && Array.isArray(value)) {
      floats.push(value as number[]);
      return `${marker}${floats.length - 1}`;
    }
    return value;
  });
  return text.replace(
    new RegExp(`"${marker}(\\d+)"`, 'g'),
    (_, i: string) => `[${floats[Number(i)]!.map(floatText).join(',')}]`,
  );
}

/** Writes `m` in XGBoost's JSON model format (the shape XGBoost 1.7 saves; 2.x loads it). */
export function writeXgboostJson(m: ModelData): object {
  const multi = m.objective === 'multi:softprob';
  return {
    learner: {
      attributes: { ...m.attributes },
      feature_names: m.featureNames ? [...m.featureNames] : [],
      feature_types: m.featureTypes
        ? [...m.featureTypes]
        : m.featureNames
          ? m.featureNames.map(() => 'float')
          : [],
      gradient_booster: {
        model: {
          gbtree_model_param: {
            num_parallel_tree: String(m.numParallelTree),
            num_trees: String(m.trees.length),
            size_leaf_vector: '0',
          },
          tree_info: Array.from(m.treeInfo),
          trees: m.trees.map((t, id) => ({
            base_weights: f32List(t.baseWeight),
            categories: [],
            categories_nodes: [],
            categories_segments: [],
            categories_sizes: [],
            default_left: Array.from(t.defaultLeft),
            id,
            left_children: Array.from(t.left),
            loss_changes: f32List(t.lossChange),
            parents: Array.from(t.parent),
            right_children: Array.from(t.right),
            split_conditions: f32List(t.splitCondition),
            split_indices: Array.from(t.splitIndex),
            split_type: new Array<number>(t.numNodes).fill(0),
            sum_hessian: f32List(t.sumHessian),
            tree_param: {
              num_deleted: '0',
              num_feature: String(m.numFeature),
              num_nodes: String(t.numNodes),
              size_leaf_vector: '0',
            },
          })),
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: String(f32(m.baseScore)),
        boost_from_average: '1',
        num_class: multi ? String(m.numClass) : '0',
        num_feature: String(m.numFeature),
        num_target: '1',
      },
      objective: multi
        ? { name: 'multi:softprob', softmax_multiclass_param: { num_class: String(m.numClass) } }
        : { name: 'binary:logistic', reg_loss_param: { scale_pos_weight: '1' } },
    },
    version: [1, 7, 4],
  };
}
