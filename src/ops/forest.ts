/**
 * Tree-ensemble evaluation on the GPU; see shaders/forest.wgsl and shaders/forest-finalize.wgsl.
 *
 * `uploadForest` copies a model's arrays to the GPU once (a `GpuForest`, disposable);
 * `predictForest` records, into a batch, the evaluation of every pixel of a planar feature
 * tensor [F, ...spatial] — straight from the extractors, no transpose, no readback — into class
 * probabilities [K, ...spatial] and optionally labels. Trees whose arrays would exceed one
 * storage binding are split into chunks evaluated by successive dispatches that keep adding to
 * the same sums, so results do not depend on the chunking.
 */
import { BufferTooLargeError, DisposedError, ShapeError } from '../errors.js';
import { maxTreeDepth, treeCount, validateForest } from '../core/tree-ensemble.js';
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import type { GpuBatch } from '../gpu/batch.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuContext, KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';

/** Outputs summed in registers per dispatch (`OUT_BLOCK` in shaders/forest.wgsl). */
export function forestOutBlock(): number {
  return shaderConst('forest', 'OUT_BLOCK');
}

// Tree walks are long per invocation: smaller workgroups keep more of them in flight.
const WG_TREES = { WG_X: 64 } as const;
const WG_FINAL = { WG_X: 256 } as const;

const spec = (shader: 'forest' | 'forest-finalize', entryPoint: string, overrides: Readonly<Record<string, number>>): KernelSpec => ({
  shader,
  entryPoint,
  overrides,
});
const ACCUMULATE = { oblivious: spec('forest', 'accumulate_oblivious', WG_TREES), nodes: spec('forest', 'accumulate_nodes', WG_TREES) };
const LEAVES = { oblivious: spec('forest', 'leaves_oblivious', WG_TREES), nodes: spec('forest', 'leaves_nodes', WG_TREES) };
const FINALIZE = spec('forest-finalize', 'finalize', WG_FINAL);
const FINALIZE_LABELS = spec('forest-finalize', 'finalize_labels', WG_FINAL);
const MODE = { softmax: 0, sigmoid: 1, average: 2 } as const;

/** Trees [treeBegin, treeBegin + treeCount) of a model, in GPU buffers no larger than one binding. */
export interface ForestChunk {
  readonly treeBegin: number;
  readonly treeCount: number;
  /** Deepest tree of the chunk: bounds node walks. */
  readonly maxDepth: number;
  /** u32 [treeCount + 1, 2]: (first node, first leaf) of each tree within the chunk. */
  readonly treeOffsets: GpuTensor;
  /** u32 [nodes, 4]: (feature, border/threshold bits, left, right). */
  readonly nodes: GpuTensor;
  /** f32 [leaves · leafStride(nOutputs) · 4]: each leaf's outputs zero-padded to whole vec4s. */
  readonly leafValues: GpuTensor;
}

/** A model's arrays on the GPU. Create with `uploadForest`; the creator disposes it. */
export class GpuForest {
  private isDisposed = false;

  constructor(
    private readonly source: TreeEnsemble,
    private readonly parts: readonly ForestChunk[],
    private readonly classTensor: GpuTensor,
    private readonly biasTensor: GpuTensor,
  ) {}

  get model(): TreeEnsemble {
    this.check();
    return this.source;
  }
  get chunks(): readonly ForestChunk[] {
    this.check();
    return this.parts;
  }
  /** i32 [K] class values. */
  get classes(): GpuTensor {
    this.check();
    return this.classTensor;
  }
  /** f32 [nOutputs] starting scores. */
  get bias(): GpuTensor {
    this.check();
    return this.biasTensor;
  }
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Returns every buffer to the pool. Idempotent; later use throws DisposedError. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const c of this.parts) {
      c.treeOffsets.dispose();
      c.nodes.dispose();
      c.leafValues.dispose();
    }
    this.classTensor.dispose();
    this.biasTensor.dispose();
  }

  private check(): void {
    if (this.isDisposed) throw new DisposedError('this GpuForest was used after dispose()');
  }
}

