import { describe, expect, it } from 'vitest';
import {
  assembleMarginKernel,
  marginKernelModuleSource,
} from '../../../tools/gen-wasm/generate.js';
import { MARGIN_KERNEL_WASM } from '../../../src/ml/gbdt/wasm/margin-kernel-wasm.js';
import { GbdtModel, syntheticClassification, trainGbdt } from '../../../src/ml/gbdt/index.js';

describe('WebAssembly margin kernel', () => {
  it('the committed binary is the assembly of the committed text (run `npm run gen:wasm`)', async () => {
    const bytes = await assembleMarginKernel();
    expect(Buffer.from(MARGIN_KERNEL_WASM, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(marginKernelModuleSource(bytes)).toContain(MARGIN_KERNEL_WASM);
  });

  it('predicts bit-identically to the JavaScript kernel, over blocks and their remainders', () => {
    const data = syntheticClassification({ nRows: 3000, nFeatures: 9, numClass: 3, seed: 5 });
    const { model } = trainGbdt({
      x: data.x,
      y: data.y,
      nRows: data.nRows,
      nFeatures: data.nFeatures,
      objective: 'multi:softprob',
      numClass: 3,
      nEstimators: 12,
      maxDepth: 5,
      seed: 2,
    });
    const js = model.withPredictor('complete');
    const wasm = model.withPredictor('wasm');
    // 64-row blocks, groups of 8 and single rows: every count from 0 to 70, then all rows.
    for (const n of [...Array.from({ length: 71 }, (_, i) => i), data.nRows]) {
      const a = js.predictMargin(data.x, n);
      const b = wasm.predictMargin(data.x, n);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
    expect(wasm).toBeInstanceOf(GbdtModel);
  });
});
