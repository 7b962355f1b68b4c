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
 * The per-feature work of a level — histograms and scores — is a `FeatureScanner` over a range of
 * features, reading the rows' shared state (`LevelRows`: bins, the partition, statistics, leaf
 * totals) and keeping its own histograms. One scanner over all features is the sequential
 * trainer; several over disjoint ranges, each in a worker over shared memory, the parallel one
 * (gbdt-parallel.ts): each returns its best candidate and the lowest feature wins ties, so both
 * grow the same tree.
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

/**
 * Features histogrammed in one pass over a leaf's rows. Four: the row's index and statistics are
 * loaded once for four histograms (the loop's loads per update fall from 6 to 3 at S = 4), and
 * four histograms' lines still stay in the L1 cache together.
 */
export const FEATURE_BLOCK = 4;

/**
 * The state of the rows during one tree, shared by every feature scan (plain arrays, or views of
 * shared memory in parallel training).
 */
export interface LevelRows {
  n: number;
  nFeatures: number;
  /** [F, n] bins, feature-major (QuantizedRows.bins). */
  bins: Uint8Array;
  /** [F + 1] concatenated-histogram offsets (QuantizedRows.binOffset). */
  binOffset: Uint32Array;
  /** Statistics per row (see the module comment). */
  S: number;
  /** The last derivative dimension is implicit (minus the sum of the stored ones). */
  implicitLast: boolean;
  /** Rows partitioned by leaf: leaf j holds idx[begin[j] .. begin[j] + count[j]). */
  idx: Uint32Array;
  begin: Uint32Array;
  count: Uint32Array;
  /** [n, S] statistics of the current tree. */
  stats: Float64Array;
  /** [2^depth, S] statistic sums of each leaf at the current level. */
  leafTotals: Float64Array;
}

/** Buffers for the rows' state of a tree of `depth` levels over `q` (plain arrays; `make` may allocate shared memory). */
export function levelRows(
  q: QuantizedRows,
  depth: number,
  S: number,
  implicitLast: boolean,
  make: { u32: (n: number) => Uint32Array; f64: (n: number) => Float64Array } = { u32: (k) => new Uint32Array(k), f64: (k) => new Float64Array(k) },
): LevelRows {
  return {
    n: q.n,
    nFeatures: q.nFeatures,
    bins: q.bins,
    binOffset: q.binOffset,
    S,
    implicitLast,
    idx: make.u32(q.n),
    begin: make.u32(2 ** depth),
    count: make.u32(2 ** depth),
    stats: make.f64(q.n * S),
    leafTotals: make.f64(2 ** depth * S),
  };
}

/** The best candidate of a scan: highest score (noise included); feature −1 when none exists. */
export interface BestSplit {
  score: number;
  feature: number;
  border: number;
}

/** Histograms and scores of the features [f0, f1), level by level; see the module comment. */
export class FeatureScanner {
  private readonly subtract: boolean;
  private parent: Float64Array;
  private child: Float64Array;
  private readonly num: Float64Array;
  private readonly den: Float64Array;
  private readonly left: Float64Array;
  /** First concatenated bin of this scanner's features. */
  private readonly binBase: number;

  constructor(
    private readonly rows: LevelRows,
    readonly f0: number,
    readonly f1: number,
    depth: number,
  ) {
    const { binOffset, S } = rows;
    this.binBase = binOffset[f0];
    const B = binOffset[f1] - binOffset[f0];
    let maxBins = 1;
    for (let f = f0; f < f1; f++) maxBins = Math.max(maxBins, binOffset[f + 1] - binOffset[f]);
    const maxLeaves = 2 ** Math.max(0, depth - 1);
    this.subtract = 2 * maxLeaves * B * S * 8 <= SUBTRACTION_BUDGET;
    const histSize = this.subtract ? maxLeaves * B * S : maxLeaves * maxBins * S;
    this.child = new Float64Array(histSize);
    this.parent = new Float64Array(this.subtract ? histSize : 0);
    this.num = new Float64Array(maxBins);
    this.den = new Float64Array(maxBins);
    this.left = new Float64Array(S);
  }

