import { describe, expect, it } from 'vitest';
import { checkTrainingRows, sortRowsLexicographic } from '../../src/classifiers/rows.js';
import { ShapeError, ValueError } from '../../src/errors.js';

describe('training rows', () => {
  it('sorts rows lexicographically by feature values, stably, carrying labels', () => {
    const x = Float32Array.from([2, 1, 1, 5, 1, 3, 2, 0, 1, 3]);
    const y = [10, 20, 30, 40, 50];
    const s = sortRowsLexicographic(x, y, 2);
    // rows: (2,1) (1,5) (1,3) (2,0) (1,3) → (1,3)#2 (1,3)#4 (1,5) (2,0) (2,1)
    expect(Array.from(s.x)).toEqual([1, 3, 1, 3, 1, 5, 2, 0, 2, 1]);
    expect(Array.from(s.y)).toEqual([30, 50, 20, 40, 10]);
    expect(Array.from(s.order)).toEqual([2, 4, 1, 3, 0]);
  });

  it('puts NaN after every number', () => {
    const s = sortRowsLexicographic(Float32Array.from([NaN, 1, -Infinity]), [1, 2, 3], 1);
    expect(Array.from(s.y)).toEqual([3, 2, 1]);
  });

  it('maps non-contiguous class values to sorted indices', () => {
    const m = checkTrainingRows(new Float32Array(5), [91, 1, 67, 49, 1], 1);
    expect(Array.from(m.classes)).toEqual([1, 49, 67, 91]);
    expect(Array.from(m.index)).toEqual([3, 0, 2, 1, 0]);
  });

  it('refuses empty tables, a single class, non-integer labels and size mismatches', () => {
    expect(() => checkTrainingRows(new Float32Array(0), [], 3)).toThrow(ValueError);
    expect(() => checkTrainingRows(new Float32Array(2), [4, 4], 1)).toThrow(/at least 2 distinct classes/);
    expect(() => checkTrainingRows(new Float32Array(2), [1, 1.5], 1)).toThrow(ValueError);
    expect(() => checkTrainingRows(new Float32Array(5), [1, 2], 2)).toThrow(ShapeError);
  });
});
