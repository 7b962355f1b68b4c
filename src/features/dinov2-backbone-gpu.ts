/**
 * The DINOv2 ViT-S/14-reg4 forward pass on the GPU (golden README §5): patch embedding
 * (patchify + linear), tokens [cls + pos₀, reg₀..₃, patchₖ + posₖ], 12 pre-norm blocks
 * (x += ls1 ⊙ proj(attn(norm1(x))); x += ls2 ⊙ fc2(gelu(fc1(norm2(x))))), the final norm, and
 * the patch rows handed on feature-major as [384, hp, wp] planes. Every step is recorded into the
 * caller's batch (no submit, no readback); kernels: shaders/{patchify,linear,layer-norm,attention}.wgsl.
 */
import { DisposedError, ShapeError } from '../errors.js';
import { interpolatePosEmbed } from '../core/dinov2-pos-embed.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { selfAttention } from '../ops/attention.js';
import { layerNorm, layerNormTransposed, uploadLayerNormWeights } from '../ops/layer-norm.js';
import type { LayerNormWeights } from '../ops/layer-norm.js';
import { linear, uploadLinearWeights } from '../ops/linear.js';
import type { LinearWeights } from '../ops/linear.js';
import { patchify } from '../ops/patchify.js';
import { DINOV2_SMALL } from '../weights/dinov2-weights.js';
import type { Dinov2BlockParams, Dinov2Params } from '../weights/dinov2-weights.js';

/** One transformer block's weights on the GPU. */
export interface Dinov2GpuBlock {
  readonly norm1: LayerNormWeights;
  readonly qkv: LinearWeights;
  readonly proj: LinearWeights;
  readonly ls1: GpuTensor;
  readonly norm2: LayerNormWeights;
  readonly fc1: LinearWeights;
  readonly fc2: LinearWeights;
  readonly ls2: GpuTensor;
}

/** Position-embedding grids kept per patch-grid size; a few sizes cover tiles and whole images. */
const POS_CACHE_SIZE = 4;

/** Every DINOv2 parameter on one device. Owned by whoever uploaded it: `dispose()` (idempotent). */
export interface Dinov2GpuWeights {
  readonly patchEmbed: LinearWeights;
  /** [5, dim]: cls + pos₀, then the 4 register tokens (which get no position embedding). */
  readonly prefix: GpuTensor;
  readonly blocks: readonly Dinov2GpuBlock[];
  readonly norm: LayerNormWeights;
  /**
   * The position embedding of the hp × wp patch grid, [hp·wp, dim] (interpolated on the host
   * once per size, README §5, and kept for the last few sizes).
   */
  posGrid(hp: number, wp: number): GpuTensor;
  /** [dim] ones: the patch embedding adds the position embedding as a residual with γ = 1. */
  readonly ones: GpuTensor;
  dispose(): void;
}

function uploadBlock(ctx: BatchHost, b: Dinov2BlockParams, label: string): Dinov2GpuBlock & { dispose(): void } {
  const { dim, mlpDim, eps } = DINOV2_SMALL;
  const parts = {
    norm1: uploadLayerNormWeights(ctx, b.norm1.weight, b.norm1.bias, eps, `${label}.norm1`),
    qkv: uploadLinearWeights(ctx, b.qkvWeight, b.qkvBias, 3 * dim, dim, `${label}.attn.qkv`),
    proj: uploadLinearWeights(ctx, b.projWeight, b.projBias, dim, dim, `${label}.attn.proj`),
    ls1: ctx.upload(b.ls1, [dim], `${label}.ls1`),
    norm2: uploadLayerNormWeights(ctx, b.norm2.weight, b.norm2.bias, eps, `${label}.norm2`),
    fc1: uploadLinearWeights(ctx, b.fc1Weight, b.fc1Bias, mlpDim, dim, `${label}.mlp.fc1`),
    fc2: uploadLinearWeights(ctx, b.fc2Weight, b.fc2Bias, dim, mlpDim, `${label}.mlp.fc2`),
    ls2: ctx.upload(b.ls2, [dim], `${label}.ls2`),
  };
  return {
    ...parts,
    dispose() {
      for (const p of Object.values(parts)) p.dispose();
    },
  };
}