export interface UploadForestOptions {
  /**
   * Largest buffer per chunk, in bytes (default: what the device can bind). Tests lower it to
   * force several chunks.
   */
  maxBindingBytes?: number;
  label?: string;
}

/** Per tree: (nodes or splits, leaves). */
function treeSizes(model: TreeEnsemble): { nodes: Uint32Array; leaves: Uint32Array } {
  const T = treeCount(model);
  const nodes = new Uint32Array(T);
  const leaves = new Uint32Array(T);
  const offsets = model.trees.layout === 'oblivious' ? model.trees.splitOffset : model.trees.nodeOffset;
  for (let t = 0; t < T; t++) {
    nodes[t] = offsets[t + 1] - offsets[t];
    leaves[t] = model.leafOffset[t + 1] - model.leafOffset[t];
  }
  return { nodes, leaves };
}

/** Vec4s per leaf in the GPU's leaf values: the outputs zero-padded to a multiple of 4. */
export function leafStride(nOutputs: number): number {
  return Math.ceil(nOutputs / 4);
}

/** Leaf values [leaves, D] → [leaves, leafStride(D) · 4], each leaf's outputs zero-padded. */
export function padLeafValues(values: Float32Array, leaves: number, D: number): Float32Array {
  const stride = leafStride(D) * 4;
  if (stride === D) return values;
  const out = new Float32Array(leaves * stride);
  for (let l = 0; l < leaves; l++) out.set(values.subarray(l * D, (l + 1) * D), l * stride);
  return out;
}

/** Groups consecutive trees so that no chunk buffer exceeds `limit` bytes. */
function planChunks(model: TreeEnsemble, limit: number): Array<[number, number]> {
  const { nodes, leaves } = treeSizes(model);
  const D = leafStride(model.nOutputs) * 4;
  const chunks: Array<[number, number]> = [];
  let begin = 0;
  let nodeBytes = 0;
  let leafBytes = 0;
  for (let t = 0; t < nodes.length; t++) {
    const nb = nodes[t] * 16;
    const lb = leaves[t] * D * 4;
    const offsetBytes = (t - begin + 2) * 8;
    if (nb > limit || lb > limit || 16 > limit) {
      throw new BufferTooLargeError(`tree ${t} needs ${Math.max(nb, lb)} bytes in one buffer, but a binding holds at most ${limit}`);
    }
    if (t > begin && (nodeBytes + nb > limit || leafBytes + lb > limit || offsetBytes > limit)) {
      chunks.push([begin, t]);
      begin = t;
      nodeBytes = 0;
      leafBytes = 0;
    }
    nodeBytes += nb;
    leafBytes += lb;
  }
  chunks.push([begin, nodes.length]);
  return chunks;
}

/**
 * Uploads a (validated) model: node records, tree offsets and leaf values per chunk, class values
 * and bias. One upload serves any number of `predictForest` calls.
 */
