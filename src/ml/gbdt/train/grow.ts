/**
 * Grows one regression tree depth-wise on gradient histograms (XGBoost's `hist` updater with
 * `grow_policy=depthwise`): second-order gain with L2 `lambda`, `min_child_weight` on both
 * children, missing values sent to the side that gains more, the larger sibling's histogram
 * derived by subtraction, then bottom-up pruning of splits gaining less than `gamma`.
 */
import type { TreeArrays } from '../tree.js';
import type { Quantized } from './quantize.js';

/** Tree-level hyper-parameters (XGBoost names in brackets). */
export interface GrowParams {
  maxDepth: number;
  /** [eta] */
  learningRate: number;
  /** [reg_lambda] */
  lambda: number;
  /** [min_split_loss] */
  gamma: number;
  minChildWeight: number;
}

/** XGBoost's tolerance below which a split gains nothing. */
const RT_EPS = 1e-6;
const ROOT_PARENT = 2147483647;

interface Split {
  gain: number;
  feature: number;
  /** Real bins 0..bin go left. */
  bin: number;
  defaultLeft: boolean;
}

interface Node {
  start: number;
  end: number;
  g: number;
  h: number;
  depth: number;
  hist: Float64Array | undefined;
  left: number;
  right: number;
  split: Split | undefined;
}

/** What {@link TreeGrower.grow} returns: the tree and the leaf value of every sampled row. */
export interface GrownTree {
  tree: TreeArrays;
  /** Leaf value reached by each entry of the (reordered) rows: `rows[i]` gets `rowValue[i]`. */
  rowValue: Float64Array;
}

/** Reusable buffers for growing many trees on one binned matrix. */
export class TreeGrower {
  private readonly featOffset: Int32Array;
  private readonly histSize: number;
  private readonly pool: Float64Array[] = [];
  private readonly scratch: Uint32Array;

  constructor(
    private readonly q: Quantized,
    private readonly nFeatures: number,
    nRows: number,
    private readonly p: GrowParams,
  ) {
    this.featOffset = new Int32Array(nFeatures + 1);
    for (let f = 0; f < nFeatures; f++) {
      this.featOffset[f + 1] = this.featOffset[f]! + q.nBins[f]! + 1;
    }
    this.histSize = this.featOffset[nFeatures]! * 2;
    this.scratch = new Uint32Array(nRows);
  }

  /**
   * One tree on the rows `rows[0..nRows)` (reordered in place) with per-row gradients
   * `grad[r]`, `hess[r]`, considering only `features` (ascending).
   */
  grow(
    rows: Uint32Array,
    nRows: number,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
  ): GrownTree {
    const p = this.p;
    const nodes: Node[] = [];
    const root: Node = {
      start: 0,
      end: nRows,
      g: 0,
      h: 0,
      depth: 0,
      hist: this.alloc(),
      left: -1,
      right: -1,
      split: undefined,
    };
    for (let i = 0; i < nRows; i++) {
      root.g += grad[rows[i]!]!;
      root.h += hess[rows[i]!]!;
    }
    this.buildHist(root.hist!, rows, 0, nRows, grad, hess, features);
    nodes.push(root);
    let level = [0];
    while (level.length) {
      const next: number[] = [];
      for (const id of level) {
        const n = nodes[id]!;
        n.split = n.depth < p.maxDepth ? this.bestSplit(n, features) : undefined;
        if (!n.split) continue;
        const mid = this.partition(rows, n.start, n.end, n.split);
        const mk = (start: number, end: number): Node => ({
          start,
          end,
          g: 0,
          h: 0,
          depth: n.depth + 1,
          hist: undefined,
          left: -1,
          right: -1,
          split: undefined,
        });
        const l = mk(n.start, mid);
        const r = mk(mid, n.end);
        n.left = nodes.length;
        n.right = nodes.length + 1;
        nodes.push(l, r);
        if (l.depth < p.maxDepth) {
          // Build the smaller child from its rows; the larger is parent minus smaller.
          const [small, large] = mid - n.start <= n.end - mid ? [l, r] : [r, l];
          small.hist = this.alloc();
          this.buildHist(small.hist, rows, small.start, small.end, grad, hess, features);
          large.hist = n.hist!;
          const sh = small.hist;
          const lh = large.hist;
          for (let i = 0; i < this.histSize; i++) lh[i] = lh[i]! - sh[i]!;
          n.hist = undefined;
          next.push(n.left, n.right);
        } else {
          this.free(n.hist!);
          n.hist = undefined;
        }
        for (const c of [l, r]) {
          for (let i = c.start; i < c.end; i++) {
            c.g += grad[rows[i]!]!;
            c.h += hess[rows[i]!]!;
          }
        }
      }
      for (const id of level) {
        const n = nodes[id]!;
        if (n.hist && !n.split) {
          this.free(n.hist);
          n.hist = undefined;
        }
      }
      level = next;
    }
    for (const n of nodes) if (n.hist) this.free(n.hist);
    this.prune(nodes, 0);
    return this.emit(nodes, nRows);
  }

  private alloc(): Float64Array {
    const h = this.pool.pop();
    if (h) {
      h.fill(0);
      return h;
    }
    return new Float64Array(this.histSize);
  }

  private free(h: Float64Array): void {
    this.pool.push(h);
  }

