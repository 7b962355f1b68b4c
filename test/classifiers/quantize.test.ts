import { describe, expect, it } from 'vitest';
import { binOf, borderBetween, greedyLogSumBorders, quantizeRows } from '../../src/classifiers/quantize.js';
import { ValueError } from '../../src/errors.js';
import { randomFloats } from '../helpers/random.js';

/** Every border lies in [a, b) between two neighbouring distinct values, and borders increase. */
function expectBordersSeparate(values: Float32Array, borders: Float32Array): void {
  const distinct = [...new Set(Array.from(values).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
  for (let i = 1; i < borders.length; i++) expect(borders[i]).toBeGreaterThan(borders[i - 1]);
  for (const b of borders) {
    const below = distinct.filter((v) => v <= b);
    const above = distinct.filter((v) => v > b);
    expect(below.length).toBeGreaterThan(0);
    expect(above.length).toBeGreaterThan(0);
  }
}

describe('quantisation (GreedyLogSum)', () => {
  it('few distinct values: one border between each neighbouring pair', () => {
    const v = Float32Array.from([3, 1, 2, 2, 1, 3, 5]);
    expect(Array.from(greedyLogSumBorders(v))).toEqual([1.5, 2.5, 4]);
  });

  it('at most borderCount borders, each separating distinct values', () => {
    const v = randomFloats(5000, 3);
    for (const count of [1, 7, 254]) {
      const b = greedyLogSumBorders(v, count);
      expect(b.length).toBe(count);
      expectBordersSeparate(v, b);
    }
  });

  it('balances bin populations on continuous data', () => {
    const v = randomFloats(25_400, 5);
    const b = greedyLogSumBorders(v, 254);
    const counts = new Array(255).fill(0);
    for (const x of v) counts[binOf(b, x)]++;
    // 100 rows per bin on average; greedy halving keeps every bin within a factor ~2 of that.
    expect(Math.min(...counts)).toBeGreaterThan(40);
    expect(Math.max(...counts)).toBeLessThan(200);
  });

  it('a heavily repeated value keeps a bin of its own and is never split', () => {
    const v = new Float32Array(10_000);
    v.set(randomFloats(5000, 8, 0.5, 1), 0); // half the rows are 0 exactly
    const b = greedyLogSumBorders(v, 16);
    expectBordersSeparate(v, b);
    expect(binOf(b, 0)).toBe(0);
    expect(b[0]).toBeGreaterThanOrEqual(0);
    expect(b[0]).toBeLessThan(0.5);
  });

  it('constant and NaN-only features get no border; NaN falls in bin 0', () => {
    expect(greedyLogSumBorders(Float32Array.from([2, 2, 2])).length).toBe(0);
    expect(greedyLogSumBorders(Float32Array.from([NaN, NaN])).length).toBe(0);
    const b = greedyLogSumBorders(Float32Array.from([NaN, 1, 2]));
    expect(Array.from(b)).toEqual([1.5]);
    expect(binOf(b, NaN)).toBe(0);
  });

  it('neighbouring float32 values are still separated (the midpoint would round onto b)', () => {
    const a = 1;
    const b = Math.fround(1 + 2 ** -23);
    const border = borderBetween(a, b);
    expect(b > border && !(a > border)).toBe(true);
  });

  it('bins are the number of borders a value exceeds, feature-major, and fit in uint8', () => {
    const n = 1000;
    const F = 3;
    const x = randomFloats(n * F, 12);
    const q = quantizeRows(x, n, F, 254);
    expect(q.binOffset[F]).toBe(q.borders.reduce((s, b) => s + b.length + 1, 0));
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < n; i += 37) {
        const v = x[i * F + f];
        expect(q.bins[f * n + i]).toBe(q.borders[f].filter((b) => v > b).length);
      }
    }
  });

  it('rejects border counts outside [1, 254]', () => {
    expect(() => greedyLogSumBorders(Float32Array.from([1, 2]), 255)).toThrow(ValueError);
    expect(() => greedyLogSumBorders(Float32Array.from([1, 2]), 0)).toThrow(ValueError);
  });
});
