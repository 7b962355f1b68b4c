/**
 * Per-feature quantisation for the GBDT trainer (CatBoost's scheme): at most `maxBorders` borders
 * per feature, chosen by the GreedyLogSum rule, then every value replaced by its bin index
 * (the number of borders it exceeds), stored as uint8, feature-major, so histogram building reads
 * one contiguous byte column per feature.
 *
 * GreedyLogSum: the sorted distinct values, weighted by how often they occur, are cut into bins
 * so as to make Σ log(bin weight) large, greedily — repeatedly make the single cut (over all
 * current bins) that raises the sum most. That balances bin populations while never splitting
 * one distinct value, so a heavily repeated value keeps a bin of its own.
 *
 * A border lies strictly between two neighbouring distinct values a < b (a ≤ border < b in
 * float32), so `x > border` separates them exactly as the evaluators will. NaN counts as smaller
 * than every border (CatBoost's nan_mode Min): bin 0, and `NaN > border` is false in evaluation.
 */
import { ValueError } from '../errors.js';
import { Float32ColumnSorter } from './float-sort.js';

/** The largest border count: bins must fit in a byte. */
export const MAX_BORDERS = 254;

/** A float32 strictly between a and b (a < b), preferring their midpoint. */
export function borderBetween(a: number, b: number): number {
  const mid = Math.fround((a + b) / 2);
  // Rounding can land the midpoint on b when a and b are neighbouring floats: then a itself
  // separates them (x > a holds for b, not for a).
  return mid < b && mid >= a ? mid : a;
}

/** Max-heap entry of the greedy split search: a bin [lo, hi) of distinct values and its best cut. */
interface Candidate {
  lo: number;
  hi: number;
  cut: number;
  gain: number;
}

function bestCut(cum: Float64Array, lo: number, hi: number): Candidate | null {
  if (hi - lo < 2) return null;
  const w = cum[hi] - cum[lo];
  const half = cum[lo] + w / 2;
  // First cut position s in (lo, hi) with cum[s] ≥ half; the optimum is s or s − 1.
  let a = lo + 1;
  let b = hi - 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (cum[m] < half) a = m + 1;
    else b = m;
  }
  let best: Candidate | null = null;
  for (const s of [a - 1, a]) {
    if (s <= lo || s >= hi) continue;
    const wl = cum[s] - cum[lo];
    const wr = cum[hi] - cum[s];
    const gain = Math.log(wl) + Math.log(wr) - Math.log(w);
    if (!best || gain > best.gain) best = { lo, hi, cut: s, gain };
  }
  return best;
}

class MaxHeap {
  private items: Candidate[] = [];
  get size(): number {
    return this.items.length;
  }
  // Larger gain first; equal gains → the lower position, so the result never depends on heap history.
  private above(x: Candidate, y: Candidate): boolean {
    return x.gain > y.gain || (x.gain === y.gain && x.lo < y.lo);
  }
  push(c: Candidate): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Candidate {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.above(h[l], h[m])) m = l;
        if (r < h.length && this.above(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function checkBorderCount(maxBorders: number): void {
  if (!Number.isInteger(maxBorders) || maxBorders < 1 || maxBorders > MAX_BORDERS) {
    throw new ValueError(`border count must be an integer in [1, ${MAX_BORDERS}], got ${maxBorders}`);
  }
}

/**
 * Borders (ascending float32) for one feature's values by GreedyLogSum. NaN values are ignored.
 * A constant feature gets no border. Pass one `sorter` to many calls to reuse its scratch.
 */
export function greedyLogSumBorders(values: Float32Array, maxBorders: number = MAX_BORDERS, sorter: Float32ColumnSorter = new Float32ColumnSorter()): Float32Array {
  checkBorderCount(maxBorders);
  return bordersOfSorted(sorter.sort(values).values, maxBorders);
}

/** GreedyLogSum borders of ascending, NaN-free values. */
function bordersOfSorted(sorted: Float32Array, maxBorders: number): Float32Array {
  // Distinct values with cumulative counts (−0 and +0 are one value, as `!==` has it).
  const distinct = new Float32Array(sorted.length);
  const cum = new Float64Array(sorted.length + 1);
  let D = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) {
      distinct[D] = sorted[i];
      cum[D + 1] = cum[D];
      D++;
    }
    cum[D]++;
  }
  if (D <= 1) return new Float32Array(0);
  if (D - 1 <= maxBorders) {
    const out = new Float32Array(D - 1);
    for (let s = 1; s < D; s++) out[s - 1] = borderBetween(distinct[s - 1], distinct[s]);
    return out;
  }
  const heap = new MaxHeap();
  const first = bestCut(cum, 0, D);
  if (first) heap.push(first);
  const cuts: number[] = [];
  while (cuts.length < maxBorders && heap.size > 0) {
    const c = heap.pop();
    cuts.push(c.cut);
    const l = bestCut(cum, c.lo, c.cut);
    const r = bestCut(cum, c.cut, c.hi);
    if (l) heap.push(l);
    if (r) heap.push(r);
  }
  cuts.sort((a, b) => a - b);
  return Float32Array.from(cuts, (s) => borderBetween(distinct[s - 1], distinct[s]));
}

/** Bin of value v given ascending borders: how many borders v exceeds (NaN → 0). */
export function binOf(borders: Float32Array, v: number): number {
  let lo = 0;
  let hi = borders.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (v > borders[m]) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** A quantised training table. */
export interface QuantizedRows {
  /** Rows. */
  n: number;
  nFeatures: number;
  /** Ascending borders per feature. */
  borders: Float32Array[];
  /** [F, n] bin index per feature and row (feature-major). */
  bins: Uint8Array;
  /** [F + 1]: feature f's bins are `[binOffset[f], binOffset[f+1])` in a concatenated histogram. */
  binOffset: Uint32Array;
}

/**
 * Quantises a row-major [n, F] table, feature by feature (`makeBins` may put the bins in shared
 * memory). Each column is sorted once: its borders come from the sorted values, and its bins
 * from one walk along them (rows in value order, the bin rising past each border), which gives
 * every row `binOf(borders, value)` without a search per row.
 */
export function quantizeRows(x: Float32Array, n: number, nFeatures: number, maxBorders: number = MAX_BORDERS, makeBins: (length: number) => Uint8Array = (k) => new Uint8Array(k)): QuantizedRows {
  checkBorderCount(maxBorders);
  const bins = makeBins(n * nFeatures);
  const borders: Float32Array[] = [];
  const binOffset = new Uint32Array(nFeatures + 1);
  const column = new Float32Array(n);
  const sorter = new Float32ColumnSorter();
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < n; i++) column[i] = x[i * nFeatures + f];
    const { values, order } = sorter.sort(column);
    const b = bordersOfSorted(values, maxBorders);
    borders.push(b);
    binOffset[f + 1] = binOffset[f] + b.length + 1;
    const out = bins.subarray(f * n, (f + 1) * n);
    out.fill(0); // NaN rows (left out of the sort) stay in bin 0, as binOf puts them
    let bin = 0;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      while (bin < b.length && v > b[bin]) bin++;
      out[order[k]] = bin;
    }
  }
  return { n, nFeatures, borders, bins, binOffset };
}
