/**
 * Installing network weights into the cache directory (Node only): torchvision's VGG16 ImageNet
 * checkpoint or the DINOv2 hub's ViT-S/14-reg4, from a local checkpoint (`installFromCheckpoint`,
 * which tells the two apart by their tensors) or by downloading it (`fetchAndInstall`). The
 * safetensors file is written atomically (temp file + rename), so an interrupted install never
 * leaves a half-written file where the extractor looks.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ValueError } from '../errors.js';
import { writeSafetensorsFile } from '../io/safetensors-node.js';
import { convpaintHome } from './cache-dir.js';
import { convertVgg16Checkpoint } from './convert.js';
import { readTorchCheckpoint } from './checkpoint.js';
import { convertDinov2Checkpoint, isDinov2Checkpoint } from './convert-dinov2.js';
import { DINOV2_WEIGHTS_FILE } from './dinov2-weights.js';
import { downloadVerified } from './download.js';
import type { DownloadProgress } from './download.js';
import { IMAGENET_WEIGHTS_FILE } from './vgg16-weights.js';

/** torchvision's ImageNet VGG16 (V1) checkpoint. */
export const DEFAULT_WEIGHTS_URL = 'https://download.pytorch.org/models/vgg16-397923af.pth';

/**
 * The DINOv2 hub's ViT-S/14 with 4 registers (what `torch.hub.load('facebookresearch/dinov2',
 * 'dinov2_vits14_reg')` downloads). The hub publishes no checksum for it (its name carries no
 * hash prefix and the hub loads it unchecked), so the download is verified by its content: the
 * conversion requires every tensor of the architecture with its exact shape, and finite values.
 */
export const DINOV2_WEIGHTS_URL = 'https://dl.fbaipublicfiles.com/dinov2/dinov2_vits14/dinov2_vits14_reg4_pretrain.pth';

/** The networks whose weights can be installed. */
export type WeightsNetwork = 'vgg16' | 'dinov2';

const NETWORKS: Record<WeightsNetwork, { file: string; url: string; checksum: 'name' | 'content' }> = {
  vgg16: { file: IMAGENET_WEIGHTS_FILE, url: DEFAULT_WEIGHTS_URL, checksum: 'name' },
  dinov2: { file: DINOV2_WEIGHTS_FILE, url: DINOV2_WEIGHTS_URL, checksum: 'content' },
};

/** The installed file name and default download URL of a network's weights. */
export function weightsNetwork(network: WeightsNetwork): { file: string; url: string } {
  const n = NETWORKS[network];
  if (!n) throw new ValueError(`unknown network "${String(network)}": weights can be installed for ${Object.keys(NETWORKS).join(', ')}`);
  return { file: n.file, url: n.url };
}

/** Where the converted weights went and what they hold. */
export interface InstallResult {
  /** Which network the checkpoint held. */
  network: WeightsNetwork;
  /** Where the safetensors file was written. */
  path: string;
  /** Conv layers (VGG16) or transformer blocks (DINOv2) installed. */
  layers: number;
  bytes: number;
  /** VGG16: all 13 conv layers with VGG16's channel counts (always false for DINOv2). */
  matchesVgg16: boolean;
  /** Things the user should know (e.g. not VGG16's channel counts). */
  warnings: string[];
}

/** Options of the weights installers. */
export interface InstallOptions {
  /** Cache directory; default $CONVPAINT_HOME or ~/.cache/convpaint-webgpu. */
  home?: string;
  /** Write here instead of the cache directory (`vgg16-imagenet.safetensors`, `dinov2-vits14-reg4.safetensors`). */
  out?: string;
}

function targetPath(options: InstallOptions, network: WeightsNetwork): string {
  if (options.out) return options.out;
  const home = options.home ?? convpaintHome();
  if (!home) throw new ValueError('no cache directory: set CONVPAINT_HOME or HOME, or give an output path');
  return join(home, weightsNetwork(network).file);
}

