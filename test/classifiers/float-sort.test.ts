import { describe, expect, it } from 'vitest';
import { Float32ColumnSorter } from '../../src/classifiers/float-sort.js';
import { binOf, quantizeRows } from '../../src/classifiers/quantize.js';
import { loadClassifierRows } from './golden-rows.js';
import { randomFloats, rng } from '../helpers/random.js';

/** What the radix sort must equal: TypedArray.prototype.sort of the non-NaN values (−0 before +0). */
function builtinSorted(column: Float32Array): Float32Array {
  return column.filter((v) => !Number.isNaN(v)).sort();
}

function expectSameFloats(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`position ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Columns that stress the key transform: signs, zeros of both signs, infinities, NaN, denormals, repeats, huge and tiny magnitudes. */
function awkwardColumn(n: number, seed: number): Float32Array {
  const next = rng(seed);
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1, 2 ** -126];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.2) out[i] = specials[Math.floor(next() * specials.length)];
    else if (r < 0.4) out[i] = Math.round(next() * 8) - 4; // many repeats
    else out[i] = (next() - 0.5) * 10 ** (Math.floor(next() * 20) - 10);
  }
  return out;
}

describe('Float32ColumnSorter (radix sort for quantisation)', () => {
  it('sorts exactly as TypedArray.prototype.sort on random and awkward columns, NaN left out', () => {
    const sorter = new Float32ColumnSorter();
    for (const [n, seed] of [[1, 1], [2, 2], [1000, 3], [25_000, 4], [300, 5]]) {
      const random = randomFloats(n, seed, -1e3, 1e3);
      expectSameFloats(sorter.sort(random).values, builtinSorted(random));
      const awkward = awkwardColumn(n, seed + 100);
      expectSameFloats(sorter.sort(awkward).values, builtinSorted(awkward));
    }
    expect(sorter.sort(Float32Array.from([NaN, NaN])).values.length).toBe(0);
    expect(sorter.sort(new Float32Array(0)).values.length).toBe(0);
  });

  it('order maps every sorted value to its row, equal values in row order', () => {
    const sorter = new Float32ColumnSorter();
    const column = awkwardColumn(5000, 9);
    const { values, order } = sorter.sort(column);
    for (let k = 0; k < values.length; k++) {
      expect(Object.is(column[order[k]], values[k])).toBe(true);
      if (k > 0 && Object.is(values[k], values[k - 1])) expect(order[k]).toBeGreaterThan(order[k - 1]);
    }
    expect(new Set(order).size).toBe(values.length);
  });

  it('quantising real training rows: every bin is binOf(borders, value), NaN rows in bin 0', () => {
    const rows = loadClassifierRows();
    const F = rows.nFeatures;
    const n = rows.trainY.length;
    const x = rows.trainX.slice();
    for (let i = 0; i < n; i += 97) x[i * F + (i % F)] = NaN;
    const q = quantizeRows(x, n, F);
    for (let f = 0; f < F; f++) {
      for (let i = 0; i < n; i++) {
        if (q.bins[f * n + i] !== binOf(q.borders[f], x[i * F + f])) throw new Error(`feature ${f} row ${i}`);
      }
    }
  });
});
