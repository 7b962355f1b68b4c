/**
 * CPU reference of shaders/layer-norm.wgsl: LayerNorm over the last axis of [rows, dim] (biased
 * variance, `(x − mean) / √(var + eps) · weight + bias`), as PyTorch's `nn.LayerNorm`. Mean and
 * variance are taken in two passes (mean first, then Σ(x − mean)²), which is what the kernel
 * does too: the one-pass Σx² form loses digits on the transformer's large residual values.
 */
import { ShapeError } from '../errors.js';

export function layerNorm(x: Float32Array, rows: number, dim: number, weight: Float32Array, bias: Float32Array, eps: number): Float32Array {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(dim) || dim < 1 || x.length !== rows * dim) {
    throw new ShapeError(`layerNorm: input holds ${x.length} values, expected [${rows}, ${dim}]`);
  }
  if (weight.length !== dim || bias.length !== dim) throw new ShapeError(`layerNorm: weight and bias must hold ${dim} values, got ${weight.length} and ${bias.length}`);
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += x[o + i];
    const mean = sum / dim;
    let sq = 0;
    for (let i = 0; i < dim; i++) sq += (x[o + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(sq / dim + eps);
    for (let i = 0; i < dim; i++) out[o + i] = (x[o + i] - mean) * inv * weight[i] + bias[i];
  }
  return out;
}
