/**
 * CPU reference of shaders/forest.wgsl: tree-ensemble evaluation (leaf choice, raw scores,
 * softmax / sigmoid / average, argmax label). The test oracle of the GPU evaluator and the
 * `device: 'cpu'` fallback.
 *
 * Numerics match the GPU by construction: feature values and borders are float32 already, so the
 * comparisons are identical; raw scores are summed per sample in tree order with float32
 * rounding after every addition (a Float32Array store rounds a double sum of two floats exactly
 * as an f32 addition would); the post-processing uses the same formulas in the same order, each
 * step rounded to float32. Only `exp` and the division may differ from the GPU by a few ulp.
 */
import { ShapeError } from '../errors.js';
import { treeCount } from '../core/tree-ensemble.js';
import type { TreeEnsemble } from '../core/tree-ensemble.js';

/**
 * How samples are laid out: `rows` = row-major [n, F] (training tables, sklearn order);
 * `planar` = [F, n] (the feature extractors' [F, H, W] with H·W = n).
 */
export type FeatureLayout = 'rows' | 'planar';

/** Samples evaluated together: tree-outer order within a block keeps planar reads contiguous. */
const BLOCK = 256;

function sampleCount(model: TreeEnsemble, features: Float32Array): number {
  const F = model.nFeatures;
  if (features.length % F !== 0) {
    throw new ShapeError(`forest evaluation: ${features.length} feature values is not a multiple of the model's ${F} features`);
  }
  return features.length / F;
}

/** Strides so that feature f of sample p is at `p·sampleStride + f·featureStride`. */
function strides(layout: FeatureLayout, n: number, F: number): { sampleStride: number; featureStride: number } {
  if (layout === 'rows') return { sampleStride: F, featureStride: 1 };
  if (layout === 'planar') return { sampleStride: 1, featureStride: n };
  throw new ShapeError(`unknown feature layout ${JSON.stringify(layout)} (use 'rows' or 'planar')`);
}

/**
 * Calls `visit(t, p, leaf)` for every tree t and sample p in [p0, p1), trees outer. `leaf` is the
 * tree-local leaf index.
 */
function walkLeaves(
  model: TreeEnsemble,
  x: Float32Array,
  sampleStride: number,
  featureStride: number,
  p0: number,
  p1: number,
  visit: (t: number, p: number, leaf: number) => void,
): void {
  const T = treeCount(model);
  const trees = model.trees;
  if (trees.layout === 'oblivious') {
    const { splitOffset, splitFeature, splitBorder } = trees;
    for (let t = 0; t < T; t++) {
      const s0 = splitOffset[t];
      const s1 = splitOffset[t + 1];
      for (let p = p0; p < p1; p++) {
        const base = p * sampleStride;
        let leaf = 0;
        for (let s = s0; s < s1; s++) {
          if (x[base + splitFeature[s] * featureStride] > splitBorder[s]) leaf |= 1 << (s - s0);
        }
        visit(t, p, leaf);
      }
    }
    return;
  }
  const { nodeOffset, feature, threshold, left, right } = trees;
  for (let t = 0; t < T; t++) {
    const nb = nodeOffset[t];
    const hasNodes = nodeOffset[t + 1] > nb;
    for (let p = p0; p < p1; p++) {
      const base = p * sampleStride;
      let c = hasNodes ? 0 : -1;
      while (c >= 0) {
        const g = nb + c;
        c = x[base + feature[g] * featureStride] <= threshold[g] ? left[g] : right[g];
      }
      visit(t, p, ~c);
    }
  }
}

/** The leaf each tree chooses for each sample: [T, n], tree-local leaf indices. */
export function forestLeavesCpu(model: TreeEnsemble, features: Float32Array, layout: FeatureLayout): Uint32Array {
  const n = sampleCount(model, features);
  const { sampleStride, featureStride } = strides(layout, n, model.nFeatures);
  const out = new Uint32Array(treeCount(model) * n);
  walkLeaves(model, features, sampleStride, featureStride, 0, n, (t, p, leaf) => {
    out[t * n + p] = leaf;
  });
  return out;
}

