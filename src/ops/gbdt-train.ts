/**
 * The GBDT trainer's device steps (shaders/gbdt-train.wgsl), one recording function each. They
 * check what they can see (shapes, limits) and dispatch; the trainer (classifiers/gbdt-gpu.ts)
 * owns the buffers and the order. CPU twins: src/reference/gbdt-train.ts.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuTensor } from '../gpu/tensor.js';

const kernel = (entryPoint: string): KernelSpec => ({ shader: 'gbdt-train', entryPoint, overrides: {} });
const QUANTIZE = kernel('quantize');
const DERIVATIVES = kernel('derivatives');
const FINISH_SUMS = kernel('finish_sums');
const HISTOGRAM = kernel('histogram');
const COMBINE = kernel('combine');
const SCORE_LEAVES = kernel('score_leaves');
const SCORE_BORDERS = kernel('score_borders');
const CHOOSE_SPLIT = kernel('choose_split');
const PARTITION = kernel('partition_rows');
const CLEAR_COUNTS = kernel('clear_counts');
const LEAF_SUMS = kernel('leaf_sums');
const LEAF_VALUES = kernel('leaf_values_step');
const UPDATE_SCORES = kernel('update_scores');

/** Bins per feature in the trainer's layouts (a byte), and the borders row stride. */
export const TRAIN_BINS = 256;
export function trainMaxBorders(): number {
  return shaderConst('gbdt-train', 'MAX_BORDERS');
}
/** Score dimensions the derivative kernel holds in registers (classes for softmax). */
export function trainMaxDims(): number {
  return shaderConst('gbdt-train', 'MAX_DIMS');
}
/** Leaves the partition kernel counts in workgroup memory before adding to the global counts. */
const LOCAL_COUNT_LEAVES = 32;
const ROWS_PER_GROUP = 256;

/** Every member of the shader's `Params`; each step sets the ones it reads. */
export interface TrainParams {
  n: number;
  words: number;
  group_features: number;
  feature_base: number;
  features: number;
  dims: number;
  stats: number;
  sv: number;
  implicit_last: number;
  iteration: number;
  level: number;
  depth: number;
  chunks: number;
  chunk_rows: number;
  weight_key: number;
  noise_key: number;
  noise_strength: number;
  learning_rate: number;
  l2: number;
  row_base: number;
  reduce_groups: number;
}

const ZERO_PARAMS: TrainParams = {
  n: 0,
  words: 0,
  group_features: 0,
  feature_base: 0,
  features: 0,
  dims: 0,
  stats: 0,
  sv: 0,
  implicit_last: 0,
  iteration: 0,
  level: 0,
  depth: 0,
  chunks: 0,
  chunk_rows: 0,
  weight_key: 0,
  noise_key: 0,
  noise_strength: 0,
  learning_rate: 0,
  l2: 0,
  row_base: 0,
  reduce_groups: 0,
};

/** Uniform values: the given members, the rest 0. */
export function trainParams(values: Partial<TrainParams>): Record<string, number> {
  return { ...ZERO_PARAMS, ...values } as unknown as Record<string, number>;
}

function need(cond: boolean, what: string): void {
  if (!cond) throw new ShapeError(`gbdt-train: ${what}`);
}

/** Packed words of bins per row for `features` features (4 per u32). */
export function binWords(features: number): number {
  return Math.ceil(features / 4);
}

/**
 * Bins of rows [rowBase, rowBase + rows) from their float values x [rows, Fg] (row-major), given
 * each feature's ascending borders [Fg, MAX_BORDERS] (first nbins[f] − 1 used) → bins [n, words].
 */
export function quantizeRows(batch: GpuBatch, x: GpuTensor, borders: GpuTensor, nbins: GpuTensor, bins: GpuTensor, rowBase: number): void {
  const [rows, fg] = x.shape;
  const words = binWords(fg);
  need(x.shape.length === 2 && bins.dtype === 'u32' && nbins.dtype === 'u32', 'quantize takes x [rows, F] f32, bins u32, nbins u32');
  need(nbins.size === fg && borders.size === fg * trainMaxBorders(), `borders must be [${fg}, ${trainMaxBorders()}] and nbins [${fg}]`);
  need(bins.size >= (rowBase + rows) * words, `bins hold ${bins.size} words, rows up to ${rowBase + rows} need ${(rowBase + rows) * words}`);
  if (rows > batch.ctx.device.limits.maxComputeWorkgroupsPerDimension) throw new ValueError(`quantize: at most ${batch.ctx.device.limits.maxComputeWorkgroupsPerDimension} rows per call, got ${rows}`);
  if (rows === 0) return;
  batch.dispatch(QUANTIZE, {
    uniforms: trainParams({ words, group_features: fg, row_base: rowBase }),
    bindings: { x, borders, nbins, bins_out: bins },
    workgroups: [Math.ceil(words / 64), rows, 1],
    label: 'gbdt/quantize',
  });
}