export function uploadForest(ctx: GpuContext, model: TreeEnsemble, options: UploadForestOptions = {}): GpuForest {
  validateForest(model);
  const label = options.label ?? `forest(${model.kind})`;
  const limit = Math.min(options.maxBindingBytes ?? Infinity, ctx.pool.maxBufferBytes);
  const trees = model.trees;
  const D = model.nOutputs;
  const depths = (() => {
    const T = treeCount(model);
    const out = new Uint32Array(T);
    if (trees.layout === 'oblivious') for (let t = 0; t < T; t++) out[t] = trees.splitOffset[t + 1] - trees.splitOffset[t];
    return out;
  })();
  const nodeMaxDepth = trees.layout === 'nodes' ? maxTreeDepth(model) : 0;
  const chunks: ForestChunk[] = [];
  const made: GpuTensor[] = [];
  try {
    for (const [t0, t1] of planChunks(model, limit)) {
      const offsets = trees.layout === 'oblivious' ? trees.splitOffset : trees.nodeOffset;
      const n0 = offsets[t0];
      const n1 = offsets[t1];
      const l0 = model.leafOffset[t0];
      const l1 = model.leafOffset[t1];
      const treeOffsets = new Uint32Array((t1 - t0 + 1) * 2);
      for (let t = t0; t <= t1; t++) {
        treeOffsets[(t - t0) * 2] = offsets[t] - n0;
        treeOffsets[(t - t0) * 2 + 1] = model.leafOffset[t] - l0;
      }
      // One 16-byte record per node (at least one, so the binding is never empty).
      const records = new ArrayBuffer(Math.max(1, n1 - n0) * 16);
      const u = new Uint32Array(records);
      const i = new Int32Array(records);
      const f = new Float32Array(records);
      for (let s = n0; s < n1; s++) {
        const r = (s - n0) * 4;
        if (trees.layout === 'oblivious') {
          u[r] = trees.splitFeature[s];
          f[r + 1] = trees.splitBorder[s];
        } else {
          u[r] = trees.feature[s];
          f[r + 1] = trees.threshold[s];
          i[r + 2] = trees.left[s];
          i[r + 3] = trees.right[s];
        }
      }
      let maxDepth = nodeMaxDepth;
      if (trees.layout === 'oblivious') for (let t = t0; t < t1; t++) maxDepth = Math.max(maxDepth, depths[t]);
      const chunkLabel = `${label}/trees ${t0}-${t1 - 1}`;
      const offsetsTensor = ctx.upload(treeOffsets, [t1 - t0 + 1, 2], `${chunkLabel}/offsets`);
      made.push(offsetsTensor);
      const nodesTensor = ctx.upload(u, [u.length / 4, 4], `${chunkLabel}/nodes`);
      made.push(nodesTensor);
      const padded = padLeafValues(model.leafValues.subarray(l0 * D, l1 * D), l1 - l0, D);
      const leafTensor = ctx.upload(padded, [padded.length], `${chunkLabel}/leaf-values`);
      made.push(leafTensor);
      chunks.push({ treeBegin: t0, treeCount: t1 - t0, maxDepth, treeOffsets: offsetsTensor, nodes: nodesTensor, leafValues: leafTensor });
    }
    const classes = ctx.upload(model.classes, [model.classes.length], `${label}/classes`);
    made.push(classes);
    const bias = ctx.upload(model.bias, [D], `${label}/bias`);
    made.push(bias);
    return new GpuForest(model, chunks, classes, bias);
  } catch (error) {
    for (const t of made) t.dispose();
    throw error;
  }
}

function pixelGrid(batch: GpuBatch, n: number, wg: number): { rowGroups: number; workgroups: [number, number, number] } {
  const maxGroups = batch.ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const groups = Math.ceil(n / wg);
  const rowGroups = Math.max(1, Math.min(groups, maxGroups));
  return { rowGroups, workgroups: [rowGroups, Math.ceil(groups / rowGroups), 1] };
}

function checkFeatures(forest: GpuForest, features: GpuTensor, op: string): { spatial: number[]; n: number } {
  const model = forest.model;
  if (features.dtype !== 'f32') throw new ShapeError(`${op}: features "${features.label}" must be f32, got ${features.dtype}`);
  if (features.shape.length < 2) throw new ShapeError(`${op}: features "${features.label}" must be [F, ...spatial], got [${features.shape.join(',')}]`);
  if (features.shape[0] !== model.nFeatures) {
    throw new ShapeError(`${op}: the model was trained on ${model.nFeatures} features but "${features.label}" has ${features.shape[0]} (shape [${features.shape.join(',')}])`);
  }
  const spatial = features.shape.slice(1);
  return { spatial, n: spatial.reduce((a, b) => a * b, 1) };
}

function treeUniforms(n: number, chunk: ForestChunk, rowGroups: number, D: number) {
  return {
    n_pixels: n,
    feature_offset: 0,
    feature_stride: n,
    tree_count: chunk.treeCount,
    n_outputs: D,
    out_begin: 0,
    out_count: 0,
    first_chunk: 0,
    max_depth: chunk.maxDepth,
    row_groups: rowGroups,
    leaves_offset: 0,
    leaf_stride: leafStride(D),
  };
}

export interface PredictForestOptions {
  /** Also produce labels (u32 [...spatial], the class *values*, e.g. 1, 49, 67, 91). */
  labels?: boolean;
  label?: string;
}

