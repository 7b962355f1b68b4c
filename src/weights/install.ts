/**
 * Installing the VGG16 ImageNet weights into the cache directory (Node only): from a local
 * torchvision checkpoint (`installFromCheckpoint`) or by downloading it (`fetchAndInstall`). The
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
import { downloadVerified } from './download.js';
import type { DownloadProgress } from './download.js';
import { IMAGENET_WEIGHTS_FILE } from './vgg16-weights.js';

/** torchvision's ImageNet VGG16 (V1) checkpoint. */
export const DEFAULT_WEIGHTS_URL = 'https://download.pytorch.org/models/vgg16-397923af.pth';

/** Where the converted weights went and what they hold. */
export interface InstallResult {
  /** Where the safetensors file was written. */
  path: string;
  layers: number;
  bytes: number;
  matchesVgg16: boolean;
  /** Things the user should know (e.g. not VGG16's channel counts). */
  warnings: string[];
}

/** Options of the weights installers. */
export interface InstallOptions {
  /** Cache directory; default $CONVPAINT_HOME or ~/.cache/convpaint-webgpu. */
  home?: string;
  /** Write here instead of `<home>/vgg16-imagenet.safetensors`. */
  out?: string;
}

function targetPath(options: InstallOptions): string {
  if (options.out) return options.out;
  const home = options.home ?? convpaintHome();
  if (!home) throw new ValueError('no cache directory: set CONVPAINT_HOME or HOME, or give an output path');
  return join(home, IMAGENET_WEIGHTS_FILE);
}

async function convertAndWrite(bytes: Uint8Array, source: string, target: string): Promise<InstallResult> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
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
  return { path: target, layers: converted.layers.length, bytes: total, matchesVgg16: converted.matchesVgg16, warnings };
}

/** Converts a local torchvision checkpoint and installs it (`convpaint weights convert FILE`). */
export async function installFromCheckpoint(file: string, options: InstallOptions = {}): Promise<InstallResult> {
  const bytes = await readFile(file);
  return convertAndWrite(bytes, basename(file), targetPath(options));
}

/** Options of `fetchAndInstall`: where to download from, and progress. */
export interface FetchOptions extends InstallOptions {
  url?: string;
  /** Keep the downloaded .pth next to the installed weights (default: delete it). */
  keepCheckpoint?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  /** Called once the download is verified, before the conversion. */
  onVerified?: (file: string) => void;
}

/**
 * Downloads the checkpoint into the cache directory (resuming a `.part` file), verifies its
 * SHA-256 against the prefix in its name, converts and installs it (`convpaint weights fetch`).
 */
export async function fetchAndInstall(options: FetchOptions = {}): Promise<InstallResult & { checkpoint: string | null }> {
  const url = options.url ?? DEFAULT_WEIGHTS_URL;
  const target = targetPath(options);
  const name = basename(new URL(url).pathname);
  const checkpoint = join(dirname(target), name);
  await mkdir(dirname(target), { recursive: true });
  await downloadVerified(url, checkpoint, { onProgress: options.onProgress });
  options.onVerified?.(checkpoint);
  const result = await convertAndWrite(await readFile(checkpoint), name, target);
  if (!options.keepCheckpoint) await rm(checkpoint, { force: true });
  return { ...result, checkpoint: options.keepCheckpoint ? checkpoint : null };
}
