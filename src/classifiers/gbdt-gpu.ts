/**
 * The GBDT trainer on the GPU: the scheme of the CPU trainer (gbdt.ts — CatBoost's oblivious
 * trees, Cosine score with noise, Bayesian bootstrap, Newton leaves, the same counter-based
 * draws), with every step that touches the rows on the device (shaders/gbdt-train.wgsl):
 *
 *   upload rows → quantise to bins → per tree: derivatives and weights → per level: histograms
 *   of the smaller children (siblings by subtraction), the score of every (feature, border),
 *   the best one, the partition → leaf sums, Newton values, scores.
 *
 * The host computes the borders (GreedyLogSum over each feature's sorted values, as the CPU
 * trainer), records all steps of several trees into one batch, and reads back only the chosen
 * splits and the leaf values, once, at the end. Sums run in float32 in a fixed order, so a run is
 * deterministic on a device; against the CPU trainer (float64) the splits agree wherever no two
 * candidates score within float32 rounding of each other (see test/classifiers/gbdt-gpu.gpu.test.ts).
 *
 * Large feature counts are cut into feature groups, each with its own bins and histograms, so no
 * buffer exceeds the device's binding limit; every group is histogrammed and scored per level and
 * the best split is chosen over all of them.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { ValueError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuContext } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import {
  binWords,
  derivativeGroups,
  leafSumChunks,
  quantizeRows as quantizeOnGpu,
  recordChooseSplit,
  recordDerivatives,
  recordLeaves,
  recordLevel,
  recordPartition,
  TRAIN_BINS,
  trainMaxBorders,
  trainMaxDims,
} from '../ops/gbdt-train.js';
import type { FeatureGroupTensors, TrainShape } from '../ops/gbdt-train.js';
import { gbdtDrawKeys, gbdtStatCount, noiseDecay, resolveGbdtOptions, trainGbdt } from './gbdt.js';
import type { GbdtOptions } from './gbdt.js';
import { greedyLogSumBorders } from './quantize.js';
import { Float32ColumnSorter } from './float-sort.js';
import { bootstrapWeightTable, normalTable } from './random.js';
import { checkTrainingRows } from './rows.js';

/** Trees recorded per submit: bounds the command buffer; progress is reported per submit. */
const TREES_PER_SUBMIT = 10;

/** Why the GPU trainer cannot train this case (then the CPU trainer does), or null. */
export function gpuGbdtUnsupported(classes: number, depth: number): string | null {
  const D = classes === 2 ? 1 : classes;
  if (gbdtStatCount(D) > 8 || D > trainMaxDims()) return `${classes} classes (the GPU trainer holds at most 8)`;
  if (depth > 10) return `depth ${depth} (the GPU trainer's histograms grow as 2^depth; it trains depths up to 10)`;
  return null;
}

/**
 * Row chunks of the histogram kernel: each (feature word, chunk) invocation owns a partial
 * histogram. On a software adapter the invocations of one chunk already outnumber its threads,
 * and every extra chunk costs a pass of zeroing and combining: one chunk. A GPU wants thousands
 * of invocations: as many chunks as keep ≥ 512 rows each and the partial histograms within
 * `budget` bytes.
 */
export function histogramChunks(ctx: GpuContext, n: number, bytesPerChunk: number, budget: number): number {
  if (ctx.isSoftwareAdapter) return 1;
  return Math.max(1, Math.min(Math.ceil(n / 512), 64, Math.floor(budget / bytesPerChunk)));
}

/** The border values of every feature (GreedyLogSum over its values, as the CPU trainer's quantisation). */
export function featureBorders(x: Float32Array, n: number, nFeatures: number, borderCount: number): Float32Array[] {
  const column = new Float32Array(n);
  const sorter = new Float32ColumnSorter();
  const out: Float32Array[] = [];
  for (let f = 0; f < nFeatures; f++) {
    for (let i = 0; i < n; i++) column[i] = x[i * nFeatures + f];
    out.push(greedyLogSumBorders(column, borderCount, sorter));
  }
  return out;
}

