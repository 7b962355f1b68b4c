/**
 * The CPU reference of the DINOv2 ViT-S/14-reg4 forward pass (`forward_features` →
 * `x_norm_patchtokens`), composed from the kernels' references (linear, layer-norm, attention,
 * patchify) in the order the GPU path runs them, so each stage can be compared on its own.
 * It is the oracle of dinov2-backbone-gpu.ts and the `device: 'cpu'` path; slow (22 M weights ×
 * tokens in scalar JavaScript), fine for the small images it checks.
 */
import { ShapeError } from '../errors.js';
import { interpolatePosEmbed } from '../core/dinov2-pos-embed.js';
import { selfAttention } from '../reference/attention.js';
import { layerNorm } from '../reference/layer-norm.js';
import { linear } from '../reference/linear.js';
import { patchify } from '../reference/patchify.js';
import type { Planar } from '../reference/planar.js';
import { DINOV2_SMALL } from '../weights/dinov2-weights.js';
import type { Dinov2BlockParams, Dinov2Params } from '../weights/dinov2-weights.js';

/** The token sequence [cls + pos₀, reg₀…reg₃, patchₖ + posₖ] of one image, [5 + hp·wp, dim]. */
export function dinov2TokensCpu(params: Dinov2Params, patches: Float32Array, hp: number, wp: number): Float32Array {
  const { dim, registers, posGrid } = DINOV2_SMALL;
  const n = hp * wp;
  const embedded = linear(patches, n, 3 * DINOV2_SMALL.patch ** 2, params.patchWeight, dim, params.patchBias);
  const pos = interpolatePosEmbed(params.posEmbed, posGrid, dim, hp, wp);
  const out = new Float32Array((1 + registers + n) * dim);
  for (let c = 0; c < dim; c++) out[c] = params.clsToken[c] + params.posEmbed[c];
  out.set(params.registerTokens, dim);
  const first = (1 + registers) * dim;
  for (let i = 0; i < n * dim; i++) out[first + i] = embedded[i] + pos[i];
  return out;
}

/** One pre-norm block on [tokens, dim]. */
export function dinov2BlockCpu(b: Dinov2BlockParams, x: Float32Array, tokens: number): Float32Array {
  const { dim, heads, headDim, mlpDim, eps } = DINOV2_SMALL;
  const qkv = linear(layerNorm(x, tokens, dim, b.norm1.weight, b.norm1.bias, eps), tokens, dim, b.qkvWeight, 3 * dim, b.qkvBias);
  const context = selfAttention(qkv, tokens, heads, headDim);
  const attended = linear(context, tokens, dim, b.projWeight, dim, b.projBias, { kind: 'residual', residual: x, gamma: b.ls1 });
  const hidden = linear(layerNorm(attended, tokens, dim, b.norm2.weight, b.norm2.bias, eps), tokens, dim, b.fc1Weight, mlpDim, b.fc1Bias, { kind: 'gelu' });
  return linear(hidden, tokens, mlpDim, b.fc2Weight, dim, b.fc2Bias, { kind: 'residual', residual: attended, gamma: b.ls2 });
}

/**
 * `input` [N, 3, H, W] (H, W multiples of 14, already normalised) → the normalised patch tokens
 * transposed to features: [N, 384, hp, wp], token row·wp + col at (row, col).
 */
export function dinov2PatchTokensCpu(params: Dinov2Params, input: Planar): Planar {
  if (input.shape.length !== 4 || input.shape[1] !== 3) throw new ShapeError(`DINOv2 needs a [N, 3, H, W] input, got [${input.shape.join(',')}]`);
  const { dim, registers, eps, patch } = DINOV2_SMALL;
  const [n, , h, w] = input.shape;
  const out = new Float32Array(n * dim * (h / patch) * (w / patch));
  let grid: [number, number] = [0, 0];
  for (let b = 0; b < n; b++) {
    const plane = 3 * h * w;
    const one = patchify({ data: input.data.subarray(b * plane, (b + 1) * plane), shape: [1, 3, h, w] }, patch);
    grid = one.grid;
    const [hp, wp] = grid;
    const tokens = 1 + registers + hp * wp;
    let x = dinov2TokensCpu(params, one.data, hp, wp);
    for (const block of params.blocks) x = dinov2BlockCpu(block, x, tokens);
    const normed = layerNorm(x, tokens, dim, params.norm.weight, params.norm.bias, eps);
    const cells = hp * wp;
    for (let t = 0; t < cells; t++) {
      for (let c = 0; c < dim; c++) out[(b * dim + c) * cells + t] = normed[(1 + registers + t) * dim + c];
    }
  }
  return { data: out, shape: [n, dim, grid[0], grid[1]] };
}
