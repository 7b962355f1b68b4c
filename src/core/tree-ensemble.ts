/**
 * The one tree-ensemble representation: a structure of typed arrays that the CPU reference
 * evaluator (src/reference/forest.ts), the WGSL evaluator (shaders/forest.wgsl, uploaded by
 * src/ops/forest.ts) and the safetensors format (./serialize.ts) all read the same way.
 *
 * Two tree layouts, one per ensemble:
 * - `oblivious` (GBDT, CatBoost's symmetric trees): tree t has depth d_t and d_t splits
 *   (feature, border); split i sets bit i of the leaf index when `x[feature] > border`
 *   (CatBoost's convention), so the leaf is Σ_i (x[f_i] > b_i) << i, one of 2^d_t leaves.
 * - `nodes` (random forest, sklearn's CART trees): internal nodes with (feature, threshold,
 *   left, right); a sample goes left when `x[feature] <= threshold` (sklearn's convention).
 *   Child indices are local to their tree: c ≥ 0 is internal node c of the same tree, c < 0 is
 *   leaf ~c (= −c − 1) of that tree. A tree's root is its internal node 0, or its leaf 0 when it
 *   has no internal node (a pure bootstrap sample). Children always have larger indices than
 *   their parent, which makes every tree acyclic by construction (and cheap to validate).
 *
 * Leaf values: `leafValues[(leafOffset[t] + leaf) · nOutputs + k]`. Scores are summed over trees
 * in tree order, starting from `bias`, in float32, then post-processed:
 * - `softmax` (GBDT MultiClass): nOutputs = K; p = softmax(raw).
 * - `sigmoid` (GBDT Logloss, two classes): nOutputs = 1; p1 = 1/(1+exp(−raw)), p = [1 − p1, p1].
 * - `average` (random forest): nOutputs = K; p = raw / T (leaf values are class fractions).
 * The predicted label is the class whose raw score is largest (ties → the first class; for
 * `sigmoid`, class 1 iff raw > 0): the same order as the probabilities, but decided on the
 * bit-identical raw sums so the CPU and GPU never disagree on a label.
 */
import { ModelFormatError } from '../errors.js';

/** Version of the array layout; stored in the safetensors metadata and checked on load. */
export const FOREST_FORMAT_VERSION = 1;

/** Deepest oblivious tree accepted (CatBoost's limit too): 2^16 leaves per tree. */
export const MAX_OBLIVIOUS_DEPTH = 16;

/** How an ensemble was trained: gradient-boosted oblivious trees (`gbdt`) or a random forest (`rf`). */
export type ForestKind = 'gbdt' | 'rf';
/** How summed leaf values become probabilities: softmax over classes (GBDT, K > 2), sigmoid (GBDT, 2 classes), or the mean of per-tree class fractions (RF). */
export type Postprocess = 'softmax' | 'sigmoid' | 'average';

/** Symmetric (oblivious) trees in their compact form. */
export interface ObliviousTrees {
  readonly layout: 'oblivious';
  /** [T + 1]: tree t's splits are `[splitOffset[t], splitOffset[t+1])`; their count is its depth. */
  splitOffset: Uint32Array;
  /** Feature index of each split, in [0, nFeatures). */
  splitFeature: Int32Array;
  /** Border of each split: the bit is 1 when the feature value is > border. */
  splitBorder: Float32Array;
}

/** General binary trees as node arrays (see the module comment for the child encoding). */
export interface NodeTrees {
  readonly layout: 'nodes';
  /** [T + 1]: tree t's internal nodes are `[nodeOffset[t], nodeOffset[t+1])`. */
  nodeOffset: Uint32Array;
  /** Feature index per internal node. */
  feature: Int32Array;
  /** Threshold per internal node: go left when value <= threshold. */
  threshold: Float32Array;
  /** Left child per internal node (local index ≥ 0, or ~leaf < 0). */
  left: Int32Array;
  /** Right child per internal node. */
  right: Int32Array;
}

/** A trained tree ensemble (GBDT or random forest). Treat as immutable once built. */
export interface TreeEnsemble {
  kind: ForestKind;
  postprocess: Postprocess;
  /** Class values, strictly increasing (labels need not be contiguous: 1, 49, 67, 91). */
  classes: Int32Array;
  /** Number of features a sample must have. */
  nFeatures: number;
  /** Values per leaf: K, or 1 for `sigmoid`. */
  nOutputs: number;
  trees: ObliviousTrees | NodeTrees;
  /** [T + 1], in leaves: tree t's leaves are `[leafOffset[t], leafOffset[t+1])`. */
  leafOffset: Uint32Array;
  /** [nLeaves, nOutputs] leaf values (raw scores for GBDT, class fractions for RF). */
  leafValues: Float32Array;
  /** [nOutputs] starting score before the trees are added (0 for our trainers). */
  bias: Float32Array;
}

/** Number of trees. */
export function treeCount(model: TreeEnsemble): number {
  return model.leafOffset.length - 1;
}

