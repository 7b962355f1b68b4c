/**
 * Grows one symmetric (oblivious) tree on a quantised table: the structure search of the GBDT
 * trainer. Level by level, one (feature, border) is chosen for all current leaves at once — the
 * one with the best Cosine score (CatBoost's default score function) plus random noise — and
 * every leaf is split by it. Leaf l after level i has index Σ bit_j << j (bit j = 1 when the
 * value is above split j's border), as the evaluators compute it.
 *
 * Cost: per level, one pass over (rows × features) to fill histograms of per-row statistics by
 * (leaf, feature, bin), then a scan over (leaves × bins). From the second level on only the
 * smaller child of each parent is histogrammed; the larger one is parent − smaller, which halves
 * the row passes ("histogram subtraction"). That needs the previous level's histograms for all
 * features; when they would not fit in `SUBTRACTION_BUDGET` bytes, every leaf is histogrammed
 * directly, one feature at a time, in a small scratch buffer instead.
 *
 * Per-row statistics are S numbers: w·der_d for the first S − 1 score dimensions, then w (the
 * row's bootstrap weight). With `implicitLast` (softmax), the last dimension's sum is not stored
 * but recovered as minus the sum of the others, since a row's softmax derivatives sum to zero.
 * For a candidate split, each resulting part with sums (G_d, W) gets the gradient-step value
 * v_d = G_d / (W + λ); the Cosine score is the cosine between the derivative vector and the value
 * vector over all parts: Σ G·v / sqrt(Σ W·v²).
 */
import type { QuantizedRows } from './quantize.js';

/** Bytes of histograms kept for the subtraction trick; above it, the low-memory path is used. */
export const SUBTRACTION_BUDGET = 256 * 2 ** 20;

/** Reusable buffers of one training run (sized once for the deepest level). */
export interface GrowerState {
  q: QuantizedRows;
  depth: number;
  /** Statistics per row. */
  S: number;
  /** The last derivative dimension is implicit (minus the sum of the stored ones). */
  implicitLast: boolean;
  subtract: boolean;
  /** Rows partitioned by leaf: leaf j holds idx[begin[j] .. begin[j] + count[j]). */
  idx: Uint32Array;
  tmp: Uint32Array;
  begin: Uint32Array;
  count: Uint32Array;
  /** Histograms of the current and the previous level (subtract mode), or one scratch buffer. */
  histA: Float64Array;
  histB: Float64Array;
  /** Per-border score accumulators for one feature. */
  num: Float64Array;
  den: Float64Array;
  /** Scratch sums of one leaf: the "≤ border" part and the whole leaf. */
  left: Float64Array;
  /** [2^depth, S] statistic sums of each leaf at the current level. */
  leafTotals: Float64Array;
  maxBins: number;
}

export function createGrowerState(q: QuantizedRows, depth: number, S: number, implicitLast = false): GrowerState {
  const B = q.binOffset[q.nFeatures];
  let maxBins = 1;
  for (let f = 0; f < q.nFeatures; f++) maxBins = Math.max(maxBins, q.binOffset[f + 1] - q.binOffset[f]);
  const maxLeaves = 2 ** Math.max(0, depth - 1);
  const fullBytes = 2 * maxLeaves * B * S * 8;
  const subtract = fullBytes <= SUBTRACTION_BUDGET;
  const histSize = subtract ? maxLeaves * B * S : maxLeaves * maxBins * S;
  return {
    q,
    depth,
    S,
    implicitLast,
    subtract,
    idx: new Uint32Array(q.n),
    tmp: new Uint32Array(q.n),
    begin: new Uint32Array(2 ** depth),
    count: new Uint32Array(2 ** depth),
    histA: new Float64Array(histSize),
    histB: new Float64Array(subtract ? histSize : 0),
    num: new Float64Array(maxBins),
    den: new Float64Array(maxBins),
    left: new Float64Array(S),
    leafTotals: new Float64Array(2 ** depth * S),
    maxBins,
  };
}

/**
 * Adds the statistics of rows idx[k0..k1) into hist at base + bin·S (one feature's bins). The
 * common statistic counts are unrolled: this loop is where training spends its time.
 */
