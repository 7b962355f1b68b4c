/**
 * DINOv2 ViT-S/14 with 4 register tokens (`dinov2_vits14_reg`) from a safetensors file holding
 * the hub's state-dict names (`cls_token`, `pos_embed`, `patch_embed.proj.weight`,
 * `blocks.N.attn.qkv.weight`, …), F32 or F16 (widened exactly, subnormals included). Every
 * tensor is checked for presence and shape, so a truncated or foreign file is a
 * WeightsFormatError naming the tensor, never garbage features. Browser-safe.
 */
import { SafetensorsFormatError, WeightsFormatError } from '../errors.js';
import { readSafetensors } from '../io/safetensors.js';
import type { SafetensorsFile } from '../io/safetensors.js';

/** File name of the installed pretrained weights in the cache directory. */
export const DINOV2_WEIGHTS_FILE = 'dinov2-vits14-reg4.safetensors';

/** The ViT-S/14-reg4 architecture (the hub's `vits14_reg` config). */
export const DINOV2_SMALL = {
  dim: 384,
  depth: 12,
  heads: 6,
  headDim: 64,
  mlpDim: 1536,
  patch: 14,
  registers: 4,
  /** Side of the stored position grid (`img_size` 518 / 14). */
  posGrid: 37,
  /** Every LayerNorm's epsilon. */
  eps: 1e-6,
} as const;

/** LayerNorm affine parameters, [dim] each. */
export interface NormParams {
  weight: Float32Array;
  bias: Float32Array;
}

/** One pre-norm transformer block. Linear weights are PyTorch [out, in]. */
export interface Dinov2BlockParams {
  norm1: NormParams;
  /** [3·dim, dim], rows s·dim + head·64 + i for s ∈ {q, k, v}. */
  qkvWeight: Float32Array;
  qkvBias: Float32Array;
  projWeight: Float32Array;
  projBias: Float32Array;
  /** LayerScale γ of the attention branch, [dim]. */
  ls1: Float32Array;
  norm2: NormParams;
  fc1Weight: Float32Array;
  fc1Bias: Float32Array;
  fc2Weight: Float32Array;
  fc2Bias: Float32Array;
  ls2: Float32Array;
}

/** Every parameter the forward pass uses (`mask_token` is not: it only serves masked training). */
export interface Dinov2Params {
  clsToken: Float32Array;
  /** [registers, dim]. */
  registerTokens: Float32Array;
  /** [1 + posGrid², dim]: the cls position, then the 37×37 grid row-major. */
  posEmbed: Float32Array;
  /** [dim, 3·14·14] (the conv weight [dim, 3, 14, 14] flattened in (c, ky, kx) order). */
  patchWeight: Float32Array;
  patchBias: Float32Array;
  blocks: Dinov2BlockParams[];
  norm: NormParams;
}

function tensor(file: SafetensorsFile, name: string, shape: readonly number[], source: string): Float32Array {
  if (!file.has(name)) {
    const names = file.names();
    const hint = names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length} tensors)` : names.join(', ') || 'no tensors';
    throw new WeightsFormatError(`${source} has no tensor "${name}", so it is not a DINOv2 ViT-S/14-reg4 checkpoint; it holds ${hint}`);
  }
  const info = file.info(name);
  if (info.dtype !== 'F32' && info.dtype !== 'F16') throw new WeightsFormatError(`${source}: tensor "${name}" is ${info.dtype}; DINOv2 weights must be F32 or F16`);
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new WeightsFormatError(`${source}: tensor "${name}" has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}] (DINOv2 ViT-S/14-reg4)`);
  }
  const values = Float32Array.from(file.getFloat32(name));
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new WeightsFormatError(`${source}: tensor "${name}" holds a non-finite value at index ${i}; the file is corrupt`);
  }
  return values;
}

/** Reads and validates every DINOv2 parameter from safetensors bytes; `source` names the file in messages. */
export function readDinov2Weights(bytes: Uint8Array | ArrayBuffer, source: string): Dinov2Params {
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) throw new WeightsFormatError(`${source} is not a valid safetensors file: ${error.message}`, { cause: error });
    throw error;
  }
  const { dim, depth, mlpDim, patch, registers, posGrid } = DINOV2_SMALL;
  const t = (name: string, shape: readonly number[]) => tensor(file, name, shape, source);
  const norm = (prefix: string): NormParams => ({ weight: t(`${prefix}.weight`, [dim]), bias: t(`${prefix}.bias`, [dim]) });
  const blocks: Dinov2BlockParams[] = [];
  for (let i = 0; i < depth; i++) {
    const b = `blocks.${i}`;
    blocks.push({
      norm1: norm(`${b}.norm1`),
      qkvWeight: t(`${b}.attn.qkv.weight`, [3 * dim, dim]),
      qkvBias: t(`${b}.attn.qkv.bias`, [3 * dim]),
      projWeight: t(`${b}.attn.proj.weight`, [dim, dim]),
      projBias: t(`${b}.attn.proj.bias`, [dim]),
      ls1: t(`${b}.ls1.gamma`, [dim]),
      norm2: norm(`${b}.norm2`),
      fc1Weight: t(`${b}.mlp.fc1.weight`, [mlpDim, dim]),
      fc1Bias: t(`${b}.mlp.fc1.bias`, [mlpDim]),
      fc2Weight: t(`${b}.mlp.fc2.weight`, [dim, mlpDim]),
      fc2Bias: t(`${b}.mlp.fc2.bias`, [dim]),
      ls2: t(`${b}.ls2.gamma`, [dim]),
    });
  }
  return {
    clsToken: t('cls_token', [1, 1, dim]),
    registerTokens: t('register_tokens', [1, registers, dim]),
    posEmbed: t('pos_embed', [1, 1 + posGrid * posGrid, dim]),
    patchWeight: t('patch_embed.proj.weight', [dim, 3, patch, patch]),
    patchBias: t('patch_embed.proj.bias', [dim]),
    blocks,
    norm: norm('norm'),
  };
}
