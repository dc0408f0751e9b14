/**
 * The `complete` margin kernel in WebAssembly: the same layout and the same steps as the
 * JavaScript `complete` kernel (`predictor.ts`), bit-identical results, about twice as fast
 * (`npm run bench:ml`): no bounds checks, float32 compared as float32, and a node's feature and
 * threshold side by side in memory.
 *
 * Each kernel owns one `WebAssembly.Memory` holding the packed trees and one block of rows and
 * margins; JavaScript copies a block of rows in (as `x` then `-x`) and its margins in and out
 * (float32 in memory, float64 in `m`). The binary is compiled once per thread.
 */
import { copyBlock, type Complete } from '../complete-layout.js';
import { MARGIN_KERNEL_WASM } from './margin-kernel-wasm.js';

/** Adds the margins of rows `[r0, r1)` into `m` (see `MarginKernel` in `predictor.ts`). */
type Kernel = (x: Float32Array, m: Float64Array, r0: number, r1: number) => void;

/** Rows copied into WebAssembly memory per call. */
const BLOCK_ROWS = 64;
const PAGE = 65_536;

/** The part of the WebAssembly JavaScript API used here (TypeScript types it only in the DOM lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

/** Whether this runtime runs WebAssembly (every supported Node.js does). */
export function wasmAvailable(): boolean {
  return wasm !== undefined;
}

function kernelModule(api: WasmApi): object {
  compiled ??= new api.Module(Buffer.from(MARGIN_KERNEL_WASM, 'base64'));
  return compiled;
}

interface BlockExports {
  block(
    nt: number,
    nb: number,
    trees: number,
    xb: number,
    rowBytes: number,
    mb: number,
    k4: number,
  ): void;
}

/**
 * A WebAssembly kernel over the packed trees `c`. `m` must hold float32 values when called (the
 * base margin is one; so is every kernel's output), as the margins are added in float32.
 * @param treeInfo output (class) of each tree
 */
export function wasmKernel(c: Complete, treeInfo: Int32Array, nf: number, k: number): Kernel {
  if (!wasm) throw new Error('this runtime has no WebAssembly');
  const nt = c.depths.length;
  const ni = c.feature.length;
  const nl = c.leaf.length;
  const w = 2 * nf;
  // Byte layout: tree records, nodes, leaves, one block of rows, one block of margins.
  const TREES = 0;
  const NODES = TREES + nt * 16;
  const LEAVES = NODES + ni * 8;
  const XB = LEAVES + nl * 4;
  const MB = XB + BLOCK_ROWS * w * 4;
  const end = MB + BLOCK_ROWS * k * 4;
  const memory = new wasm.Memory({ initial: Math.ceil(end / PAGE) + 1 });
  const { block } = new wasm.Instance(kernelModule(wasm), { env: { memory } })
    .exports as BlockExports;
  const buf = memory.buffer;
  const trees = new Int32Array(buf, TREES, nt * 4);
  for (let ti = 0; ti < nt; ti++) {
    // Heap node h ≥ 1 of tree ti is node inner[ti] + h ≥ 0; leaf h is leaf leaves[ti] + h ≥ 0.
    // The bases themselves may be below the regions (even negative): i32 addition wraps.
    trees[4 * ti] = NODES + c.inner[ti]! * 8;
    trees[4 * ti + 1] = LEAVES + c.leaves[ti]! * 4;
    trees[4 * ti + 2] = c.depths[ti]!;
    trees[4 * ti + 3] = treeInfo[ti]! * 4;
  }
  const nodeOffsets = new Int32Array(buf, NODES, ni * 2);
  const nodeConds = new Float32Array(buf, NODES, ni * 2);
  for (let i = 0; i < ni; i++) {
    nodeOffsets[2 * i] = c.feature[i]! * 4;
    nodeConds[2 * i + 1] = c.cond[i]!;
  }
  new Float32Array(buf, LEAVES, nl).set(c.leaf);
  const xb = new Float32Array(buf, XB, BLOCK_ROWS * w);
  const mb = new Float32Array(buf, MB, BLOCK_ROWS * k);
  return (x, m, r0, r1) => {
    for (let b = r0; b < r1; b += BLOCK_ROWS) {
      const nb = Math.min(BLOCK_ROWS, r1 - b);
      copyBlock(x, b, nb, nf, xb);
      const mo = b * k;
      for (let i = 0; i < nb * k; i++) mb[i] = m[mo + i]!;
      block(nt, nb, TREES, XB, w * 4, MB, k * 4);
      for (let i = 0; i < nb * k; i++) m[mo + i] = mb[i]!;
    }
  };
}