/** bias + Σ_t leaf values, summed in tree order in float32: planar [nOutputs, n]. */
export function forestRawScoresCpu(model: TreeEnsemble, features: Float32Array, layout: FeatureLayout): Float32Array {
  const n = sampleCount(model, features);
  const { sampleStride, featureStride } = strides(layout, n, model.nFeatures);
  const D = model.nOutputs;
  const raw = new Float32Array(D * n);
  const { leafOffset, leafValues, bias } = model;
  for (let p0 = 0; p0 < n; p0 += BLOCK) {
    const p1 = Math.min(n, p0 + BLOCK);
    for (let k = 0; k < D; k++) raw.fill(bias[k], k * n + p0, k * n + p1);
    walkLeaves(model, features, sampleStride, featureStride, p0, p1, (t, p, leaf) => {
      const v = (leafOffset[t] + leaf) * D;
      for (let k = 0; k < D; k++) raw[k * n + p] += leafValues[v + k];
    });
  }
  return raw;
}

/** Result of `predictCpu`. */
export interface ForestPrediction {
  /** Planar [K, n] class probabilities, classes in `model.classes` order. */
  probas: Float32Array;
  /** [n] index into `model.classes` of the predicted class. */
  classIndex: Uint32Array;
  /** [n] predicted class values (`model.classes[classIndex]`). */
  labels: Int32Array;
}

/**
 * Turns raw scores [nOutputs, n] into probabilities [K, n] and argmax labels, with the exact
 * formulas of the shader's `finalize` (max-subtracted softmax; sigmoid; average over trees).
 */
export function postprocessCpu(model: TreeEnsemble, raw: Float32Array, n: number): ForestPrediction {
  const K = model.classes.length;
  const D = model.nOutputs;
  if (raw.length !== D * n) throw new ShapeError(`postprocess: ${raw.length} raw scores, expected ${D}×${n}`);
  const probas = new Float32Array(K * n);
  const classIndex = new Uint32Array(n);
  const labels = new Int32Array(n);
  const f = Math.fround;
  const T = treeCount(model);
  const e = new Float32Array(K);
  for (let p = 0; p < n; p++) {
    let best = 0;
    if (model.postprocess === 'sigmoid') {
      const r = raw[p];
      const q = f(Math.exp(f(-r)));
      const p1 = f(1 / f(1 + q));
      probas[p] = f(1 - p1);
      probas[n + p] = p1;
      best = r > 0 ? 1 : 0;
    } else {
      let m = raw[p];
      for (let k = 1; k < K; k++) {
        if (raw[k * n + p] > m) {
          m = raw[k * n + p];
          best = k;
        }
      }
      if (model.postprocess === 'softmax') {
        let s = 0;
        for (let k = 0; k < K; k++) {
          e[k] = Math.exp(f(raw[k * n + p] - m));
          s = f(s + e[k]);
        }
        for (let k = 0; k < K; k++) probas[k * n + p] = e[k] / s;
      } else {
        for (let k = 0; k < K; k++) probas[k * n + p] = raw[k * n + p] / T;
      }
    }
    classIndex[p] = best;
    labels[p] = model.classes[best];
  }
  return { probas, classIndex, labels };
}

/**
 * Evaluates the ensemble on n samples: probabilities [K, n] (planar, whatever the input layout)
 * and labels. `features` holds n·F float32 values in the given layout.
 */
export function predictCpu(model: TreeEnsemble, features: Float32Array, layout: FeatureLayout): ForestPrediction {
  const n = sampleCount(model, features);
  return postprocessCpu(model, forestRawScoresCpu(model, features, layout), n);
}

/** Class probabilities, planar [K, n] (transpose for sklearn's [n, K]). */
export function predictProbaCpu(model: TreeEnsemble, features: Float32Array, layout: FeatureLayout): Float32Array {
  return predictCpu(model, features, layout).probas;
}