/** What the per-tree steps share: sizes and the device buffers of one training run. */
export interface TrainShape {
  n: number;
  features: number;
  dims: number;
  stats: number;
  sv: number;
  implicitLast: boolean;
  depth: number;
}

/** Work groups of the derivative kernel (and the length of its partial sums). */
export function derivativeGroups(n: number): number {
  return Math.ceil(n / ROWS_PER_GROUP);
}

/** Derivatives, split statistics and Newton terms of every row for tree `iteration`; leaves reset; (Σw, Σw·g²) into treeSums. */
export function recordDerivatives(
  batch: GpuBatch,
  s: TrainShape,
  iteration: number,
  weightKey: number,
  t: { target: GpuTensor; score: GpuTensor; weightTable: GpuTensor; stats: GpuTensor; newton: GpuTensor; leaf: GpuTensor; partialSums: GpuTensor; treeSums: GpuTensor },
): void {
  const groups = derivativeGroups(s.n);
  need(t.partialSums.size >= 2 * groups, 'partial sums too short');
  const uniforms = trainParams({ n: s.n, dims: s.dims, stats: s.stats, sv: s.sv, iteration, weight_key: weightKey, reduce_groups: groups });
  batch.dispatch(DERIVATIVES, {
    uniforms,
    bindings: { target_class: t.target, score: t.score, weight_table: t.weightTable, stats_out: t.stats, newton_out: t.newton, leaf_out: t.leaf, partial_sums: t.partialSums },
    workgroups: [groups, 1, 1],
    label: `gbdt/derivatives ${iteration}`,
  });
  batch.dispatch(FINISH_SUMS, { uniforms, bindings: { partial_in: t.partialSums, tree_sums: t.treeSums }, workgroups: [1, 1, 1], label: 'gbdt/sums' });
}

/** One feature group's device buffers. */
export interface FeatureGroupTensors {
  /** First feature of the group and its feature count (a multiple of 4 except for the last group). */
  base: number;
  features: number;
  bins: GpuTensor;
  nbins: GpuTensor;
  part: GpuTensor;
  histA: GpuTensor;
  histB: GpuTensor;
  contrib: GpuTensor;
}

/**
 * One level of the split search for one feature group: partial histograms over `chunks` row
 * chunks, their combination (with the parent level's histograms for the subtraction trick), the
 * leaves' score contributions, and the score of every (feature, border) with its noise.
 * `cur`/`prev` alternate by level.
 */
export function recordLevel(
  batch: GpuBatch,
  s: TrainShape,
  g: FeatureGroupTensors,
  level: number,
  iteration: number,
  chunks: number,
  noise: { key: number; strength: number },
  t: { stats: GpuTensor; leaf: GpuTensor; counts: GpuTensor; treeSums: GpuTensor; normalTable: GpuTensor; borderScores: GpuTensor },
  l2: number,
): void {
  const words = binWords(g.features);
  const chunkRows = Math.ceil(s.n / chunks);
  const L = 2 ** level;
  const LS = Math.max(1, L / 2);
  const [cur, prev] = level % 2 === 0 ? [g.histA, g.histB] : [g.histB, g.histA];
  const uniforms = trainParams({
    n: s.n,
    words,
    group_features: g.features,
    feature_base: g.base,
    features: s.features,
    dims: s.dims,
    stats: s.stats,
    sv: s.sv,
    implicit_last: s.implicitLast ? 1 : 0,
    iteration,
    level,
    depth: s.depth,
    chunks,
    chunk_rows: chunkRows,
    noise_key: noise.key,
    noise_strength: noise.strength,
    l2,
  });
  const tag = `gbdt/${iteration}.${level} f${g.base}`;
  batch.dispatch(HISTOGRAM, {
    uniforms,
    bindings: { bins: g.bins, stats: t.stats, leaf: t.leaf, counts: t.counts, hist_part: g.part },
    workgroups: [Math.ceil(words / 8), chunks, 1],
    label: `${tag}/histogram`,
  });
  batch.dispatch(COMBINE, {
    uniforms,
    bindings: { part_in: g.part, hist_prev: prev, counts_in: t.counts, hist_cur: cur },
    workgroups: [Math.ceil((TRAIN_BINS * s.sv) / 64), LS, g.features],
    label: `${tag}/combine`,
  });
  batch.dispatch(SCORE_LEAVES, {
    uniforms,
    bindings: { hist: cur, group_nbins: g.nbins, sums_in: t.treeSums, contrib: g.contrib },
    workgroups: [Math.ceil(L / 64), g.features, 1],
    label: `${tag}/score-leaves`,
  });
  batch.dispatch(SCORE_BORDERS, {
    uniforms,
    bindings: { contrib_in: g.contrib, border_nbins: g.nbins, normal_table: t.normalTable, noise_sums: t.treeSums, border_scores: t.borderScores },
    workgroups: [Math.ceil(trainMaxBorders() / 64), g.features, 1],
    label: `${tag}/score-borders`,
  });
}