  /**
   * Histograms of level `level` for this scanner's features (the smaller children, siblings by
   * subtraction from the previous level's), the Cosine score of every border plus
   * `noiseScale · noise(level, f, b)`, and the best of them (first maximum in (f, b) order).
   * Needs `rows.leafTotals` of the level; levels must come in order within a tree.
   */
  scan(level: number, lambda: number, noiseScale: number, noise: (level: number, feature: number, border: number) => number): BestSplit {
    const { n, bins, binOffset, S, idx, begin, count, stats } = this.rows;
    const L = 2 ** level;
    const half = L >> 1;
    const D = S - 1;
    if (level > 0 && this.subtract) [this.parent, this.child] = [this.child, this.parent];
    const { parent, child } = this;
    const best: BestSplit = { score: -Infinity, feature: -1, border: -1 };
    const { f0, f1, subtract } = this;
    // Histograms are built FEATURE_BLOCK features at a time (one pass over a leaf's rows feeds
    // them all: the row's index and statistics are loaded once per block, not once per feature);
    // each bin still receives its rows in partition order, so the sums are those of a
    // one-feature-at-a-time pass, bit for bit. The low-memory path reuses one feature's scratch.
    const block = subtract ? FEATURE_BLOCK : 1;
    for (let g0 = f0; g0 < f1; g0 += block) {
      const g1 = Math.min(g0 + block, f1);
      if (level > 0 && subtract) {
        const parentOf = (f: number) => (binOffset[f] - this.binBase) * half * S;
        for (let j = 0; j < half; j++) {
          const j1 = j + half;
          const small = count[j] <= count[j1] ? j : j1;
          const large = small === j ? j1 : j;
          accumulateBlock(child, this.zeroedBlock(g0, g1, L, small), idx, begin[small], begin[small] + count[small], stats, S);
          for (let f = g0; f < g1; f++) {
            const leafStride = (binOffset[f + 1] - binOffset[f]) * S;
            const region = this.regionOf(f, L);
            const sBase = region + small * leafStride;
            const lBase = region + large * leafStride;
            if (count[large] * (S + 2) < leafStride) {
              // Fewer rows than bins: adding the rows is cheaper than subtracting histograms.
              child.fill(0, lBase, lBase + leafStride);
              accumulate(child, lBase, bins.subarray(f * n, (f + 1) * n), idx, begin[large], begin[large] + count[large], stats, S);
            } else {
              const pBase = parentOf(f) + j * leafStride;
              for (let e = 0; e < leafStride; e++) child[lBase + e] = parent[pBase + e] - child[sBase + e];
            }
          }
        }
      } else {
        for (let j = 0; j < L; j++) accumulateBlock(child, this.zeroedBlock(g0, g1, L, j), idx, begin[j], begin[j] + count[j], stats, S);
      }
      for (let f = g0; f < g1; f++) {
        const nb = binOffset[f + 1] - binOffset[f];
        if (nb < 2) continue; // constant feature: nothing to split on
        const score = this.scoreFeature(child, this.regionOf(f, L), L, nb, D, lambda);
        for (let b = 0; b < nb - 1; b++) {
          const s = score[b] + (noiseScale > 0 ? noiseScale * noise(level, f, b) : 0);
          if (s > best.score) {
            best.score = s;
            best.feature = f;
            best.border = b;
          }
        }
      }
    }
    return best;
  }

  /** Features [g0, g1)'s histograms of `leaf` in `child`, zeroed, as one block for `accumulateBlock`. */
  private zeroedBlock(g0: number, g1: number, L: number, leaf: number): BlockRows {
    const { binOffset, bins, n, S } = this.rows;
    const block: BlockRows = { bases: [], bins: [] };
    for (let f = g0; f < g1; f++) {
      const leafStride = (binOffset[f + 1] - binOffset[f]) * S;
      const base = this.regionOf(f, L) + leaf * leafStride;
      this.child.fill(0, base, base + leafStride);
      block.bases.push(base);
      block.bins.push(bins.subarray(f * n, (f + 1) * n));
    }
    return block;
  }