/** Depth of every tree (for node trees: internal nodes on the longest root-to-leaf path). */
export function treeDepths(model: TreeEnsemble): Uint32Array {
  const t = model.trees;
  const n = treeCount(model);
  const out = new Uint32Array(n);
  if (t.layout === 'oblivious') {
    for (let i = 0; i < n; i++) out[i] = t.splitOffset[i + 1] - t.splitOffset[i];
    return out;
  }
  for (let i = 0; i < n; i++) {
    const base = t.nodeOffset[i];
    const count = t.nodeOffset[i + 1] - base;
    if (count === 0) continue;
    // Children come after their parent, so one forward pass sees every parent's depth first.
    const depth = new Uint32Array(count);
    depth[0] = 1;
    let max = 1;
    for (let j = 0; j < count; j++) {
      for (const c of [t.left[base + j], t.right[base + j]]) {
        if (c >= 0) {
          depth[c] = depth[j] + 1;
          if (depth[c] > max) max = depth[c];
        }
      }
    }
    out[i] = max;
  }
  return out;
}

/** Largest tree depth of the ensemble (0 for an ensemble of single leaves). */
export function maxTreeDepth(model: TreeEnsemble): number {
  let m = 0;
  for (const d of treeDepths(model)) m = Math.max(m, d);
  return m;
}

/** Number of probability planes the evaluators produce: K. */
export function classCount(model: TreeEnsemble): number {
  return model.classes.length;
}

function fail(message: string): never {
  throw new ModelFormatError(`tree ensemble: ${message}`);
}

function checkOffsets(name: string, offsets: Uint32Array, total: number, trees: number): void {
  if (offsets.length !== trees + 1) fail(`${name} has ${offsets.length} entries, expected ${trees + 1} (trees + 1)`);
  if (offsets[0] !== 0) fail(`${name}[0] is ${offsets[0]}, must be 0`);
  for (let i = 0; i < trees; i++) {
    if (offsets[i + 1] < offsets[i]) fail(`${name} decreases at tree ${i} (${offsets[i]} → ${offsets[i + 1]})`);
  }
  if (offsets[trees] !== total) fail(`${name} ends at ${offsets[trees]} but there are ${total} entries`);
}

function checkFeature(where: string, f: number, nFeatures: number): void {
  if (!(f >= 0 && f < nFeatures)) fail(`${where} uses feature ${f}, outside [0, ${nFeatures})`);
}

/**
 * Checks every invariant the evaluators rely on, so that a corrupt file can never make them read
 * out of bounds or loop forever: array types and sizes, offsets, feature indices, child indices
 * (each internal node but the root and each leaf reached exactly once, children after parents),
 * oblivious depths ≤ MAX_OBLIVIOUS_DEPTH, finite borders, thresholds and leaf values, increasing classes.
 * @throws ModelFormatError naming the first problem found.
 */
export function validateForest(model: TreeEnsemble): void {
  if (model.kind !== 'gbdt' && model.kind !== 'rf') fail(`unknown kind ${JSON.stringify(model.kind)}`);
  if (!['softmax', 'sigmoid', 'average'].includes(model.postprocess)) fail(`unknown postprocess ${JSON.stringify(model.postprocess)}`);
  const typed: Array<[string, unknown, Function]> = [
    ['classes', model.classes, Int32Array],
    ['leafOffset', model.leafOffset, Uint32Array],
    ['leafValues', model.leafValues, Float32Array],
    ['bias', model.bias, Float32Array],
  ];
  for (const [name, value, type] of typed) {
    if (!(value instanceof type)) fail(`${name} must be a ${type.name}`);
  }
  const K = model.classes.length;
  if (K < 2) fail(`needs at least 2 classes, has ${K}`);
  for (let k = 1; k < K; k++) {
    if (!(model.classes[k] > model.classes[k - 1])) fail(`classes must be strictly increasing, got [${Array.from(model.classes).join(', ')}]`);
  }
  if (!Number.isSafeInteger(model.nFeatures) || model.nFeatures < 1) fail(`nFeatures must be a positive integer, got ${model.nFeatures}`);
  const expectedOutputs = model.postprocess === 'sigmoid' ? 1 : K;
  if (model.postprocess === 'sigmoid' && K !== 2) fail(`postprocess sigmoid needs exactly 2 classes, has ${K}`);
  if (model.nOutputs !== expectedOutputs) fail(`nOutputs is ${model.nOutputs}, expected ${expectedOutputs} for ${model.postprocess} with ${K} classes`);
  if (model.bias.length !== model.nOutputs) fail(`bias has ${model.bias.length} values, expected ${model.nOutputs}`);
  for (const v of model.bias) if (!Number.isFinite(v)) fail('bias holds a non-finite value');
  const T = model.leafOffset.length - 1;
  if (T < 1) fail('has no trees');
  if (model.leafValues.length % model.nOutputs !== 0) fail(`leafValues length ${model.leafValues.length} is not a multiple of nOutputs ${model.nOutputs}`);
  const nLeaves = model.leafValues.length / model.nOutputs;
  checkOffsets('leafOffset', model.leafOffset, nLeaves, T);
  for (let i = 0; i < model.leafValues.length; i++) {
    if (!Number.isFinite(model.leafValues[i])) fail(`leaf value ${i} is not finite (${model.leafValues[i]})`);
  }
  const t = model.trees;
  if (t === null || typeof t !== 'object') fail('trees missing');
  if (t.layout === 'oblivious') validateOblivious(model, t, T);
  else if (t.layout === 'nodes') validateNodes(model, t, T);
  else fail(`unknown tree layout ${JSON.stringify((t as { layout: unknown }).layout)}`);
}

