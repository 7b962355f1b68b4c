/**
 * Turns an `ExtractorOptions.weights` value into bytes: given bytes as they are, a path read from
 * disk (Node), nothing → the installed weights of that network (VGG16, DINOv2) in the cache directory. A missing file is
 * a `WeightsNotFoundError` that says how to install the weights; nothing falls back to other
 * weights and nothing is downloaded here.
 */
import { WeightsNotFoundError } from '../errors.js';
import { installedWeightsPath } from './cache-dir.js';
import { DINOV2_WEIGHTS_FILE } from './dinov2-weights.js';
import { IMAGENET_WEIGHTS_FILE } from './vgg16-weights.js';

/** A network's weights source: a safetensors file path (Node) or its bytes. */
export type WeightsSource = string | Uint8Array | ArrayBuffer;

export interface WeightsBytes {
  bytes: Uint8Array;
  /** For messages: the path, or a description. */
  source: string;
}

/** Which network's weights are resolved: names for messages, the installed file, how to install it. */
export interface WeightsKind {
  /** E.g. "VGG16 ImageNet weights". */
  what: string;
  /** The extractor that needs them, for messages. */
  extractor: string;
  /** File name in the cache directory. */
  file: string;
  installHelp: string;
}

export const VGG16_WEIGHTS: WeightsKind = {
  what: 'VGG16 ImageNet weights',
  extractor: 'vgg16',
  file: IMAGENET_WEIGHTS_FILE,
  installHelp:
    'Install them once with `convpaint weights fetch` (downloads torchvision\'s vgg16-397923af.pth, 528 MB, ' +
    'and converts it), or from a local copy with `convpaint weights convert vgg16-397923af.pth`; ' +
    'or pass a weights file explicitly (ExtractorOptions.weights / --weights).',
};

export const DINOV2_WEIGHTS: WeightsKind = {
  what: 'DINOv2 ViT-S/14-reg4 weights',
  extractor: 'dinov2_small-reg',
  file: DINOV2_WEIGHTS_FILE,
  installHelp:
    'Install them once with `convpaint weights fetch dinov2` (downloads the hub\'s dinov2_vits14_reg4_pretrain.pth, 84 MB, ' +
    'and converts it), or from a local copy with `convpaint weights convert dinov2_vits14_reg4_pretrain.pth`; ' +
    'or pass a weights file explicitly (ExtractorOptions.weights / --weights).',
};

async function readFileNode(path: string): Promise<Uint8Array | null> {
  // A variable specifier keeps browser bundlers away from the Node-only module.
  const specifier = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
  try {
    return await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function resolveWeightsBytes(weights: WeightsSource | undefined, kind: WeightsKind = VGG16_WEIGHTS): Promise<WeightsBytes> {
  if (weights instanceof Uint8Array) return { bytes: weights, source: 'the given weights bytes' };
  if (weights instanceof ArrayBuffer) return { bytes: new Uint8Array(weights), source: 'the given weights bytes' };
  if (typeof weights === 'string') {
    const bytes = await readFileNode(weights);
    if (!bytes) throw new WeightsNotFoundError(`${kind.what} file ${weights} does not exist.`);
    return { bytes, source: weights };
  }
  const path = installedWeightsPath(kind.file);
  if (path === null) {
    throw new WeightsNotFoundError(
      `${kind.what} are needed for the ${kind.extractor} feature extractor, and there is no installed copy in a browser: ` +
        'pass them as bytes (ExtractorOptions.weights), e.g. from the page\'s IndexedDB store (src/weights/browser-store.ts).',
    );
  }
  const bytes = await readFileNode(path);
  if (!bytes) {
    throw new WeightsNotFoundError(`${kind.what} are not installed (looked for ${path}; set CONVPAINT_HOME to use another directory). ${kind.installHelp}`);
  }
  return { bytes, source: path };
}