interface Groups {
  /** [first feature, feature count] per group. */
  ranges: Array<[number, number]>;
  chunks: number;
}

/**
 * Feature groups (multiples of 4 features) small enough that each group's largest buffer —
 * bins, a level's histograms, the partial histograms — fits `limit` bytes.
 */
function planGroups(ctx: GpuContext, n: number, nFeatures: number, depth: number, sv: number, limit: number): Groups {
  const lastLeaves = 2 ** (depth - 1);
  const histPerFeature = lastLeaves * TRAIN_BINS * sv * 16;
  const partPerFeature = Math.max(1, lastLeaves / 2) * TRAIN_BINS * sv * 16;
  const chunks = histogramChunks(ctx, n, partPerFeature * nFeatures, Math.min(limit, 256 * 2 ** 20));
  const perFeature = Math.max(n, histPerFeature, chunks * partPerFeature, lastLeaves * TRAIN_BINS * 8);
  let groupFeatures = Math.floor(limit / perFeature / 4) * 4;
  if (groupFeatures < 4) throw new ValueError(`the GPU trainer cannot fit 4 features of ${n} rows at depth ${depth} in this device's ${limit}-byte buffers`);
  groupFeatures = Math.min(groupFeatures, Math.ceil(nFeatures / 4) * 4);
  const ranges: Array<[number, number]> = [];
  for (let f0 = 0; f0 < nFeatures; f0 += groupFeatures) ranges.push([f0, Math.min(groupFeatures, nFeatures - f0)]);
  return { ranges, chunks };
}

/** Rows of one quantise dispatch: within the dispatch limit and the upload budget. */
function quantizeSliceRows(ctx: GpuContext, groupFeatures: number, limit: number): number {
  return Math.max(1, Math.min(ctx.device.limits.maxComputeWorkgroupsPerDimension, Math.floor(limit / (4 * groupFeatures))));
}

/**
 * Trains a GBDT on the GPU of `ctx`; same contract and options as `trainGbdt` (gbdt.ts).
 * @throws ValueError for the cases `gpuGbdtUnsupported` names (train those with `trainGbdt`).
 */