function accumulate(hist: Float64Array, base: number, bins: Uint8Array, idx: Uint32Array, k0: number, k1: number, stats: Float64Array, S: number): void {
  switch (S) {
    case 2:
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const o = base + bins[i] * 2;
        const s = i * 2;
        hist[o] += stats[s];
        hist[o + 1] += stats[s + 1];
      }
      return;
    case 4:
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const o = base + bins[i] * 4;
        const s = i * 4;
        hist[o] += stats[s];
        hist[o + 1] += stats[s + 1];
        hist[o + 2] += stats[s + 2];
        hist[o + 3] += stats[s + 3];
      }
      return;
    case 5:
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const o = base + bins[i] * 5;
        const s = i * 5;
        hist[o] += stats[s];
        hist[o + 1] += stats[s + 1];
        hist[o + 2] += stats[s + 2];
        hist[o + 3] += stats[s + 3];
        hist[o + 4] += stats[s + 4];
      }
      return;
    default:
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const o = base + bins[i] * S;
        const s = i * S;
        for (let d = 0; d < S; d++) hist[o + d] += stats[s + d];
      }
  }
}

/** The chosen splits of one tree and the final leaf of every row. */
export interface GrownTree {
  /** Per level: feature index and border index (the split is bin > border). */
  features: number[];
  borders: number[];
  /** [n] leaf index of each row. */
  leafOf: Uint32Array;
}

/**
 * Grows one tree. `stats` is [n, S] (see the module comment); λ the (weight-scaled) L2
 * regulariser; `noiseScale` the standard deviation of the normal noise added to every candidate
 * score, `noise(level, feature, border)` a standard-normal draw for that candidate.
 * Stops early (a shallower tree) if no feature has a border left to split on.
 */
export function growObliviousTree(state: GrowerState, stats: Float64Array, lambda: number, noiseScale: number, noise: (level: number, feature: number, border: number) => number): GrownTree {
  const { q, S, idx, tmp, begin, count, depth } = state;
  const { n, nFeatures: F, bins, binOffset } = q;
  const D = S - 1;
  for (let i = 0; i < n; i++) idx[i] = i;
  begin[0] = 0;
  count[0] = n;
  const features: number[] = [];
  const borders: number[] = [];
  let parent = state.histB;
  let child = state.histA;

  for (let level = 0; level < depth; level++) {
    const L = 2 ** level;
    const half = L >> 1;
    let bestScore = -Infinity;
    let bestF = -1;
    let bestB = -1;
    leafTotals(state, stats, L);
    for (let f = 0; f < F; f++) {
      const nb = binOffset[f + 1] - binOffset[f];
      const binsF = bins.subarray(f * n, (f + 1) * n);
      const region = state.subtract ? binOffset[f] * L * S : 0;
      const leafStride = nb * S;
      if (level > 0 && state.subtract) {
        const parentRegion = binOffset[f] * half * S;
        for (let j = 0; j < half; j++) {
          const j1 = j + half;
          const small = count[j] <= count[j1] ? j : j1;
          const large = small === j ? j1 : j;
          const sBase = region + small * leafStride;
          child.fill(0, sBase, sBase + leafStride);
          accumulate(child, sBase, binsF, idx, begin[small], begin[small] + count[small], stats, S);
          const lBase = region + large * leafStride;
          if (count[large] * (S + 2) < leafStride) {
            // Fewer rows than bins: adding the rows is cheaper than subtracting histograms.
            child.fill(0, lBase, lBase + leafStride);
            accumulate(child, lBase, binsF, idx, begin[large], begin[large] + count[large], stats, S);
          } else {
            const pBase = parentRegion + j * leafStride;
            for (let e = 0; e < leafStride; e++) child[lBase + e] = parent[pBase + e] - child[sBase + e];
          }
        }
      } else {
        child.fill(0, region, region + L * leafStride);
        for (let j = 0; j < L; j++) accumulate(child, region + j * leafStride, binsF, idx, begin[j], begin[j] + count[j], stats, S);
      }
      if (nb < 2) continue; // constant feature: nothing to split on
      const score = scoreFeature(state, child, region, L, nb, D, lambda);
      for (let b = 0; b < nb - 1; b++) {
        const s = score[b] + (noiseScale > 0 ? noiseScale * noise(level, f, b) : 0);
        if (s > bestScore) {
          bestScore = s;
          bestF = f;
          bestB = b;
        }
      }
    }
    if (bestF < 0) break;
    features.push(bestF);
    borders.push(bestB);
    partition(state, bins.subarray(bestF * n, (bestF + 1) * n), bestB, level);
    if (state.subtract) [parent, child] = [child, parent];
  }

  const leafOf = new Uint32Array(n);
  const L = 2 ** features.length;
  for (let j = 0; j < L; j++) {
    for (let k = begin[j]; k < begin[j] + count[j]; k++) leafOf[idx[k]] = j;
  }
  return { features, borders, leafOf };
}

