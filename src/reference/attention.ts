/**
 * CPU reference of shaders/attention.wgsl: multi-head self-attention without a mask, from the
 * fused projection `qkv` [N, 3·D] of a ViT block (column `s·D + head·d + i` holds part s ∈ {q, k,
 * v} of that head, as timm/DINOv2 lay it out). Each head computes softmax(q·kᵀ · scale)·v with
 * the row maximum subtracted first (a numerically safe softmax); heads are concatenated back
 * into [N, D] (column `head·d + i`), ready for the output projection.
 */
import { ShapeError } from '../errors.js';

export function selfAttention(qkv: Float32Array, n: number, heads: number, headDim: number, scale = 1 / Math.sqrt(headDim)): Float32Array {
  const d = heads * headDim;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(heads) || heads < 1 || !Number.isInteger(headDim) || headDim < 1) {
    throw new ShapeError(`selfAttention: tokens, heads and head size must be positive integers, got ${n}, ${heads}, ${headDim}`);
  }
  if (qkv.length !== n * 3 * d) throw new ShapeError(`selfAttention: qkv holds ${qkv.length} values, expected [${n}, ${3 * d}]`);
  const out = new Float32Array(n * d);
  const scores = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    const qOff = h * headDim;
    const kOff = d + h * headDim;
    const vOff = 2 * d + h * headDim;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < headDim; t++) s += qkv[i * 3 * d + qOff + t] * qkv[j * 3 * d + kOff + t];
        scores[j] = s * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      for (let j = 0; j < n; j++) {
        scores[j] = Math.exp(scores[j] - max);
        sum += scores[j];
      }
      for (let t = 0; t < headDim; t++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += scores[j] * qkv[j * 3 * d + vOff + t];
        out[i * d + h * headDim + t] = acc / sum;
      }
    }
  }
  return out;
}