export async function trainGbdtGpu(ctx: GpuContext, x: Float32Array, y: ArrayLike<number>, nFeatures: number, options: GbdtOptions = {}): Promise<TreeEnsemble> {
  const opts = resolveGbdtOptions(options);
  const { classes, index: target } = checkTrainingRows(x, y, nFeatures);
  const unsupported = gpuGbdtUnsupported(classes.length, opts.depth);
  if (unsupported) throw new ValueError(`the GPU GBDT trainer does not train ${unsupported}; use trainGbdt`);
  const n = target.length;
  const K = classes.length;
  const D = K === 2 ? 1 : K;
  const S = gbdtStatCount(D);
  const shape: TrainShape = { n, features: nFeatures, dims: D, stats: S, sv: S > 4 ? 2 : 1, implicitLast: D > 1, depth: opts.depth };

  const borders = featureBorders(x, n, nFeatures, opts.borderCount);
  // Every feature constant: no split exists, and the CPU trainer's depth-0 trees are the answer.
  if (borders.every((b) => b.length === 0)) return trainGbdt(x, y, nFeatures, options);
  options.onProgress?.({ stage: 'quantize', done: 1, total: 1 });
  const limit = Math.min(ctx.pool.maxBufferBytes, 512 * 2 ** 20);
  const plan = planGroups(ctx, n, nFeatures, opts.depth, shape.sv, limit);
  const keys = gbdtDrawKeys(opts.seed);
  const owned: GpuTensor[] = [];
  const keep = <T extends GpuTensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  const zeros = (count: number, label: string, dtype: 'f32' | 'u32' = 'f32') =>
    keep(ctx.upload(dtype === 'f32' ? new Float32Array(Math.max(4, count)) : new Uint32Array(Math.max(4, count)), [Math.max(4, count)], label));

  try {
    const leaves = 2 ** opts.depth;
    const t = {
      target: keep(ctx.upload(target, [n], 'gbdt/target')),
      score: zeros(n * D, 'gbdt/score'),
      weightTable: keep(ctx.upload(bootstrapWeightTable(opts.baggingTemperature), [65536], 'gbdt/weights')),
      normalTable: keep(ctx.upload(normalTable(), [65536], 'gbdt/normals')),
      stats: zeros(n * shape.sv * 4, 'gbdt/stats'),
      newton: zeros(n * 2 * D, 'gbdt/newton'),
      leaf: zeros(n, 'gbdt/leaf', 'u32'),
      partialSums: zeros(2 * derivativeGroups(n), 'gbdt/partial-sums'),
      treeSums: zeros(4, 'gbdt/tree-sums'),
      counts: zeros(Math.max(32, leaves), 'gbdt/counts', 'u32'),
      borderScores: zeros(nFeatures * trainMaxBorders(), 'gbdt/border-scores'),
      splits: zeros(2 * opts.iterations * opts.depth, 'gbdt/splits', 'u32'),
      leafValues: zeros(opts.iterations * leaves * D, 'gbdt/leaf-values'),
      leafPart: zeros(leafSumChunks(n) * leaves * 2 * D, 'gbdt/leaf-part'),
    };
    const groups = await uploadGroups(ctx, x, n, nFeatures, borders, plan, opts.depth, shape.sv, limit, keep);

    for (let it0 = 0; it0 < opts.iterations; it0 += TREES_PER_SUBMIT) {
      const batch = ctx.batch(`gbdt trees ${it0}`);
      const it1 = Math.min(opts.iterations, it0 + TREES_PER_SUBMIT);
      for (let it = it0; it < it1; it++) recordTree(batch, shape, groups, plan.chunks, it, opts, keys, t);
      await batch.submit();
      options.onProgress?.({ stage: 'gbdt', done: it1, total: opts.iterations });
    }
    const batch = ctx.batch('gbdt model');
    const splitsRead = batch.readU32(t.splits);
    const valuesRead = batch.read(t.leafValues);
    await batch.submit();
    return assemble(await splitsRead, await valuesRead, borders, classes, nFeatures, D, opts.iterations, opts.depth);
  } finally {
    for (const tensor of owned) tensor.dispose();
  }
}

async function uploadGroups(
  ctx: GpuContext,
  x: Float32Array,
  n: number,
  nFeatures: number,
  borders: readonly Float32Array[],
  plan: Groups,
  depth: number,
  sv: number,
  limit: number,
  keep: <T extends GpuTensor>(t: T) => T,
): Promise<FeatureGroupTensors[]> {
  const maxBorders = trainMaxBorders();
  const lastLeaves = 2 ** (depth - 1);
  const groups: FeatureGroupTensors[] = [];
  for (const [base, features] of plan.ranges) {
    const nb = new Uint32Array(features);
    const bd = new Float32Array(features * maxBorders);
    for (let f = 0; f < features; f++) {
      const b = borders[base + f];
      nb[f] = b.length + 1;
      bd.set(b, f * maxBorders);
    }
    const words = binWords(features);
    const histSize = features * lastLeaves * TRAIN_BINS * sv * 4;
    const group: FeatureGroupTensors = {
      base,
      features,
      nbins: keep(ctx.upload(nb, [features], `gbdt/nbins f${base}`)),
      bins: keep(ctx.tensor([Math.max(4, n * words)], `gbdt/bins f${base}`, 'u32')),
      part: keep(ctx.tensor([plan.chunks * features * Math.max(1, lastLeaves / 2) * TRAIN_BINS * sv * 4], `gbdt/hist-part f${base}`)),
      histA: keep(ctx.tensor([histSize], `gbdt/hist-a f${base}`)),
      histB: keep(ctx.tensor([histSize], `gbdt/hist-b f${base}`)),
      contrib: keep(ctx.tensor([features * lastLeaves * TRAIN_BINS * 2], `gbdt/contrib f${base}`)),
    };
    groups.push(group);
    // The group's columns of the rows, a slice of rows per quantise dispatch; the float rows
    // leave the device once their bins are made.
    const borderTensor = ctx.upload(bd, [features * maxBorders], `gbdt/borders f${base}`);
    const sliceRows = quantizeSliceRows(ctx, features, limit);
    const slices: GpuTensor[] = [borderTensor];
    try {
      const batch = ctx.batch(`gbdt quantize f${base}`);
      for (let r0 = 0; r0 < n; r0 += sliceRows) {
        const rows = Math.min(sliceRows, n - r0);
        const slice = new Float32Array(rows * features);
        for (let r = 0; r < rows; r++) slice.set(x.subarray((r0 + r) * nFeatures + base, (r0 + r) * nFeatures + base + features), r * features);
        const xs = ctx.upload(slice, [rows, features], `gbdt/x rows ${r0}`);
        slices.push(xs);
        quantizeOnGpu(batch, xs, borderTensor, group.nbins, group.bins, r0);
      }
      await batch.submit();
    } finally {
      for (const tensor of slices) tensor.dispose();
    }
  }
  return groups;
}

