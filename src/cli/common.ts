/**
 * Options and helpers the commands share: device and weights, where a model comes from
 * (`--alias | --model | --fe` with `--layers/--scalings`), and how a file becomes the engine's
 * array with a check that names the files when an image and its labels disagree.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import { ConvpaintModel } from '../model/convpaint-model.js';
import type { DeviceChoice, ModelSource } from '../model/convpaint-model.js';
import type { ChannelMode } from '../prepare/dims.js';
import { prepareImageDims } from '../prepare/dims.js';
import { ShapeError } from '../errors.js';
import type { ImageArray } from '../io/image-read.js';
import { CliError } from './errors.js';
import type { Reporter } from './progress.js';

export interface CommonOptions {
  device: 'auto' | 'webgpu' | 'cpu';
  /** Every --weights given, in order. */
  weights?: string[];
  quiet?: boolean;
  json?: boolean;
}

export interface SourceOptions {
  alias?: string;
  model?: string;
  fe?: string;
  layers?: string;
  scalings?: string;
  channelMode?: ChannelMode;
}

/** --device, --weights, --quiet, --json. */
export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--device <device>', 'where features are computed: WebGPU if an adapter exists, else the CPU (auto); WebGPU or fail (webgpu); the CPU reference (cpu, slow)').choices(['auto', 'webgpu', 'cpu']).default('auto'))
    .option(
      '--weights <file>',
      'network weights (.safetensors) instead of the installed ones (`convpaint weights fetch [vgg16|dinov2]`); repeat it for an extractor with two networks (combo_dino_vgg: VGG16 and DINOv2)',
      (file: string, given?: string[]) => [...(given ?? []), file],
    )
    .option('-q, --quiet', 'print nothing but errors (no progress bars, no warnings)')
    .option('--json', 'print a machine-readable summary on stdout at the end (human lines go to stderr)');
}

/** --alias | --model | --fe (+ --layers, --scalings), --channel-mode. */
export function addSourceOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--alias <name>', `${what} from a standard model: vgg, vgg-m, vgg-l, gaussian, ilastik, dinov2 (default: vgg, which needs the VGG weights)`)
    .option('--model <model>', `${what} from a model file: parameters (.yml, also written by napari-convpaint), a trained bundle (.safetensors), or the name given to \`convpaint train --out\``)
    .option('--fe <name>', `${what} from a feature extractor name (vgg16, gaussian_features, ilastik_2d, dinov2_small-reg, combo_dino_vgg, combo_dino_gauss, combo_dino_ilastik), with --layers and --scalings`)
    .option('--layers <list>', 'with --fe: layers to use, comma-separated indices or names (e.g. 0,1 or features.0)')
    .option('--scalings <list>', 'with --fe: pyramid scalings, comma-separated (e.g. 1,2,4)')
    .addOption(new Option('--channel-mode <mode>', 'how a 3-D array is read: Z planes (single), channels (multi), or RGB (rgb)').choices(['single', 'multi', 'rgb']));
}

export function parseIntList(text: string, what: string): number[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const values = items.map(Number);
  if (items.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) throw new CliError(`${what} must be comma-separated positive integers, got "${text}"`);
  return values;
}

export function parseLayers(text: string): Array<string | number> {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new CliError(`--layers must list at least one layer, got "${text}"`);
  return items.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function parsePositiveInt(text: string, what: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new CliError(`${what} must be a positive integer, got "${text}"`);
  return v;
}

export function parsePositiveNumber(text: string, what: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) throw new CliError(`${what} must be a positive number, got "${text}"`);
  return v;
}

/** The ModelSource for ConvpaintModel.create from --alias/--model/--fe; checks they are not mixed. */
export function modelSource(opts: SourceOptions): ModelSource {
  const given = [opts.alias && '--alias', opts.model && '--model', opts.fe && '--fe'].filter(Boolean);
  if (given.length > 1) throw new CliError(`choose one of --alias, --model and --fe (got ${given.join(' and ')})`);
  if (!opts.fe && (opts.layers || opts.scalings)) throw new CliError('--layers and --scalings go with --fe (an alias or model file already fixes them)');
  if (opts.alias) return { alias: opts.alias };
  if (opts.model) return { modelPath: opts.model };
  if (opts.fe) {
    const source: ModelSource = { feName: opts.fe };
    if (opts.layers) source.fe_layers = parseLayers(opts.layers);
    if (opts.scalings) source.fe_scalings = parseIntList(opts.scalings, '--scalings');
    return source;
  }
  return {};
}

/** Creates a model with the command's device, weights, progress and warnings. */
export async function createModel(source: ModelSource, opts: CommonOptions, reporter: Reporter): Promise<ConvpaintModel> {
  return reporter.timed('load', () =>
    ConvpaintModel.create(source, {
      device: opts.device as DeviceChoice,
      weights: opts.weights && (opts.weights.length === 1 ? opts.weights[0] : opts.weights),
      onProgress: reporter.onProgress,
      onWarning: reporter.warn,
    }),
  );
}

/** The [Z, H, W] an image has under a channel mode (as the model will read it). */
export function spatialShape(image: ImageArray, mode: ChannelMode): { zhw: [number, number, number]; mode: ChannelMode } {
  const prepared = prepareImageDims([{ data: image.data, shape: image.shape }], mode);
  const [, z, h, w] = prepared.images[0].shape;
  return { zhw: [z, h, w], mode: prepared.channelMode };
}

/** Labels must cover the image's planes exactly; the message names both files. */
export function checkLabelsFit(image: ImageArray, imagePath: string, labels: ImageArray, labelsPath: string, mode: ChannelMode, what = 'scribbles'): void {
  const { zhw } = spatialShape(image, mode);
  const l = labels.shape.length === 2 ? [1, ...labels.shape] : labels.shape;
  if (l.length !== 3 || l[0] !== zhw[0] || l[1] !== zhw[1] || l[2] !== zhw[2]) {
    const show = (s: readonly number[]) => (s[0] === 1 ? s.slice(1) : s).join('×');
    const transposed = l[1] === zhw[2] && l[2] === zhw[1] && zhw[1] !== zhw[2] ? ' — transposed?' : '';
    throw new ShapeError(`${what} ${labelsPath} are ${show(l)} but image ${imagePath} is ${show(zhw)} (channel_mode ${mode})${transposed}`);
  }
}

/** Fraction of pixels with truth > 0 where the labels equal the truth. */
export function accuracy(labels: ArrayLike<number>, truth: ArrayLike<number>, exclude?: ArrayLike<number>): { accuracy: number; pixels: number } {
  if (labels.length !== truth.length) throw new ShapeError(`ground truth has ${truth.length} pixels but the segmentation has ${labels.length}`);
  let right = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (truth[i] === 0 || (exclude && exclude[i] > 0)) continue;
    n++;
    if (labels[i] === truth[i]) right++;
  }
  return { accuracy: n ? right / n : NaN, pixels: n };
}

/** Repeatable options (`--image a --image b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
