import { describe, expect, it } from 'vitest';
import {
  GbdtModel,
  ModelFormatError,
  syntheticClassification,
  trainGbdt,
} from '../../../src/ml/gbdt/index.js';

const data = syntheticClassification({ nRows: 500, nFeatures: 4, seed: 51 });
const good = trainGbdt({
  x: data.x,
  y: data.y,
  nRows: data.nRows,
  nFeatures: 4,
  objective: 'binary:logistic',
  nEstimators: 3,
  maxDepth: 3,
}).model.toXgboostJson();

interface TreeDoc {
  left_children: number[];
  split_indices: number[];
  split_conditions: unknown[];
  split_type: number[];
  sum_hessian: number[];
}
/** The parts of the document the cases below break. */
interface Doc {
  learner?: {
    objective: { name: string };
    learner_model_param: Record<string, string>;
    gradient_booster: {
      name: string;
      model: { tree_info: number[]; gbtree_model_param: { num_trees: string }; trees: TreeDoc[] };
    };
  };
}

/** A deep copy of the good model with one change applied. */
function broken(edit: (doc: Required<Doc>) => void): unknown {
  const doc = structuredClone(good) as Required<Doc>;
  edit(doc);
  return doc;
}

function errorOf(json: unknown): ModelFormatError {
  try {
    GbdtModel.fromXgboostJson(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ModelFormatError);
    return err as ModelFormatError;
  }
  throw new Error('expected a ModelFormatError');
}

const tree0 = (d: Required<Doc>): TreeDoc => d.learner.gradient_booster.model.trees[0]!;

describe('GbdtModel refuses malformed models with a message naming the field', () => {
  it('reads the good model', () => {
    expect(GbdtModel.fromXgboostJson(good).numTrees).toBe(3);
  });

  it('text that is not JSON', () => {
    expect(() => GbdtModel.parse('{"learner": ')).toThrow(/not valid JSON/);
  });

  const cases: [string, (d: Required<Doc>) => void, RegExp][] = [
    ['no learner', (d) => delete (d as Doc).learner, /^learner: /],
    [
      'unsupported objective',
      (d) => (d.learner.objective.name = 'reg:squarederror'),
      /objective reg:squarederror is not supported; corriente serves binary:logistic and multi:softprob/,
    ],
    [
      'unsupported booster',
      (d) => (d.learner.gradient_booster.name = 'gblinear'),
      /learner\.gradient_booster\.name: booster gblinear is not supported/,
    ],
    [
      'num_feature not a number',
      (d) => (d.learner.learner_model_param.num_feature = 'cuatro'),
      /learner\.learner_model_param\.num_feature/,
    ],
    [
      'a split condition that is a string',
      (d) => (tree0(d).split_conditions[0] = 'x'),
      /trees\[0\]\.split_conditions\[0\]/,
    ],
    [
      'arrays shorter than num_nodes',
      (d) => tree0(d).sum_hessian.pop(),
      /trees\[0\]\.sum_hessian: has \d+ entries for num_nodes \d+/,
    ],
    [
      'a child out of range',
      (d) => (tree0(d).left_children[0] = 999),
      /trees\[0\]\.left_children\[0\]: child 999 is outside/,
    ],
    [
      'a cycle',
      (d) => (tree0(d).left_children[1] = 1),
      /trees\[0\]\.left_children: node 1 is reached twice/,
    ],
    [
      'a node with one child',
      (d) => {
        const t = tree0(d);
        const leaf = t.left_children.indexOf(-1);
        t.left_children[leaf] = 1;
      },
      /has one child/,
    ],
    [
      'a feature index beyond num_feature',
      (d) => (tree0(d).split_indices[0] = 4),
      /trees\[0\]\.split_indices\[0\]: feature 4 is outside 0\.\.3/,
    ],
    [
      'categorical splits',
      (d) => (tree0(d).split_type[0] = 1),
      /categorical splits are not supported/,
    ],
    [
      'tree_info naming a class the model lacks',
      (d) => (d.learner.gradient_booster.model.tree_info[1] = 2),
      /tree_info\[1\]: class 2 is outside 0\.\.0/,
    ],
    [
      'num_trees disagreeing with the trees',
      (d) => (d.learner.gradient_booster.model.gbtree_model_param.num_trees = '4'),
      /num_trees is 4 but 3 trees are stored/,
    ],
    [
      'base_score outside (0, 1) for binary:logistic',
      (d) => (d.learner.learner_model_param.base_score = '1.5'),
      /base_score strictly between 0 and 1/,
    ],
    [
      'multi:softprob with one class',
      (d) => (d.learner.objective.name = 'multi:softprob'),
      /num_class ≥ 2/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      expect(errorOf(broken(edit)).message).toMatch(message);
    });
  }
});
