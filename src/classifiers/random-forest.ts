/**
 * Random forest as the reference runs it (REFERENCE.md §5.2: scikit-learn's
 * RandomForestClassifier(n_estimators=100, random_state=0)): CART trees on bootstrap samples,
 * Gini impurity, √F candidate features per split, grown until every leaf is pure (or its rows
 * cannot be told apart), min_samples_leaf 1. Leaves hold the (bootstrap-weighted) class
 * fractions; predict_proba is their mean over trees.
 *
 * Splits are exact, as in CART: every boundary between two distinct values of a candidate
 * feature in the node is tried. To find them fast, each feature's values are replaced once by
 * their rank among the feature's distinct values; a node then sorts (rank, position) keys packed
 * into one float64 (a native numeric sort), and the threshold is a float32 strictly between the
 * two neighbouring distinct values, so `x <= threshold` sends exactly the left rows left.
 *
 * Like scikit-learn, a bootstrap sample is represented by its distinct rows with integer weights
 * (how often each was drawn); a feature that is constant within a node does not count towards
 * the √F candidates, and drawing continues until √F non-constant ones were tried or none is left.
 * Each tree has its own random stream derived from (seed, tree index), so trees can be grown in
 * any order (or in parallel) with the same result.
 */
import { ValueError } from '../errors.js';
import { Float32ColumnSorter } from './float-sort.js';
import type { NodeTrees, TreeEnsemble } from '../core/tree-ensemble.js';
import { borderBetween } from './quantize.js';
import { deriveSeed, Rng } from './random.js';
import { checkTrainingRows } from './rows.js';
import type { TrainProgress } from './rows.js';

export interface RandomForestOptions {
  /** Number of trees. Default 100. */
  nEstimators?: number;
  /** Seed of the bootstrap and feature draws. Default 0 (the reference's random_state). */
  seed?: number;
  /** Candidate features per split: 'sqrt' (default, floor(√F) but at least 1), 'all', or a count. */
  maxFeatures?: 'sqrt' | 'all' | number;
  /** Called after every tree. */
  onProgress?: (progress: TrainProgress) => void;
}

/** Per-feature ranks of a training table: what every tree of a forest shares. */
export interface RankedRows {
  n: number;
  nFeatures: number;
  /** [F, n]: rank of row i's value among feature f's distinct values (ascending). */
  rank: Uint32Array;
  /** Distinct values of each feature, ascending. */
  values: Float32Array[];
  /** Class index per row. */
  target: Uint32Array;
  nClasses: number;
}

/**
 * Ranks every feature's values (NaN is refused: scikit-learn 1.2 refuses it too). `make` may put
 * the ranks and the distinct values (one flat array, each feature's a view of it) in shared memory.
 */
export function rankRows(
  x: Float32Array,
  target: Uint32Array,
  nFeatures: number,
  nClasses: number,
  make: { u32: (n: number) => Uint32Array; f32: (n: number) => Float32Array } = { u32: (k) => new Uint32Array(k), f32: (k) => new Float32Array(k) },
): RankedRows {
  const n = target.length;
  const rank = make.u32(n * nFeatures);
  const flat = make.f32(n * nFeatures);
  const values: Float32Array[] = [];
  let at = 0;
  const column = new Float32Array(n);
  const sorter = new Float32ColumnSorter();
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < n; i++) {
      const v = x[i * nFeatures + f];
      if (Number.isNaN(v)) throw new ValueError(`random forest: training feature ${f} of row ${i} is NaN`);
      column[i] = v;
    }
    // Rows in value order (a radix sort; equal values in row order). −0 and +0 share a rank.
    const { values: sortedValues, order } = sorter.sort(column);
    const distinct: number[] = [];
    const r = rank.subarray(f * n, (f + 1) * n);
    for (let k = 0; k < n; k++) {
      const v = sortedValues[k];
      if (k === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
      r[order[k]] = distinct.length - 1;
    }
    flat.set(distinct, at);
    values.push(flat.subarray(at, at + distinct.length));
    at += distinct.length;
  }
  return { n, nFeatures, rank, values, target, nClasses };
}

/** One grown tree in the `nodes` layout, with local indices, before concatenation. */
export interface GrownNodeTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** [leaves, K] class fractions. */
  leafValues: number[];
}

/** Scratch buffers reused by every tree of one training run. */
export interface Scratch {
  weight: Uint32Array;
  rows: Uint32Array;
  keys: Float64Array;
  tmp: Uint32Array;
  features: Uint32Array;
  classW: Float64Array;
  leftW: Float64Array;
}

