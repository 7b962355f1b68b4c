/** CPU reference semantics of the separable filter and the combine steps (no GPU needed). */
import { describe, expect, it } from 'vitest';
import { derivativeOfGaussian, fullTaps, scipyGaussian } from '../../src/core/filter-kernels.js';
import { reflectPad } from '../../src/reference/pad.js';
import { convolve1d, separable2d } from '../../src/reference/separable.js';
import { combinePlanes, eigenSym2 } from '../../src/reference/filter-combine.js';
import { ShapeError } from '../../src/errors.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';

/** Textbook correlation of a numpy-'reflect'-padded line with the full taps, in float64. */
function naive(line: Float32Array, taps: Float64Array, r: number): Float64Array {
  const padded = reflectPad({ data: line, shape: [1, line.length] }, { top: 0, bottom: 0, left: r, right: r }).data;
  const out = new Float64Array(line.length);
  for (let i = 0; i < line.length; i++) for (let j = -r; j <= r; j++) out[i] += taps[j + r] * padded[i + r + j];
  return out;
}

describe('separable reference', () => {
  // float32 sums of up to 81 terms of order one: ≤ 1e-5 from the float64 textbook sum
  it('equals correlation with the full kernel on a reflect-padded line, also when the line is shorter than the kernel', () => {
    let seed = 1;
    for (const n of [1, 2, 3, 7, 50]) {
      for (const k of [derivativeOfGaussian(0, 10), derivativeOfGaussian(1, 3.5), derivativeOfGaussian(2, 1.6), scipyGaussian(3)]) {
        const line = randomFloats(n, seed++);
        const expected = naive(line, fullTaps(k), k.radius);
        expectClose(convolve1d({ data: line, shape: [1, n] }, k, 'w').data, expected, { atol: 1e-5, rtol: 1e-5 }, [n], `${k.label}, n = ${n}`);
        // the same line as a column
        expectClose(convolve1d({ data: line, shape: [n, 1] }, k, 'h').data, expected, { atol: 1e-5, rtol: 1e-5 }, [n], `${k.label} along h, n = ${n}`);
      }
    }
  });

  it('filters planes independently, and separable2d = rows then columns', () => {
    const data = randomFloats(3 * 6 * 5, 9);
    const k = derivativeOfGaussian(0, 1);
    const all = separable2d({ data, shape: [3, 6, 5] }, k, k);
    const second = separable2d({ data: data.slice(30, 60), shape: [6, 5] }, k, k);
    expectClose(all.data.subarray(30, 60), second.data, { atol: 0, rtol: 0 }, [6, 5], 'plane 1');
    expect(() => convolve1d({ data: new Float32Array(0), shape: [0, 4] }, k, 'w')).toThrow(ShapeError);
  });
});

describe('filter-combine reference', () => {
  it('eigenvalues: larger first, trace and determinant preserved', () => {
    let seed = 3;
    for (let i = 0; i < 200; i++) {
      const [a, b, c] = randomFloats(3, seed++, -5, 5);
      const [big, small] = eigenSym2(a, b, c);
      expect(big).toBeGreaterThanOrEqual(small);
      expect(Math.abs(big + small - (a + c))).toBeLessThan(1e-5);
      expect(Math.abs(big * small - (a * c - b * b))).toBeLessThan(1e-4);
    }
  });

  it('stacks outputs as blocks and checks its inputs', () => {
    const x = { data: Float32Array.from([3, -4]), shape: [1, 2] };
    const y = { data: Float32Array.from([4, 3]), shape: [1, 2] };
    expect(Array.from(combinePlanes('magnitude', [x, y]).data)).toEqual([5, 5]);
    const p = combinePlanes('tensor_products', [x, y]);
    expect(p.shape).toEqual([3, 1, 2]);
    expect(Array.from(p.data)).toEqual([9, 16, 12, -12, 16, 9]);
    expect(Array.from(combinePlanes('gauss_dog', [x, y]).data)).toEqual([3, -4, -1, -7]);
    expect(() => combinePlanes('add', [x])).toThrow(ShapeError);
    expect(() => combinePlanes('add', [x, { data: new Float32Array(3), shape: [1, 3] }])).toThrow(/differ/);
  });
});
