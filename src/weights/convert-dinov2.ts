/**
 * The DINOv2 hub checkpoint (`dinov2_vits14_reg4_pretrain.pth`, a plain state dict) → safetensors
 * with the same tensor names in float32, as the dinov2 extractor reads them. Browser-safe. The
 * result is validated by the extractor's own reader (every tensor present, every shape right),
 * so a checkpoint of another ViT fails here, naming the tensor, instead of when first used.
 * `mask_token` (only used in masked pre-training) is dropped.
 */
import { CheckpointFormatError, WeightsFormatError } from '../errors.js';
import { writeSafetensors } from '../io/safetensors.js';
import type { NamedTensorInput } from '../io/safetensors.js';
import { VERSION } from '../version.js';
import { readTorchCheckpoint, tensorValues } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { readDinov2Weights } from './dinov2-weights.js';

export interface ConvertedDinov2 {
  tensors: NamedTensorInput[];
  metadata: Record<string, string>;
  /** State-dict keys left out. */
  dropped: string[];
  format: 'zip' | 'legacy';
}

/** Whether a checkpoint's state dict is a DINOv2 ViT (it has transformer blocks and a patch embedding). */
export function isDinov2Checkpoint(checkpoint: Checkpoint): boolean {
  return checkpoint.tensors.has('patch_embed.proj.weight') && checkpoint.tensors.has('blocks.0.attn.qkv.weight');
}

export function convertDinov2Checkpoint(bytes: Uint8Array, options: { source?: string; metadata?: Record<string, string> } = {}, checkpoint: Checkpoint = readTorchCheckpoint(bytes)): ConvertedDinov2 {
  if (!isDinov2Checkpoint(checkpoint)) {
    const keys = [...checkpoint.tensors.keys()];
    throw new CheckpointFormatError(`not a DINOv2 checkpoint (no patch_embed.proj.weight / blocks.0.attn.qkv.weight); it holds ${keys.slice(0, 8).join(', ') || 'no tensors'}${keys.length > 8 ? ', …' : ''}`);
  }
  const tensors: NamedTensorInput[] = [];
  const dropped: string[] = [];
  for (const [name, t] of checkpoint.tensors) {
    if (name === 'mask_token') {
      dropped.push(name);
      continue;
    }
    tensors.push({ name, dtype: 'F32', shape: [...t.shape], data: tensorValues(t) });
  }
  tensors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const metadata = {
    format: 'convpaint-webgpu dinov2 ViT-S/14-reg4 weights (hub state-dict names, float32)',
    converted_by: `convpaint-webgpu ${VERSION}`,
    checkpoint_format: checkpoint.format,
    ...(options.source ? { source: options.source } : {}),
    ...options.metadata,
  };
  try {
    readDinov2Weights(writeSafetensors(tensors, metadata), options.source ?? 'the checkpoint');
  } catch (error) {
    if (error instanceof WeightsFormatError) throw new CheckpointFormatError(`${error.message} (the extractor needs the ViT-S/14 with 4 registers, dinov2_vits14_reg4)`, { cause: error });
    throw error;
  }
  return { tensors, metadata, dropped, format: checkpoint.format };
}
