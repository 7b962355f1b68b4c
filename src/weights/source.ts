/**
 * Turns an `ExtractorOptions.weights` value into bytes: given bytes as they are, a path read from
 * disk (Node), nothing → the installed ImageNet weights in the cache directory. A missing file is
 * a `WeightsNotFoundError` that says how to install the weights; nothing falls back to other
 * weights and nothing is downloaded here.
 */
import { WeightsNotFoundError } from '../errors.js';
import { imagenetWeightsPath } from './cache-dir.js';

/** A VGG weights source: a safetensors file path (Node) or its bytes. */
export type WeightsSource = string | Uint8Array | ArrayBuffer;

export interface WeightsBytes {
  bytes: Uint8Array;
  /** For messages: the path, or a description. */
  source: string;
}

const INSTALL_HELP =
  'Install them once with `convpaint weights fetch` (downloads torchvision\'s vgg16-397923af.pth, 528 MB, ' +
  'and converts it), or from a local copy with `convpaint weights convert vgg16-397923af.pth`; ' +
  'or pass a weights file explicitly (ExtractorOptions.weights / --weights).';

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

export async function resolveWeightsBytes(weights: WeightsSource | undefined): Promise<WeightsBytes> {
  if (weights instanceof Uint8Array) return { bytes: weights, source: 'the given weights bytes' };
  if (weights instanceof ArrayBuffer) return { bytes: new Uint8Array(weights), source: 'the given weights bytes' };
  if (typeof weights === 'string') {
    const bytes = await readFileNode(weights);
    if (!bytes) throw new WeightsNotFoundError(`VGG16 weights file ${weights} does not exist.`);
    return { bytes, source: weights };
  }
  const path = imagenetWeightsPath();
  if (path === null) {
    throw new WeightsNotFoundError(
      'VGG16 ImageNet weights are needed for the vgg16 feature extractor, and there is no installed copy in a browser: ' +
        'pass them as bytes (ExtractorOptions.weights), e.g. from the page\'s IndexedDB store (src/weights/browser-store.ts).',
    );
  }
  const bytes = await readFileNode(path);
  if (!bytes) {
    throw new WeightsNotFoundError(`VGG16 ImageNet weights are not installed (looked for ${path}; set CONVPAINT_HOME to use another directory). ${INSTALL_HELP}`);
  }
  return { bytes, source: path };
}