  /** Start of feature f's histograms (all L leaves) in `child`; 0 on the low-memory path's scratch. */
  private regionOf(f: number, L: number): number {
    return this.subtract ? (this.rows.binOffset[f] - this.binBase) * L * this.rows.S : 0;
  }

  /**
   * Cosine score of every border of one feature, over all L leaves at once: for each leaf, the
   * prefix sums over bins give the "≤ border" part, the leaf total minus them the "> border" part.
   * A leaf's contribution only changes at bins holding weight, so each leaf adds the *change* of
   * its contribution at those bins into difference arrays, and one prefix sum per feature turns
   * them into per-border totals: deep leaves (few rows, mostly empty bins) cost one read per bin.
   * ("Holding weight" allows for the rounding residue histogram subtraction leaves in an empty bin.)
   * Returns `num` reused as the score array (valid for b < nb − 1).
   */
  private scoreFeature(hist: Float64Array, region: number, L: number, nb: number, D: number, lambda: number): Float64Array {
    const { num, den, left } = this;
    const { S, leafTotals: totals, implicitLast } = this.rows;
    num.fill(0, 0, nb);
    den.fill(0, 0, nb);
    for (let j = 0; j < L; j++) {
      if (D === 3 && implicitLast) {
        this.addLeafScores4(hist, region + j * nb * 4, j * 4, nb, lambda);
        continue;
      }
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

  /**
   * One leaf's score changes for four classes (S = 4: three stored derivative sums, the fourth
   * implicit, and the weight) — the loop of `scoreFeature` with the statistics in locals instead
   * of the `left` array. The same operations in the same order, so the same numbers.
   */
  private addLeafScores4(hist: Float64Array, base: number, t: number, nb: number, lambda: number): void {
    const { num, den } = this;
    const totals = this.rows.leafTotals;
    const totalW = totals[t + 3];
    if (totalW <= 0) return; // an empty leaf adds nothing to any border
    const emptyW = totalW * 1e-12;
    const t0 = totals[t];
    const t1 = totals[t + 1];
    const t2 = totals[t + 2];
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let wl = 0;
    let cNum = 0;
    let cDen = 0;
    for (let b = 0; b < nb - 1; b++) {
      const o = base + b * 4;
      if (b > 0 && hist[o + 3] <= emptyW) continue;
      l0 += hist[o];
      l1 += hist[o + 1];
      l2 += hist[o + 2];
      const r0 = t0 - l0;
      const r1 = t1 - l1;
      const r2 = t2 - l2;
      const sl = l0 + l1 + l2;
      const sr = r0 + r1 + r2;
      const gl = l0 * l0 + l1 * l1 + l2 * l2 + sl * sl;
      const gr = r0 * r0 + r1 * r1 + r2 * r2 + sr * sr;
      wl += hist[o + 3];
      const wr = totalW - wl;
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

/** The histograms one pass over rows fills: per feature of a block, where its bins start in `hist` and its bin column. */
interface BlockRows {
  bases: number[];
  bins: Uint8Array[];
}

/**
 * `accumulate` for up to FEATURE_BLOCK features in one pass over rows idx[k0..k1): each row's
 * statistics are read once and added into every feature's histogram. Blocks of four with S = 4
 * (four classes) or S = 3 are unrolled; other shapes add feature by feature.
 */
function accumulateBlock(hist: Float64Array, block: BlockRows, idx: Uint32Array, k0: number, k1: number, stats: Float64Array, S: number): void {
  const { bases, bins } = block;
  if (bases.length === 4 && (S === 4 || S === 3)) {
    const [a, b, c, d] = bases;
    const [ba, bb, bc, bd] = bins;
    if (S === 4) {
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const s = i * 4;
        const s0 = stats[s];
        const s1 = stats[s + 1];
        const s2 = stats[s + 2];
        const s3 = stats[s + 3];
        let o = a + ba[i] * 4;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        hist[o + 3] += s3;
        o = b + bb[i] * 4;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        hist[o + 3] += s3;
        o = c + bc[i] * 4;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        hist[o + 3] += s3;
        o = d + bd[i] * 4;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        hist[o + 3] += s3;
      }
    } else {
      for (let k = k0; k < k1; k++) {
        const i = idx[k];
        const s = i * 3;
        const s0 = stats[s];
        const s1 = stats[s + 1];
        const s2 = stats[s + 2];
        let o = a + ba[i] * 3;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        o = b + bb[i] * 3;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        o = c + bc[i] * 3;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
        o = d + bd[i] * 3;
        hist[o] += s0;
        hist[o + 1] += s1;
        hist[o + 2] += s2;
      }
    }
    return;
  }
  for (let g = 0; g < bases.length; g++) accumulate(hist, bases[g], bins[g], idx, k0, k1, stats, S);
}

/** The chosen splits of one tree and the final leaf of every row. */
export interface GrownTree {
  /** Per level: feature index and border index (the split is bin > border). */
  features: number[];
  borders: number[];
  /** [n] leaf index of each row. */
  leafOf: Uint32Array;
}

/** Starts a tree: every row in leaf 0. */
export function startTree(rows: LevelRows): void {
  for (let i = 0; i < rows.n; i++) rows.idx[i] = i;
  rows.begin[0] = 0;
  rows.count[0] = rows.n;
}

/** Sums of the statistics of every leaf's rows into `rows.leafTotals` [L, S]. */
export function leafTotals(rows: LevelRows, L: number): void {
  const { S, idx, begin, count, stats, leafTotals: out } = rows;
  out.fill(0, 0, L * S);
  for (let j = 0; j < L; j++) {
    for (let k = begin[j]; k < begin[j] + count[j]; k++) {
      const s = idx[k] * S;
      for (let d = 0; d < S; d++) out[j * S + d] += stats[s + d];
    }
  }
}

/** Splits every leaf's rows by (bin > border), stably: leaf j keeps the 0s, leaf j + 2^level gets the 1s. */
export function partition(rows: LevelRows, tmp: Uint32Array, feature: number, border: number, level: number): void {
  const { idx, begin, count, n } = rows;
  const binsF = rows.bins.subarray(feature * n, (feature + 1) * n);
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

/** The leaf of every row after `levels` splits. */
export function leavesOfRows(rows: LevelRows, levels: number): Uint32Array {
  const leafOf = new Uint32Array(rows.n);
  for (let j = 0; j < 2 ** levels; j++) {
    for (let k = rows.begin[j]; k < rows.begin[j] + rows.count[j]; k++) leafOf[rows.idx[k]] = j;
  }
  return leafOf;
}

/** The better of two candidates: higher score; on a tie the lower feature (then border), as one sequential scan keeps its first maximum. */
export function betterSplit(a: BestSplit, b: BestSplit): BestSplit {
  if (b.feature < 0) return a;
  if (a.feature < 0 || b.score > a.score || (b.score === a.score && (b.feature < a.feature || (b.feature === a.feature && b.border < a.border)))) return b;
  return a;
}

/**
 * Grows one tree with one scanner over all features (the sequential trainer). `rows.stats` hold
 * the tree's statistics; λ the (weight-scaled) L2 regulariser; `noiseScale` the standard
 * deviation of the normal noise added to every candidate score, `noise(level, feature, border)` a
 * standard-normal draw for that candidate. Stops early (a shallower tree) if no feature has a
 * border left to split on.
 */
export function growObliviousTree(rows: LevelRows, scanner: FeatureScanner, tmp: Uint32Array, depth: number, lambda: number, noiseScale: number, noise: (level: number, feature: number, border: number) => number): GrownTree {
  startTree(rows);
  const features: number[] = [];
  const borders: number[] = [];
  for (let level = 0; level < depth; level++) {
    leafTotals(rows, 2 ** level);
    const best = scanner.scan(level, lambda, noiseScale, noise);
    if (best.feature < 0) break;
    features.push(best.feature);
    borders.push(best.border);
    partition(rows, tmp, best.feature, best.border, level);
  }
  return { features, borders, leafOf: leavesOfRows(rows, features.length) };
}
