/**
 * torchvision VGG16 checkpoint (.pth) → safetensors holding only the conv layers
 * (`features.N.weight` [out, in, 3, 3] and `features.N.bias` [out], float32), as the vgg16 extractor
 * reads them. Browser-safe: bytes in, tensors or bytes out. The classifier (≈ 90 % of the file) is
 * never decoded.
 *
 * The layer structure is checked (a chain of 3×3 convs from 3 input channels, each taking the
 * previous one's outputs, under torchvision's module names); whether the channel counts are
 * VGG16's is reported (`matchesVgg16`), so small test checkpoints convert too, and the extractor
 * refuses anything else when it loads the file.
 */
import { CheckpointFormatError } from '../errors.js';
import { writeSafetensors } from '../io/safetensors.js';
import type { NamedTensorInput } from '../io/safetensors.js';
import { VERSION } from '../version.js';
import { VGG16_CONV_LAYERS } from '../core/vgg16-layers.js';
import { readTorchCheckpoint, tensorValues } from './checkpoint.js';

export interface ConvertedVgg16 {
  tensors: NamedTensorInput[];
  metadata: Record<string, string>;
  /** The conv layers found, in network order. */
  layers: Array<{ module: string; cIn: number; cOut: number }>;
  /** All 13 layers present with VGG16's channel counts. */
  matchesVgg16: boolean;
  /** State-dict keys left out (classifier etc.). */
  dropped: string[];
  format: 'zip' | 'legacy';
}

export interface ConvertOptions {
  /** Recorded in the metadata (e.g. the file name). */
  source?: string;
  /** Extra metadata (e.g. the checkpoint's SHA-256). */
  metadata?: Record<string, string>;
}

export function convertVgg16Checkpoint(bytes: Uint8Array, options: ConvertOptions = {}): ConvertedVgg16 {
  const checkpoint = readTorchCheckpoint(bytes);
  const { tensors } = checkpoint;
  const out: NamedTensorInput[] = [];
  const layers: ConvertedVgg16['layers'] = [];
  const used = new Set<string>();
  let cIn = 3;
  let missingFrom: string | null = null;
  for (const layer of VGG16_CONV_LAYERS) {
    const w = tensors.get(`${layer.module}.weight`);
    const b = tensors.get(`${layer.module}.bias`);
    if (!w && !b) {
      missingFrom ??= layer.module;
      continue;
    }
    if (missingFrom) throw new CheckpointFormatError(`${layer.module} is present but ${missingFrom} before it is missing: not a VGG16 feature trunk`);
    if (!w || !b) throw new CheckpointFormatError(`${layer.module} has a ${w ? 'weight' : 'bias'} but no ${w ? 'bias' : 'weight'}`);
    const [o, i, kh, kw] = w.shape;
    if (w.shape.length !== 4 || kh !== 3 || kw !== 3 || i !== cIn) {
      throw new CheckpointFormatError(`${layer.module}.weight has shape [${w.shape.join(', ')}], expected [out, ${cIn}, 3, 3]`);
    }
    if (b.shape.length !== 1 || b.shape[0] !== o) throw new CheckpointFormatError(`${layer.module}.bias has shape [${b.shape.join(', ')}], expected [${o}]`);
    out.push({ name: `${layer.module}.weight`, dtype: 'F32', shape: [o, i, 3, 3], data: tensorValues(w) });
    out.push({ name: `${layer.module}.bias`, dtype: 'F32', shape: [o], data: tensorValues(b) });
    used.add(w.name).add(b.name);
    layers.push({ module: layer.module, cIn: i, cOut: o });
    cIn = o;
  }
  if (layers.length === 0) {
    const keys = [...tensors.keys()];
    throw new CheckpointFormatError(`no VGG16 conv weights (features.0.weight …) in this checkpoint; it holds ${keys.slice(0, 8).join(', ') || 'no tensors'}${keys.length > 8 ? ', …' : ''}`);
  }
  const matchesVgg16 = layers.length === VGG16_CONV_LAYERS.length && layers.every((l, k) => l.cOut === VGG16_CONV_LAYERS[k].cOut);
  return {
    tensors: out,
    metadata: {
      format: 'convpaint-webgpu vgg16 conv weights (torchvision module names, float32)',
      converted_by: `convpaint-webgpu ${VERSION}`,
      checkpoint_format: checkpoint.format,
      ...(options.source ? { source: options.source } : {}),
      ...options.metadata,
    },
    layers,
    matchesVgg16,
    dropped: [...tensors.keys()].filter((k) => !used.has(k)),
    format: checkpoint.format,
  };
}

/** The conversion as safetensors bytes. */
export function convertVgg16CheckpointToBytes(bytes: Uint8Array, options: ConvertOptions = {}): Uint8Array {
  const converted = convertVgg16Checkpoint(bytes, options);
  return writeSafetensors(converted.tensors, converted.metadata);
}