/** Scratch buffers for growing trees on `data` (one set per thread). */
export function scratchFor(data: RankedRows): Scratch {
  return {
    weight: new Uint32Array(data.n),
    rows: new Uint32Array(data.n),
    keys: new Float64Array(data.n),
    tmp: new Uint32Array(data.n),
    features: new Uint32Array(data.nFeatures),
    classW: new Float64Array(data.nClasses),
    leftW: new Float64Array(data.nClasses),
  };
}

/** The forest options with their defaults, validated. */
export function resolveForestOptions(options: RandomForestOptions, nFeatures: number): { nEstimators: number; seed: number; mtry: number } {
  const nEstimators = options.nEstimators ?? 100;
  if (!Number.isInteger(nEstimators) || nEstimators < 1) throw new ValueError(`random forest option nEstimators must be a positive integer, got ${nEstimators}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ValueError(`random forest option seed must be an integer, got ${seed}`);
  return { nEstimators, seed, mtry: candidateCount(options.maxFeatures, nFeatures) };
}

/** Resolves the `maxFeatures` option to a count in [1, F]. */
export function candidateCount(maxFeatures: RandomForestOptions['maxFeatures'], F: number): number {
  if (maxFeatures === undefined || maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(F)));
  if (maxFeatures === 'all') return F;
  if (Number.isInteger(maxFeatures) && maxFeatures >= 1) return Math.min(F, maxFeatures);
  throw new ValueError(`random forest option maxFeatures must be 'sqrt', 'all' or a positive integer, got ${maxFeatures}`);
}

interface BestSplit {
  score: number;
  feature: number;
  /** Largest rank that goes left. */
  rankLeft: number;
  threshold: number;
}

/**
 * Grows tree `treeIndex` of a forest seeded with `seed`. Deterministic in (data, seed, treeIndex,
 * mtry) alone.
 */
export function growRandomTree(data: RankedRows, seed: number, treeIndex: number, mtry: number, scratch: Scratch = scratchFor(data)): GrownNodeTree {
  const { n, nFeatures: F, rank, target, nClasses: K } = data;
  const rng = new Rng(deriveSeed(seed, treeIndex));
  const { weight, rows, tmp, features, classW } = scratch;

  // Bootstrap: n draws with replacement, kept as distinct rows with multiplicities.
  weight.fill(0);
  for (let d = 0; d < n; d++) weight[rng.int(n)]++;
  let m = 0;
  for (let i = 0; i < n; i++) if (weight[i] > 0) rows[m++] = i;
  for (let f = 0; f < F; f++) features[f] = f;

  const tree: GrownNodeTree = { feature: [], threshold: [], left: [], right: [], leafValues: [] };
  // Depth-first; a node gets its index when it is split, so children always follow parents.
  const stack: Array<{ start: number; end: number; parent: number; side: 0 | 1 }> = [{ start: 0, end: m, parent: -1, side: 0 }];
  const link = (parent: number, side: 0 | 1, child: number) => {
    if (parent < 0) return;
    if (side === 0) tree.left[parent] = child;
    else tree.right[parent] = child;
  };

  while (stack.length > 0) {
    const { start, end, parent, side } = stack.pop()!;
    classW.fill(0);
    let total = 0;
    for (let k = start; k < end; k++) {
      const i = rows[k];
      classW[target[i]] += weight[i];
      total += weight[i];
    }
    let classesPresent = 0;
    for (let c = 0; c < K; c++) if (classW[c] > 0) classesPresent++;
    const best = classesPresent > 1 && end - start > 1 ? findSplit(data, scratch, start, end, total, mtry, rng) : null;
    if (!best) {
      const leaf = tree.leafValues.length / K;
      for (let c = 0; c < K; c++) tree.leafValues.push(classW[c] / total);
      link(parent, side, ~leaf);
      continue;
    }
    const id = tree.feature.length;
    tree.feature.push(best.feature);
    tree.threshold.push(best.threshold);
    tree.left.push(0);
    tree.right.push(0);
    link(parent, side, id);
    // Partition rows: rank ≤ rankLeft go left (order within each side kept).
    const r = rank.subarray(best.feature * n, (best.feature + 1) * n);
    let l = start;
    let t = 0;
    for (let k = start; k < end; k++) {
      const i = rows[k];
      if (r[i] <= best.rankLeft) rows[l++] = i;
      else tmp[t++] = i;
    }
    rows.set(tmp.subarray(0, t), l);
    stack.push({ start: l, end, parent: id, side: 1 });
    stack.push({ start, end: l, parent: id, side: 0 });
  }
  return tree;
}

/**
 * Best Gini split of rows[start..end) over randomly drawn candidate features, or null when every
 * feature is constant there. Gini is minimised through its proxy Σ_c L_c²/W_L + Σ_c R_c²/W_R
 * (larger is better); ties keep the first split found.
 */
function findSplit(data: RankedRows, scratch: Scratch, start: number, end: number, total: number, mtry: number, rng: Rng): BestSplit | null {
  const { n, nFeatures: F, rank, values, target, nClasses: K } = data;
  const { weight, rows, keys, features, classW, leftW } = scratch;
  const m = end - start;
  let best: BestSplit | null = null;
  let tried = 0;
  let sumSqTotal = 0;
  for (let c = 0; c < K; c++) sumSqTotal += classW[c] * classW[c];
  // Fisher–Yates on the fly: features[0..drawn) are the ones drawn so far.
  for (let drawn = 0; drawn < F && tried < mtry; drawn++) {
    const pick = drawn + rng.int(F - drawn);
    const f = features[pick];
    features[pick] = features[drawn];
    features[drawn] = f;
    const r = rank.subarray(f * n, (f + 1) * n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = start; k < end; k++) {
      const v = r[rows[k]];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === hi) continue; // constant here: does not count as a candidate
    tried++;
    // (rank, position) packed into one float64 so a native sort orders the rows by value.
    for (let k = 0; k < m; k++) keys[k] = r[rows[start + k]] * m + k;
    const sorted = keys.subarray(0, m).sort();
    leftW.fill(0);
    let wl = 0;
    let sqL = 0;
    let sqR = sumSqTotal;
    let prevRank = -1;
    for (let k = 0; k < m; k++) {
      const key = sorted[k];
      const pos = key % m;
      const rk = (key - pos) / m;
      if (k > 0 && rk !== prevRank) {
        const wr = total - wl;
        const score = sqL / wl + sqR / wr;
        if (best === null || score > best.score) {
          best = { score, feature: f, rankLeft: prevRank, threshold: 0 };
        }
      }
      const i = rows[start + pos];
      const w = weight[i];
      const c = target[i];
      const lOld = leftW[c];
      const rOld = classW[c] - lOld;
      leftW[c] = lOld + w;
      sqL += 2 * lOld * w + w * w;
      sqR += -2 * rOld * w + w * w;
      wl += w;
      prevRank = rk;
    }
  }
  if (best) {
    const v = values[best.feature];
    best.threshold = borderBetween(v[best.rankLeft], v[best.rankLeft + 1]);
  }
  return best;
}

/** Concatenates grown trees into the shared ensemble representation. */
export function assembleForest(trees: readonly GrownNodeTree[], classes: Int32Array, nFeatures: number): TreeEnsemble {
  const K = classes.length;
  const T = trees.length;
  const nodeOffset = new Uint32Array(T + 1);
  const leafOffset = new Uint32Array(T + 1);
  trees.forEach((t, i) => {
    nodeOffset[i + 1] = nodeOffset[i] + t.feature.length;
    leafOffset[i + 1] = leafOffset[i] + t.leafValues.length / K;
  });
  const N = nodeOffset[T];
  const nodes: NodeTrees = {
    layout: 'nodes',
    nodeOffset,
    feature: new Int32Array(N),
    threshold: new Float32Array(N),
    left: new Int32Array(N),
    right: new Int32Array(N),
  };
  const leafValues = new Float32Array(leafOffset[T] * K);
  trees.forEach((t, i) => {
    const o = nodeOffset[i];
    nodes.feature.set(t.feature, o);
    nodes.threshold.set(t.threshold, o);
    nodes.left.set(t.left, o);
    nodes.right.set(t.right, o);
    leafValues.set(t.leafValues, leafOffset[i] * K);
  });
  return {
    kind: 'rf',
    postprocess: 'average',
    classes,
    nFeatures,
    nOutputs: K,
    trees: nodes,
    leafOffset,
    leafValues,
    bias: new Float32Array(K),
  };
}

/**
 * Trains a random forest.
 * @param x training features, row-major [n, F] float32 (no NaN).
 * @param y class value of each row (at least two distinct).
 * @returns an `rf` TreeEnsemble (postprocess `average`, leaf values = class fractions).
 */
export function trainRandomForest(x: Float32Array, y: ArrayLike<number>, nFeatures: number, options: RandomForestOptions = {}): TreeEnsemble {
  const { nEstimators, seed, mtry } = resolveForestOptions(options, nFeatures);
  const { classes, index } = checkTrainingRows(x, y, nFeatures);
  const data = rankRows(x, index, nFeatures, classes.length);
  const scratch = scratchFor(data);
  const trees: GrownNodeTree[] = [];
  for (let t = 0; t < nEstimators; t++) {
    trees.push(growRandomTree(data, seed, t, mtry, scratch));
    options.onProgress?.({ stage: 'random-forest', done: t + 1, total: nEstimators });
  }
  return assembleForest(trees, classes, nFeatures);
}