function recordTree(
  batch: GpuBatch,
  shape: TrainShape,
  groups: readonly FeatureGroupTensors[],
  chunks: number,
  it: number,
  opts: ReturnType<typeof resolveGbdtOptions>,
  keys: { weight: number; noise: number },
  t: Record<'target' | 'score' | 'weightTable' | 'normalTable' | 'stats' | 'newton' | 'leaf' | 'partialSums' | 'treeSums' | 'counts' | 'borderScores' | 'splits' | 'leafValues' | 'leafPart', GpuTensor>,
): void {
  recordDerivatives(batch, shape, it, keys.weight, t);
  const noise = { key: keys.noise, strength: opts.randomStrength * noiseDecay(shape.n, it, opts.learningRate) };
  for (let level = 0; level < shape.depth; level++) {
    for (const g of groups) recordLevel(batch, shape, g, level, it, chunks, noise, t, opts.l2LeafReg);
    recordChooseSplit(batch, shape, it, level, t.borderScores, t.splits);
    recordPartition(batch, shape, groups, it, level, t);
  }
  recordLeaves(batch, shape, it, opts.learningRate, opts.l2LeafReg, t);
}

/** The TreeEnsemble from the device's splits (feature, border index) and leaf values. */
function assemble(splits: Uint32Array, values: Float32Array, borders: readonly Float32Array[], classes: Int32Array | number[], nFeatures: number, D: number, iterations: number, depth: number): TreeEnsemble {
  const splitFeature = new Int32Array(iterations * depth);
  const splitBorder = new Float32Array(iterations * depth);
  const splitOffset = new Uint32Array(iterations + 1);
  const leafOffset = new Uint32Array(iterations + 1);
  for (let it = 0; it < iterations; it++) {
    for (let l = 0; l < depth; l++) {
      const i = it * depth + l;
      const f = splits[2 * i];
      const b = splits[2 * i + 1];
      if (f >= nFeatures || b >= borders[f].length) throw new ValueError(`GPU trainer: tree ${it} level ${l} chose no valid split (feature ${f}, border ${b})`);
      splitFeature[i] = f;
      splitBorder[i] = borders[f][b];
    }
    splitOffset[it + 1] = (it + 1) * depth;
    leafOffset[it + 1] = (it + 1) * 2 ** depth;
  }
  return {
    kind: 'gbdt',
    postprocess: D === 1 ? 'sigmoid' : 'softmax',
    classes: Int32Array.from(classes),
    nFeatures,
    nOutputs: D,
    trees: { layout: 'oblivious', splitOffset, splitFeature, splitBorder },
    leafOffset,
    leafValues: values,
    bias: new Float32Array(D),
  };
}
