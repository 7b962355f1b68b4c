/**
 * VGG16 conv weights from a safetensors file: which tensors a layer set needs, and their
 * validation (names `features.N.weight` / `features.N.bias`, shapes [out, in, 3, 3] / [out],
 * dtype F32, or F16 widened to f32). Browser-safe; where the file comes from is up to the caller.
 */
import { SafetensorsFormatError, WeightsFormatError } from '../errors.js';
import { readSafetensors } from '../io/safetensors.js';
import type { SafetensorsFile } from '../io/safetensors.js';
import type { Vgg16ConvLayer } from '../core/vgg16-layers.js';

/** File name of the installed ImageNet weights in the cache directory. */
export const IMAGENET_WEIGHTS_FILE = 'vgg16-imagenet.safetensors';

/** One conv layer's parameters on the host: weight [cOut, cIn, 3, 3] (PyTorch order), bias [cOut]. */
export interface ConvLayerParams {
  module: string;
  cIn: number;
  cOut: number;
  weight: Float32Array;
  bias: Float32Array;
}

function tensor(file: SafetensorsFile, name: string, shape: readonly number[], source: string, why: string): Float32Array {
  if (!file.has(name)) {
    const have = file.names().filter((n) => n.startsWith('features.'));
    throw new WeightsFormatError(
      `${source} has no tensor "${name}" (needed for ${why}); it holds ${have.length ? have.join(', ') : 'no features.* tensors'}`,
    );
  }
  const info = file.info(name);
  if (info.dtype !== 'F32' && info.dtype !== 'F16') {
    throw new WeightsFormatError(`${source}: tensor "${name}" is ${info.dtype}; VGG weights must be F32 or F16`);
  }
  if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
    throw new WeightsFormatError(`${source}: tensor "${name}" has shape [${info.shape.join(', ')}], expected [${shape.join(', ')}] (${why})`);
  }
  // A copy, so the (possibly large) file bytes can be released.
  return Float32Array.from(file.getFloat32(name));
}

/**
 * Reads and validates the parameters of `layers` (every conv up to the deepest selected one must
 * be passed by the caller) from safetensors bytes. `source` names the file in messages.
 */
export function readVgg16Weights(bytes: Uint8Array | ArrayBuffer, layers: readonly Vgg16ConvLayer[], source: string): ConvLayerParams[] {
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) {
      throw new WeightsFormatError(`${source} is not a valid safetensors file: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return layers.map((l) => ({
    module: l.module,
    cIn: l.cIn,
    cOut: l.cOut,
    weight: tensor(file, `${l.module}.weight`, [l.cOut, l.cIn, 3, 3], source, `layer ${l.key}`),
    bias: tensor(file, `${l.module}.bias`, [l.cOut], source, `layer ${l.key}`),
  }));
}
