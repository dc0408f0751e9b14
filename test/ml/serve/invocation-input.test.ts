import { describe, expect, it } from 'vitest';
import { InvocationInputError, parseCsvRows } from '../../../src/ml/serve/index.js';
import { prng } from '../../util/random.js';

describe('parseCsvRows', () => {
  it('reads every cell exactly as Number() then float32 would, over many number spellings', () => {
    const rand = prng(42);
    const spell = (): string => {
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 12 - 4);
      switch (Math.floor(rand() * 7)) {
        case 0:
          return '';
        case 1:
          return v.toExponential(Math.floor(rand() * 10));
        case 2:
          return String(v); // up to 17 significant digits: the slow path
        case 3:
          return v.toFixed(Math.floor(rand() * 8));
        case 4:
          return String(Math.round(v));
        case 5:
          return 'NaN';
        default:
          return v.toPrecision(1 + Math.floor(rand() * 15));
      }
    };
    const nRows = 5000;
    const nf = 7;
    const cells = Array.from({ length: nRows * nf }, spell);
    const text = Array.from({ length: nRows }, (_, r) =>
      cells.slice(r * nf, r * nf + nf).join(','),
    ).join('\n');
    const { x, nRows: n } = parseCsvRows(Buffer.from(text), nf, nRows);
    expect(n).toBe(nRows);
    const want = Float32Array.from(cells, (c) => (c === '' || c === 'NaN' ? NaN : Number(c)));
    for (let i = 0; i < want.length; i++) {
      if (Number.isNaN(want[i]!)) expect(x[i]).toBeNaN();
      else expect(x[i]).toBe(want[i]);
    }
  });

  it('names line and column of bad cells; a blank line in the middle is a wrong column count', () => {
    expect(() => parseCsvRows(Buffer.from('1,2\n\n3,4\n'), 2, 10)).toThrow(/line 2: 1 columns/);
    expect(() => parseCsvRows(Buffer.from('1,2\n3,"4"\n'), 2, 10)).toThrow(
      /line 2, column 2: "\\"4\\"" is not a number/,
    );
    expect(() => parseCsvRows(Buffer.from('0x10\n'), 1, 10)).toThrow(InvocationInputError);
    expect(() => parseCsvRows(Buffer.from('Infinity\n'), 1, 10)).toThrow(/not a number/);
    // One feature: an empty line is one missing value.
    const one = parseCsvRows(Buffer.from('1\n\n-2.5\n'), 1, 10);
    expect(one.nRows).toBe(3);
    expect(Array.from(one.x)).toEqual([1, NaN, -2.5]);
  });
});