/** Sums of the statistics of every leaf's rows into `state.leafTotals` [L, S]. */
function leafTotals(state: GrowerState, stats: Float64Array, L: number): void {
  const { S, idx, begin, count, leafTotals: out } = state;
  out.fill(0, 0, L * S);
  for (let j = 0; j < L; j++) {
    for (let k = begin[j]; k < begin[j] + count[j]; k++) {
      const s = idx[k] * S;
      for (let d = 0; d < S; d++) out[j * S + d] += stats[s + d];
    }
  }
}

/**
 * Cosine score of every border of one feature, over all L leaves at once: for each leaf, the
 * prefix sums over bins give the "≤ border" part, the leaf total minus them the "> border" part.
 * A leaf's contribution only changes at bins holding weight, so each leaf adds the *change* of
 * its contribution at those bins into difference arrays, and one prefix sum per feature turns
 * them into per-border totals: deep leaves (few rows, mostly empty bins) cost one read per bin.
 * ("Holding weight" allows for the rounding residue histogram subtraction leaves in an empty bin.)
 * Returns `state.num` reused as the score array (valid for b < nb − 1).
 */
function scoreFeature(state: GrowerState, hist: Float64Array, region: number, L: number, nb: number, D: number, lambda: number): Float64Array {
  const { num, den, S, left, leafTotals: totals, implicitLast } = state;
  num.fill(0, 0, nb);
  den.fill(0, 0, nb);
  for (let j = 0; j < L; j++) {
    const base = region + j * nb * S;
    const t = j * S;
    const totalW = totals[t + D];
    if (totalW <= 0) continue; // an empty leaf adds nothing to any border
    const emptyW = totalW * 1e-12;
    left.fill(0);
    let cNum = 0;
    let cDen = 0;
    for (let b = 0; b < nb - 1; b++) {
      const o = base + b * S;
      if (b > 0 && hist[o + D] <= emptyW) continue;
      let gl = 0;
      let gr = 0;
      let sl = 0;
      let sr = 0;
      for (let d = 0; d < D; d++) {
        const l = (left[d] += hist[o + d]);
        const r = totals[t + d] - l;
        gl += l * l;
        gr += r * r;
        sl += l;
        sr += r;
      }
      if (implicitLast) {
        gl += sl * sl;
        gr += sr * sr;
      }
      const wl = (left[D] += hist[o + D]);
      const wr = totalW - wl;
      // Part with sums (G, W): Σ G·v = |G|²/(W+λ), Σ W·v² = W·|G|²/(W+λ)².
      let eNum = 0;
      let eDen = 0;
      if (wl > emptyW) {
        const inv = 1 / (wl + lambda);
        eNum += gl * inv;
        eDen += wl * gl * inv * inv;
      }
      if (wr > emptyW) {
        const inv = 1 / (wr + lambda);
        eNum += gr * inv;
        eDen += wr * gr * inv * inv;
      }
      num[b] += eNum - cNum;
      den[b] += eDen - cDen;
      cNum = eNum;
      cDen = eDen;
    }
  }
  let sNum = 0;
  let sDen = 0;
  for (let b = 0; b < nb - 1; b++) {
    sNum += num[b];
    sDen += den[b];
    num[b] = sDen > 0 ? sNum / Math.sqrt(sDen) : 0;
  }
  return num;
}

/** Splits every leaf's rows by (bin > border), stably: leaf j keeps the 0s, leaf j + 2^level gets the 1s. */
function partition(state: GrowerState, binsF: Uint8Array, border: number, level: number): void {
  const { idx, tmp, begin, count } = state;
  const L = 2 ** level;
  for (let j = 0; j < L; j++) {
    const b0 = begin[j];
    const b1 = b0 + count[j];
    let zeros = b0;
    let ones = 0;
    for (let k = b0; k < b1; k++) {
      const i = idx[k];
      if (binsF[i] > border) tmp[ones++] = i;
      else idx[zeros++] = i;
    }
    idx.set(tmp.subarray(0, ones), zeros);
    count[j] = zeros - b0;
    begin[j + L] = zeros;
    count[j + L] = ones;
  }
}