export interface ForestOutput {
  /** f32 [K, ...spatial]: class probabilities, classes in `model.classes` order. */
  probas: GpuTensor;
  /** u32 [...spatial]: predicted class value per pixel (when requested). */
  labels?: GpuTensor;
}

/**
 * Records the evaluation of `forest` on every pixel of `features` (planar f32 [F, ...spatial],
 * F = the model's feature count): probabilities [K, ...spatial] — softmax (GBDT MultiClass),
 * [1 − p, p] (GBDT Logloss) or the mean of the trees' class fractions (random forest) — and,
 * with `labels: true`, the argmax class value per pixel. The caller disposes the outputs.
 * @throws ShapeError when the feature tensor does not match the model.
 */
export function predictForest(batch: GpuBatch, forest: GpuForest, features: GpuTensor, options: PredictForestOptions = {}): ForestOutput {
  const { spatial, n } = checkFeatures(forest, features, 'predictForest');
  const model = forest.model;
  const K = model.classes.length;
  const D = model.nOutputs;
  const label = options.label ?? `${features.label}/forest`;
  const probas = batch.tensor([K, ...spatial], `${label}/probas`);
  const labels = options.labels ? batch.tensor(spatial, `${label}/labels`, 'u32') : undefined;
  // An oblivious-tree invocation evaluates OBLIVIOUS_PIXELS pixels (see the shader).
  const perInvocation = model.trees.layout === 'oblivious' ? shaderConst('forest', 'OBLIVIOUS_PIXELS') : 1;
  const grid = pixelGrid(batch, n, WG_TREES.WG_X * perInvocation);
  const accumulate = ACCUMULATE[model.trees.layout];
  const outBlock = forestOutBlock();
  for (let out = 0; out < D; out += outBlock) {
    forest.chunks.forEach((chunk, c) => {
      batch.dispatch(accumulate, {
        uniforms: { ...treeUniforms(n, chunk, grid.rowGroups, D), out_begin: out, out_count: Math.min(outBlock, D - out), first_chunk: c === 0 ? 1 : 0 },
        bindings: { features, tree_offsets: chunk.treeOffsets, nodes: chunk.nodes, leaf_values: chunk.leafValues, bias: forest.bias, raw: probas },
        workgroups: grid.workgroups,
        label: `${label} trees ${chunk.treeBegin}+${chunk.treeCount} outputs ${out}+`,
      });
    });
  }
  const final = pixelGrid(batch, n, WG_FINAL.WG_X);
  const uniforms = { n_pixels: n, n_classes: K, mode: MODE[model.postprocess], tree_count: treeCount(model), row_groups: final.rowGroups };
  if (labels) {
    batch.dispatch(FINALIZE_LABELS, { uniforms, bindings: { probas, classes: forest.classes, labels }, workgroups: final.workgroups, label: `${label} finalize` });
  } else {
    batch.dispatch(FINALIZE, { uniforms, bindings: { probas }, workgroups: final.workgroups, label: `${label} finalize` });
  }
  return labels ? { probas, labels } : { probas };
}

/**
 * Records the leaf each tree chooses for each pixel: u32 [T, ...spatial], tree-local leaf
 * indices (as `forestLeavesCpu`). For tests and debugging: it costs T values per pixel.
 */
export function forestLeaves(batch: GpuBatch, forest: GpuForest, features: GpuTensor, label = `${features.label}/forest-leaves`): GpuTensor {
  const { spatial, n } = checkFeatures(forest, features, 'forestLeaves');
  const model = forest.model;
  const out = batch.tensor([treeCount(model), ...spatial], label, 'u32');
  const grid = pixelGrid(batch, n, WG_TREES.WG_X);
  for (const chunk of forest.chunks) {
    batch.dispatch(LEAVES[model.trees.layout], {
      uniforms: { ...treeUniforms(n, chunk, grid.rowGroups, model.nOutputs), leaves_offset: chunk.treeBegin * n },
      bindings: { features, tree_offsets: chunk.treeOffsets, nodes: chunk.nodes, leaves: out },
      workgroups: grid.workgroups,
      label: `${label} trees ${chunk.treeBegin}+${chunk.treeCount}`,
    });
  }
  return out;
}