/** Converts and installs; with `expected`, a checkpoint of another network is refused before anything is written. */
async function convertAndWrite(bytes: Uint8Array, source: string, options: InstallOptions, expected?: WeightsNetwork): Promise<InstallResult> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const checkpoint = readTorchCheckpoint(bytes);
  const network: WeightsNetwork = isDinov2Checkpoint(checkpoint) ? 'dinov2' : 'vgg16';
  if (expected && network !== expected) throw new ValueError(`${source} holds ${network} weights, not ${expected}: nothing was installed`);
  if (network === 'dinov2') {
    const converted = convertDinov2Checkpoint(bytes, { source, metadata: { source_sha256: sha256 } }, checkpoint);
    const target = targetPath(options, 'dinov2');
    await mkdir(dirname(target), { recursive: true });
    await writeSafetensorsFile(target, converted.tensors, converted.metadata);
    const total = converted.tensors.reduce((n, t) => n + t.data.length * 4, 0);
    return { network: 'dinov2', path: target, layers: 12, bytes: total, matchesVgg16: false, warnings: [] };
  }
  const target = targetPath(options, 'vgg16');
  const converted = convertVgg16Checkpoint(bytes, { source, metadata: { source_sha256: sha256 } });
  await mkdir(dirname(target), { recursive: true });
  await writeSafetensorsFile(target, converted.tensors, converted.metadata);
  const warnings: string[] = [];
  if (!converted.matchesVgg16) {
    warnings.push(
      `${source} holds ${converted.layers.length} conv layers with channels ${converted.layers.map((l) => l.cOut).join(', ')}, ` +
        'not VGG16\'s 13 layers (64, 64, 128, …, 512): the vgg16 extractor will refuse this file',
    );
  }
  const total = converted.tensors.reduce((n, t) => n + t.data.length * 4, 0);
  return { network: 'vgg16', path: target, layers: converted.layers.length, bytes: total, matchesVgg16: converted.matchesVgg16, warnings };
}

/** Converts a local checkpoint (torchvision VGG16 or the DINOv2 hub's, told apart by content) and installs it (`convpaint weights convert FILE`). */
export async function installFromCheckpoint(file: string, options: InstallOptions = {}): Promise<InstallResult> {
  const bytes = await readFile(file);
  return convertAndWrite(bytes, basename(file), options);
}

/** Options of `fetchAndInstall`: where to download from, and progress. */
export interface FetchOptions extends InstallOptions {
  /** Which network (default `vgg16`). */
  network?: WeightsNetwork;
  url?: string;
  /** Keep the downloaded .pth next to the installed weights (default: delete it). */
  keepCheckpoint?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  /** Called once the download is verified, before the conversion. */
  onVerified?: (file: string) => void;
}

/**
 * Downloads the checkpoint into the cache directory (resuming a `.part` file), verifies it (VGG16:
 * its SHA-256 against the prefix in its name; DINOv2, which has no published checksum: by its
 * content, in the conversion), converts and installs it (`convpaint weights fetch [dinov2]`).
 */
export async function fetchAndInstall(options: FetchOptions = {}): Promise<InstallResult & { checkpoint: string | null }> {
  const network = options.network ?? 'vgg16';
  const url = options.url ?? weightsNetwork(network).url;
  const target = targetPath(options, network);
  const name = basename(new URL(url).pathname);
  const checkpoint = join(dirname(target), name);
  await mkdir(dirname(target), { recursive: true });
  await downloadVerified(url, checkpoint, { onProgress: options.onProgress, checksum: NETWORKS[network].checksum });
  options.onVerified?.(checkpoint);
  let result: InstallResult;
  try {
    result = await convertAndWrite(await readFile(checkpoint), name, options, network);
  } catch (error) {
    // A verified download that is not the network asked for (or does not convert) is of no use.
    if (!options.keepCheckpoint) await rm(checkpoint, { force: true });
    throw error;
  }
  if (!options.keepCheckpoint) await rm(checkpoint, { force: true });
  return { ...result, checkpoint: options.keepCheckpoint ? checkpoint : null };
}