  private buildHist(
    hist: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
    grad: Float64Array,
    hess: Float64Array,
    features: Int32Array,
  ): void {
    const bins = this.q.bins;
    const nf = this.nFeatures;
    const off = this.featOffset;
    const nSel = features.length;
    if (nSel === nf) {
      for (let i = start; i < end; i++) {
        const r = rows[i]!;
        const g = grad[r]!;
        const h = hess[r]!;
        const b = r * nf;
        for (let f = 0; f < nf; f++) {
          const k = (off[f]! + bins[b + f]!) << 1;
          hist[k] = hist[k]! + g;
          hist[k + 1] = hist[k + 1]! + h;
        }
      }
      return;
    }
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const g = grad[r]!;
      const h = hess[r]!;
      const b = r * nf;
      for (let j = 0; j < nSel; j++) {
        const f = features[j]!;
        const k = (off[f]! + bins[b + f]!) << 1;
        hist[k] = hist[k]! + g;
        hist[k + 1] = hist[k + 1]! + h;
      }
    }
  }

  private bestSplit(n: Node, features: Int32Array): Split | undefined {
    const { lambda, minChildWeight: mcw } = this.p;
    const hist = n.hist!;
    const G = n.g;
    const H = n.h;
    const parentGain = (G * G) / (H + lambda);
    let best: Split | undefined;
    let bestGain = RT_EPS;
    for (let j = 0; j < features.length; j++) {
      const f = features[j]!;
      const o = this.featOffset[f]! << 1;
      const nb = this.q.nBins[f]!;
      const gm = hist[o]!;
      const hm = hist[o + 1]!;
      const hasMissing = hm > 0;
      let gl = 0;
      let hl = 0;
      // Like XGBoost: first missing-goes-right, then (if the node has missing values)
      // missing-goes-left; only a strictly better gain replaces the best so far.
      for (let b = 0; b < nb - 1; b++) {
        gl += hist[o + 2 + 2 * b]!;
        hl += hist[o + 3 + 2 * b]!;
        const hr = H - hl;
        if (hl >= mcw && hr >= mcw) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: false };
          }
        }
      }
      if (!hasMissing) continue;
      gl = gm;
      hl = hm;
      for (let b = 0; b < nb - 1; b++) {
        gl += hist[o + 2 + 2 * b]!;
        hl += hist[o + 3 + 2 * b]!;
        const hr = H - hl;
        if (hl >= mcw && hr >= mcw) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: true };
          }
        }
      }
    }
    return best;
  }

  /** Stable in-place partition of `rows[start, end)`; returns where the right child starts. */
  private partition(rows: Uint32Array, start: number, end: number, s: Split): number {
    const bins = this.q.bins;
    const nf = this.nFeatures;
    const f = s.feature;
    const limit = s.bin + 1; // stored bin ids are real bin + 1
    const dl = s.defaultLeft;
    const tmp = this.scratch;
    let w = start;
    let t = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const b = bins[r * nf + f]!;
      if (b === 0 ? dl : b <= limit) rows[w++] = r;
      else tmp[t++] = r;
    }
    rows.set(tmp.subarray(0, t), w);
    return w;
  }

  /** XGBoost's pruner: a split whose children are leaves and that gains < gamma is undone. */
  private prune(nodes: Node[], id: number): void {
    const n = nodes[id]!;
    if (n.left < 0) return;
    this.prune(nodes, n.left);
    this.prune(nodes, n.right);
    const l = nodes[n.left]!;
    const r = nodes[n.right]!;
    if (l.left < 0 && r.left < 0 && n.split!.gain < this.p.gamma) {
      n.left = -1;
      n.right = -1;
      n.split = undefined;
    }
  }

  private weight(n: Node): number {
    if (n.h < this.p.minChildWeight || n.h <= 0) return 0;
    return Math.fround((-n.g / (n.h + this.p.lambda)) * this.p.learningRate);
  }

  /** Renumbers the kept nodes breadth-first (children after parents) into XGBoost's arrays. */
  private emit(nodes: Node[], nRows: number): GrownTree {
    const order: number[] = [0];
    for (let i = 0; i < order.length; i++) {
      const n = nodes[order[i]!]!;
      if (n.left >= 0) order.push(n.left, n.right);
    }
    const newId = new Map<number, number>();
    order.forEach((old, i) => newId.set(old, i));
    const m = order.length;
    const t: TreeArrays = {
      numNodes: m,
      left: new Int32Array(m),
      right: new Int32Array(m),
      parent: new Int32Array(m).fill(ROOT_PARENT),
      splitIndex: new Int32Array(m),
      splitCondition: new Float32Array(m),
      defaultLeft: new Uint8Array(m),
      baseWeight: new Float32Array(m),
      lossChange: new Float32Array(m),
      sumHessian: new Float32Array(m),
    };
    const rowValue = new Float64Array(nRows);
    order.forEach((old, i) => {
      const n = nodes[old]!;
      const w = this.weight(n);
      t.baseWeight[i] = w;
      t.sumHessian[i] = n.h;
      if (n.left < 0) {
        t.left[i] = -1;
        t.right[i] = -1;
        t.splitCondition[i] = w;
        for (let j = n.start; j < n.end; j++) rowValue[j] = t.splitCondition[i]!;
        return;
      }
      const s = n.split!;
      const l = newId.get(n.left)!;
      const r = newId.get(n.right)!;
      t.left[i] = l;
      t.right[i] = r;
      t.parent[l] = i;
      t.parent[r] = i;
      t.splitIndex[i] = s.feature;
      t.splitCondition[i] = this.q.cuts[s.feature]![s.bin]!;
      t.defaultLeft[i] = s.defaultLeft ? 1 : 0;
      t.lossChange[i] = s.gain;
    });
    return { tree: t, rowValue };
  }
}