function validateOblivious(model: TreeEnsemble, t: ObliviousTrees, T: number): void {
  if (!(t.splitOffset instanceof Uint32Array)) fail('splitOffset must be a Uint32Array');
  if (!(t.splitFeature instanceof Int32Array)) fail('splitFeature must be an Int32Array');
  if (!(t.splitBorder instanceof Float32Array)) fail('splitBorder must be a Float32Array');
  const S = t.splitFeature.length;
  if (t.splitBorder.length !== S) fail(`splitBorder has ${t.splitBorder.length} entries, splitFeature ${S}`);
  checkOffsets('splitOffset', t.splitOffset, S, T);
  for (let i = 0; i < T; i++) {
    const depth = t.splitOffset[i + 1] - t.splitOffset[i];
    if (depth > MAX_OBLIVIOUS_DEPTH) fail(`tree ${i} has depth ${depth} > ${MAX_OBLIVIOUS_DEPTH}`);
    const leaves = model.leafOffset[i + 1] - model.leafOffset[i];
    if (leaves !== 2 ** depth) fail(`oblivious tree ${i} of depth ${depth} has ${leaves} leaves, expected ${2 ** depth}`);
  }
  for (let s = 0; s < S; s++) {
    checkFeature(`split ${s}`, t.splitFeature[s], model.nFeatures);
    if (!Number.isFinite(t.splitBorder[s])) fail(`split ${s} has a non-finite border`);
  }
}

function validateNodes(model: TreeEnsemble, t: NodeTrees, T: number): void {
  if (!(t.nodeOffset instanceof Uint32Array)) fail('nodeOffset must be a Uint32Array');
  for (const [name, arr, type] of [
    ['feature', t.feature, Int32Array],
    ['threshold', t.threshold, Float32Array],
    ['left', t.left, Int32Array],
    ['right', t.right, Int32Array],
  ] as const) {
    if (!(arr instanceof type)) fail(`${name} must be a ${type.name}`);
  }
  const N = t.feature.length;
  for (const [name, arr] of [['threshold', t.threshold], ['left', t.left], ['right', t.right]] as const) {
    if (arr.length !== N) fail(`${name} has ${arr.length} entries, feature ${N}`);
  }
  checkOffsets('nodeOffset', t.nodeOffset, N, T);
  for (let i = 0; i < T; i++) {
    const base = t.nodeOffset[i];
    const count = t.nodeOffset[i + 1] - base;
    const leaves = model.leafOffset[i + 1] - model.leafOffset[i];
    // A full binary tree has one leaf more than internal nodes; each is reached exactly once.
    if (leaves !== count + 1) fail(`tree ${i} has ${count} internal nodes and ${leaves} leaves, expected ${count + 1} leaves`);
    const nodeSeen = new Uint8Array(count);
    const leafSeen = new Uint8Array(leaves);
    for (let j = 0; j < count; j++) {
      const g = base + j;
      checkFeature(`tree ${i} node ${j}`, t.feature[g], model.nFeatures);
      if (!Number.isFinite(t.threshold[g])) fail(`tree ${i} node ${j} has a non-finite threshold`);
      for (const c of [t.left[g], t.right[g]]) {
        if (c >= 0) {
          if (c <= j || c >= count) fail(`tree ${i} node ${j} has child node ${c}: children must follow their parent and lie in [${j + 1}, ${count})`);
          if (nodeSeen[c]) fail(`tree ${i} node ${c} has two parents`);
          nodeSeen[c] = 1;
        } else {
          const leaf = ~c;
          if (leaf >= leaves) fail(`tree ${i} node ${j} points to leaf ${leaf}, outside [0, ${leaves})`);
          if (leafSeen[leaf]) fail(`tree ${i} leaf ${leaf} has two parents`);
          leafSeen[leaf] = 1;
        }
      }
    }
    for (let j = 1; j < count; j++) if (!nodeSeen[j]) fail(`tree ${i} node ${j} is unreachable`);
    if (count > 0) for (let l = 0; l < leaves; l++) if (!leafSeen[l]) fail(`tree ${i} leaf ${l} is unreachable`);
  }
}