/** The best split of the level over every feature's border scores [F, MAX_BORDERS], into splits[iteration · depth + level]. */
export function recordChooseSplit(batch: GpuBatch, s: TrainShape, iteration: number, level: number, borderScores: GpuTensor, splits: GpuTensor): void {
  need(borderScores.size >= s.features * trainMaxBorders(), 'border scores must be [F, MAX_BORDERS]');
  batch.dispatch(CHOOSE_SPLIT, {
    uniforms: trainParams({ features: s.features, iteration, level, depth: s.depth }),
    bindings: { scores_in: borderScores, splits },
    workgroups: [1, 1, 1],
    label: `gbdt/${iteration}.${level}/choose`,
  });
}

/** Rows move to their child leaf by the level's chosen split; the next level's leaf counts are taken. */
export function recordPartition(batch: GpuBatch, s: TrainShape, groups: readonly FeatureGroupTensors[], iteration: number, level: number, t: { splits: GpuTensor; leaf: GpuTensor; counts: GpuTensor }): void {
  const counted = level + 1 < s.depth;
  if (counted) {
    const leaves = 2 ** (level + 1);
    batch.dispatch(CLEAR_COUNTS, { uniforms: {}, bindings: { leaf_counts: t.counts }, workgroups: [Math.ceil(leaves / LOCAL_COUNT_LEAVES), 1, 1], label: 'gbdt/clear-counts' });
  }
  for (const g of groups) {
    batch.dispatch(PARTITION, {
      uniforms: trainParams({ n: s.n, words: binWords(g.features), group_features: g.features, feature_base: g.base, iteration, level, depth: s.depth }),
      bindings: { part_bins: g.bins, split_in: t.splits, part_leaf: t.leaf, leaf_counts: t.counts },
      workgroups: [Math.ceil(s.n / ROWS_PER_GROUP), 1, 1],
      label: `gbdt/${iteration}.${level}/partition f${g.base}`,
    });
  }
}

/** Row chunks of the leaf sums (each an invocation owning its partial sums). */
export function leafSumChunks(n: number): number {
  return Math.max(1, Math.ceil(n / 2048));
}

/** Newton leaf values of tree `iteration` from the rows' final leaves, then every row's score moves by its leaf. */
export function recordLeaves(
  batch: GpuBatch,
  s: TrainShape,
  iteration: number,
  learningRate: number,
  l2: number,
  t: { newton: GpuTensor; leaf: GpuTensor; leafPart: GpuTensor; treeSums: GpuTensor; leafValues: GpuTensor; score: GpuTensor },
): void {
  const chunks = leafSumChunks(s.n);
  const leaves = 2 ** s.depth;
  need(t.leafPart.size >= chunks * leaves * 2 * s.dims, 'leaf partial sums too short');
  const uniforms = trainParams({ n: s.n, dims: s.dims, depth: s.depth, iteration, chunks, chunk_rows: Math.ceil(s.n / chunks), learning_rate: learningRate, l2 });
  batch.dispatch(LEAF_SUMS, { uniforms, bindings: { newton: t.newton, final_leaf: t.leaf, leaf_part: t.leafPart }, workgroups: [Math.ceil(chunks / 64), 1, 1], label: `gbdt/${iteration}/leaf-sums` });
  batch.dispatch(LEAF_VALUES, { uniforms, bindings: { leaf_part_in: t.leafPart, value_sums: t.treeSums, leaf_values: t.leafValues }, workgroups: [Math.ceil((leaves * s.dims) / 64), 1, 1], label: `gbdt/${iteration}/leaf-values` });
  batch.dispatch(UPDATE_SCORES, { uniforms, bindings: { values_in: t.leafValues, score_leaf: t.leaf, score_out: t.score }, workgroups: [Math.ceil(s.n / ROWS_PER_GROUP), 1, 1], label: `gbdt/${iteration}/scores` });
}