/** Uploads (and packs) every parameter the forward pass uses. */
export function uploadDinov2(ctx: BatchHost, params: Dinov2Params): Dinov2GpuWeights {
  const { dim, registers, patch, posGrid } = DINOV2_SMALL;
  const owned: Array<{ dispose(): void }> = [];
  const keep = <T extends { dispose(): void }>(t: T): T => {
    owned.push(t);
    return t;
  };
  const prefixData = new Float32Array((1 + registers) * dim);
  for (let i = 0; i < dim; i++) prefixData[i] = params.clsToken[i] + params.posEmbed[i];
  prefixData.set(params.registerTokens, dim);
  const patchEmbed = keep(uploadLinearWeights(ctx, params.patchWeight, params.patchBias, dim, 3 * patch * patch, 'dinov2/patch_embed'));
  const prefix = keep(ctx.upload(prefixData, [1 + registers, dim], 'dinov2/cls+registers'));
  const ones = keep(ctx.upload(new Float32Array(dim).fill(1), [dim], 'dinov2/ones'));
  const blocks = params.blocks.map((b, i) => keep(uploadBlock(ctx, b, `dinov2/blocks.${i}`)));
  const norm = keep(uploadLayerNormWeights(ctx, params.norm.weight, params.norm.bias, DINOV2_SMALL.eps, 'dinov2/norm'));
  // Insertion order = age. Evicting a grid is safe even while a recorded batch still reads it:
  // its buffer goes back to the pool, and whatever takes it next is recorded (and so runs) later.
  const grids = new Map<string, GpuTensor>();
  let disposed = false;
  return {
    patchEmbed,
    prefix,
    ones,
    blocks,
    norm,
    posGrid(hp: number, wp: number): GpuTensor {
      if (disposed) throw new DisposedError('dinov2: the GPU weights were used after dispose()');
      const key = `${hp}x${wp}`;
      let t = grids.get(key);
      if (!t) {
        if (grids.size >= POS_CACHE_SIZE) {
          const [oldest, tensor] = grids.entries().next().value as [string, GpuTensor];
          tensor.dispose();
          grids.delete(oldest);
        }
        t = ctx.upload(interpolatePosEmbed(params.posEmbed, posGrid, dim, hp, wp), [hp * wp, dim], `dinov2/pos_embed ${key}`);
        grids.set(key, t);
      }
      return t;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of grids.values()) t.dispose();
      grids.clear();
      for (const o of owned) o.dispose();
    },
  };
}

/**
 * One pre-norm block on the token matrix `x` [T, dim] → new [T, dim]. `x` stays the caller's.
 * The two residual adds are the linear's LayerScale epilogue, GELU is fc1's.
 */
export function dinov2BlockGpu(batch: GpuBatch, block: Dinov2GpuBlock, x: GpuTensor, label = 'dinov2/block'): GpuTensor {
  const h1 = layerNorm(batch, x, block.norm1, `${label}/norm1`);
  const qkv = linear(batch, h1, block.qkv, { kind: 'none' }, `${label}/qkv`);
  h1.dispose();
  const context = selfAttention(batch, qkv, DINOV2_SMALL.heads, 1 / Math.sqrt(DINOV2_SMALL.headDim), `${label}/attn`);
  qkv.dispose();
  const x1 = linear(batch, context, block.proj, { kind: 'residual', residual: x, gamma: block.ls1 }, `${label}/attn_residual`);
  context.dispose();
  const h2 = layerNorm(batch, x1, block.norm2, `${label}/norm2`);
  const hidden = linear(batch, h2, block.fc1, { kind: 'gelu' }, `${label}/fc1`);
  h2.dispose();
  const out = linear(batch, hidden, block.fc2, { kind: 'residual', residual: x1, gamma: block.ls2 }, `${label}/out`);
  hidden.dispose();
  x1.dispose();
  return out;
}

/**
 * The token matrix [5 + hp·wp, dim] of image `image` of `input` [N, 3, H, W]:
 * [cls + pos₀, reg₀..₃, patch embeddings + interpolated positions].
 */
export function dinov2TokensGpu(batch: GpuBatch, weights: Dinov2GpuWeights, input: GpuTensor, image: number): GpuTensor {
  const { dim, patch, registers } = DINOV2_SMALL;
  const [hp, wp] = [input.shape[2] / patch, input.shape[3] / patch];
  const patches = patchify(batch, input, patch, image, `dinov2/${image}/patches`);
  const embedded = linear(batch, patches, weights.patchEmbed, { kind: 'residual', residual: weights.posGrid(hp, wp), gamma: weights.ones }, `dinov2/${image}/patch_embed+pos`);
  patches.dispose();
  const prefixRows = 1 + registers;
  const tokens = batch.tensor([prefixRows + hp * wp, dim], `dinov2/${image}/tokens`);
  batch.copy(weights.prefix, 0, tokens, 0, prefixRows * dim);
  batch.copy(embedded, 0, tokens, prefixRows * dim, hp * wp * dim);
  embedded.dispose();
  return tokens;
}

/**
 * `x_norm_patchtokens` of every image of `input` [N, 3, H, W] (H, W multiples of 14), transposed:
 * a new [N, 384, hp, wp] tensor, feature-major, token index row·wp + col. Images go through
 * the transformer one at a time.
 */
export function dinov2PatchTokensGpu(batch: GpuBatch, weights: Dinov2GpuWeights, input: GpuTensor): GpuTensor {
  const { dim, patch, registers } = DINOV2_SMALL;
  if (input.shape.length !== 4 || input.shape[1] !== 3) throw new ShapeError(`dinov2: input "${input.label}" must be [N, 3, H, W], got [${input.shape.join(',')}]`);
  const [n, , h, w] = input.shape;
  if (n < 1 || h < patch || w < patch || h % patch !== 0 || w % patch !== 0) {
    throw new ShapeError(`dinov2: input ${h}×${w} must be a non-empty multiple of the patch size ${patch}`);
  }
  const [hp, wp] = [h / patch, w / patch];
  const out = batch.tensor([n, dim, hp, wp], `dinov2/x_norm_patchtokens`);
  for (let b = 0; b < n; b++) {
    let x = dinov2TokensGpu(batch, weights, input, b);
    for (const [i, block] of weights.blocks.entries()) {
      const next = dinov2BlockGpu(batch, block, x, `dinov2/${b}/blocks.${i}`);
      x.dispose();
      x = next;
    }
    layerNormTransposed(batch, x, weights.norm, 1 + registers, out, b * dim * hp * wp, `dinov2/${b}/norm`);
    x.dispose();
  }
  return out;
}
