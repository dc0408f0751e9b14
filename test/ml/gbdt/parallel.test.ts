import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GbdtModel } from '../../../src/ml/gbdt/index.js';
import { syntheticClassification, trainGbdt } from '../../../src/ml/gbdt/index.js';
import * as fromSources from '../../../src/ml/gbdt/parallel/index.js';
import {
  runChunks,
  runUnfinishedChunks,
  type PredictMessage,
} from '../../../src/ml/gbdt/parallel/protocol.js';

type ParallelModule = typeof fromSources;
type ParallelPredictor = fromSources.ParallelPredictor;

// Workers run compiled JavaScript: these tests use `dist/` (built by the global setup). The
// main thread's share runs on the same code through the models built here from the sources.
const DIST = new URL('../../../dist/ml/gbdt/parallel/index.js', import.meta.url);

const NF = 7;

function model(numClass: number, seed: number, rounds: number): GbdtModel {
  const d = syntheticClassification({ nRows: 2000, nFeatures: NF, numClass, seed });
  return trainGbdt({
    x: d.x,
    y: d.y,
    nRows: d.nRows,
    nFeatures: NF,
    objective: numClass === 2 ? 'binary:logistic' : 'multi:softprob',
    numClass,
    nEstimators: rounds,
    maxDepth: 6,
  }).model;
}

function expectIdentical(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  const differing = [...a.keys()].filter((i) => !Object.is(a[i], b[i]));
  expect(differing).toEqual([]);
}

const binary = model(2, 21, 20);
const multi = model(3, 22, 12);
const rows = syntheticClassification({ nRows: 12_345, nFeatures: NF, seed: 23, missingRate: 0.3 });

describe('ParallelPredictor from the TypeScript sources', () => {
  it('has no compiled worker next to it: predicts in the calling thread, identically', async () => {
    const pp = await fromSources.ParallelPredictor.start(multi, { workers: 1 });
    try {
      expect(pp.threads).toBe(1);
      expectIdentical(await pp.predict(rows.x, 5000), multi.predict(rows.x, 5000));
    } finally {
      await pp.close();
    }
  });

  it('refuses a negative worker count', async () => {
    await expect(fromSources.ParallelPredictor.start(binary, { workers: -1 })).rejects.toThrow(
      /workers must be a whole number/,
    );
  });
});

describe('the chunk protocol', () => {
  function job(nRows: number, chunkRows: number): PredictMessage {
    const x = new Float32Array(new SharedArrayBuffer(nRows * NF * 4));
    x.set(rows.x.subarray(0, nRows * NF));
    const nChunks = Math.ceil(nRows / chunkRows);
    return {
      type: 'predict',
      version: 0,
      x: x.buffer as SharedArrayBuffer,
      xByteOffset: 0,
      nRows,
      nf: NF,
      out: new SharedArrayBuffer(nRows * multi.outputsPerRow * 8),
      k: multi.outputsPerRow,
      control: new SharedArrayBuffer(4 * (1 + nChunks)),
      chunkRows,
      nChunks,
    };
  }

  it('chunks claimed by a thread that died are redone; finished ones are kept', () => {
    const j = job(1000, 256);
    const control = new Int32Array(j.control);
    const out = new Float64Array(j.out);
    // A dead worker claimed chunks 0 and 2 and wrote nothing; this thread did 1 and 3.
    Atomics.store(control, 0, 4);
    for (const c of [1, 3]) {
      const r0 = c * 256;
      const r1 = Math.min(r0 + 256, 1000);
      multi.predict(rows.x.subarray(r0 * NF, r1 * NF), r1 - r0, out.subarray(r0 * 3, r1 * 3));
      Atomics.store(control, 1 + c, 1);
    }
    expect(runChunks(multi, j)).toBe(0); // nothing left to claim
    expect(runUnfinishedChunks(multi, j)).toBe(2);
    expectIdentical(out, multi.predict(rows.x, 1000));
    expect(runUnfinishedChunks(multi, j)).toBe(0);
  });

  it('one thread alone claims every chunk, the last one short', () => {
    const j = job(1001, 100);
    expect(runChunks(multi, j)).toBe(11);
    expectIdentical(new Float64Array(j.out), multi.predict(rows.x, 1001));
  });
});

describe.skipIf(!existsSync(fileURLToPath(DIST)))('ParallelPredictor with worker threads', () => {
  let P: ParallelModule['ParallelPredictor'];
  let pp: ParallelPredictor;

  beforeAll(async () => {
    P = ((await import(DIST.href)) as ParallelModule).ParallelPredictor;
    pp = await P.start(binary, { workers: 2 });
  });
  afterAll(() => pp.close());

  it('binary and 3-class: identical to model.predict, with NaNs, for 0, 1, odd and many rows', async () => {
    expect(pp.threads).toBe(3);
    for (const m of [binary, multi]) {
      await pp.setModel(m);
      for (const n of [0, 1, 2, 511, 512, 513, 4097, 12_345]) {
        const got = await pp.predict(rows.x, n);
        expect(got.buffer).toBeInstanceOf(SharedArrayBuffer);
        expectIdentical(got, m.predict(rows.x, n));
      }
    }
  });

  it('reads rows already in a SharedArrayBuffer in place, at an offset', async () => {
    await pp.setModel(multi);
    const shared = new Float32Array(new SharedArrayBuffer((rows.x.length + NF) * 4));
    shared.set(rows.x, NF);
    const x = shared.subarray(NF);
    expectIdentical(await pp.predict(x, 9999), multi.predict(rows.x, 9999));
  });

  it('hot swap: a prediction called before setModel runs on the old model', async () => {
    await pp.setModel(binary);
    const before = pp.predict(rows.x, 8000);
    const swapped = pp.setModel(multi);
    const after = pp.predict(rows.x, 8000);
    expectIdentical(await before, binary.predict(rows.x, 8000));
    await swapped;
    expect(pp.model).toBe(multi);
    expectIdentical(await after, multi.predict(rows.x, 8000));
  });

  it('rejects bad input and names it', async () => {
    await expect(pp.predict(rows.x, 1.5)).rejects.toThrow(/nRows 1.5 is invalid/);
    await expect(pp.predict(rows.x.subarray(0, 10), 3)).rejects.toThrow(
      /x has 10 values; 3 rows × 7 features need 21/,
    );
  });

  it('a worker crash: the prediction completes identically and the worker is replaced', async () => {
    await pp.setModel(multi);
    const restarts = pp.restarts;
    const [victim] = pp.workerThreads;
    const gone = victim!.terminate(); // dies while the prediction is being handed out
    const got = await pp.predict(rows.x, 12_345);
    await gone;
    expectIdentical(got, multi.predict(rows.x, 12_345));
    // The next call replaces it.
    expectIdentical(await pp.predict(rows.x, 6000), multi.predict(rows.x, 6000));
    expect(pp.restarts).toBe(restarts + 1);
    expect(pp.threads).toBe(3);
    expect(pp.workerThreads).not.toContain(victim);
  });

  it('close: the workers stop and later calls reject', async () => {
    const own = await P.start(binary, { workers: 1 });
    const [w] = own.workerThreads;
    const exited = new Promise<number>((resolve) => w!.once('exit', resolve));
    await own.close();
    await exited;
    expect(own.threads).toBe(1);
    await expect(own.predict(rows.x, 10)).rejects.toThrow(/ParallelPredictor is closed/);
    await expect(own.setModel(multi)).rejects.toThrow(/closed/);
    await own.close(); // idempotent
  });
});
