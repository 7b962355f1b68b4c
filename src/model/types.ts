/**
 * The types of the `ConvpaintModel` API: where a model comes from, creation options, call
 * options and results. Images are `{ data: TypedArray, shape: number[] }` in numpy order.
 */
import type { GpuContext } from '../gpu/context.js';
import type { LabelArray } from '../postprocess/labels.js';
import type { WeightsOption } from '../weights/assign.js';
import type { Param, ParamValues } from './param.js';

/** Where a model comes from: exactly one of these (none → the default model, `vgg`). */
export interface ModelSource {
  /** A standard model: `vgg`, `vgg-m`, `vgg-l`, `gaussian`, `ilastik`, `dinov2` (REFERENCE.md §2.3). */
  alias?: string;
  /** A `.yml` parameter file, a `.safetensors` model bundle (Node), or a `.pkl` (refused). */
  modelPath?: string;
  /** Bundle bytes (browsers, or files read elsewhere). */
  bundle?: Uint8Array;
  /** Parameters: a `Param` or a plain object with the reference's keys. */
  param?: Param | Partial<ParamValues>;
  /** An extractor name, with parameter overrides as further keys (`fe_layers`, `fe_scalings`, …). */
  feName?: string;
  [override: string]: unknown;
}

/** Where features are computed: `auto` (WebGPU if an adapter exists, else the CPU), `webgpu`, `cpu`, or a device or context of the caller's. */
export type DeviceChoice = 'auto' | 'webgpu' | 'cpu' | GPUDevice | GpuContext;

/** Progress of long work: `stage` (`features`, `train`, `gbdt`, `predict`, …), `done` of `total`. */
export interface ProgressEvent {
  stage: string;
  done: number;
  total: number;
}

/** Options of `ConvpaintModel.create`. */
export interface CreateOptions {
  /** `auto` (default): WebGPU when an adapter exists, else the CPU reference with a warning. */
  device?: DeviceChoice;
  /**
   * Network weights (safetensors path or bytes) instead of the installed ones: one source, or a
   * list with one file per network for extractors with two (`combo_dino_vgg`: VGG16 and DINOv2);
   * each file goes to the network its tensors are for.
   */
  weights?: WeightsOption;
  /**
   * Where the GBDT trains: `gpu` (the WGSL trainer, on the model's device), `cpu` (the TypeScript
   * trainer), or `auto` (default): the GPU trainer on a hardware GPU, the CPU trainer on the CPU
   * engine and on software adapters (lavapipe, SwiftShader), where it is as fast or faster. Both
   * grow the same trees from the same rows; the random forest trains on the CPU.
   */
  trainer?: 'auto' | 'gpu' | 'cpu';
  /**
   * Bytes of tile features kept between calls (default 256 MiB; 0: none). The interactive loop —
   * train on a stroke, segment the same image — then computes features only for tiles it has
   * not seen: training on new scribbles and segmenting again reuse them. On the GPU engine this
   * is GPU memory, on the CPU engine JavaScript memory. Entries are keyed by the image's content,
   * the extractor and its settings, so nothing stale is ever used.
   */
  featureCacheBytes?: number;
  /**
   * Bytes one tile's GPU buffers may use. Images whose features exceed it are processed in more
   * tiles and bands; results do not change. Default: the device's largest binding, at most
   * 512 MiB. Lower it to leave GPU memory to the rest of a page.
   */
  tileBudgetBytes?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Where warnings go (default: console.warn). */
  onWarning?: (message: string) => void;
}

/** Options of `train`. */
export interface TrainOptions {
  /** Extract only pixels whose label changed since the last call for the same image id, train on all remembered. */
  memoryMode?: boolean;
  /** Image id (memory mode): a string for one image, a list for a list. */
  imgIds?: string | string[];
  /** A random forest (scikit-learn's defaults) instead of the GBDT. */
  useRf?: boolean;
  /** The channels to use (indices into the image's channel axis). */
  inChannels?: number[];
  /** The image is normalised already. */
  skipNorm?: boolean;
}

/** Options of `segment`, `predictProbas`, `predict` and `getFeatureImage`. */
export interface PredictCallOptions {
  /** The channels to use (as at training). */
  inChannels?: number[];
  /** The image is normalised already. */
  skipNorm?: boolean;
  /**
   * Only this rectangle of the image (input pixels), for `segment`, `predictProbas` and `predict`
   * of one image: the result is `[height, width]` (`[K, height, width]`), equal to the same
   * window of the whole image's result, and only the tiles that cover it (with the halo the
   * features and the smoothing need) are computed — what a viewer needs for what is on screen.
   */
  region?: Region;
  /** Stops the prediction between tiles once aborted, rejecting with CancelledError (a newer stroke supersedes it). */
  signal?: AbortSignal;
}

/** A rectangle of an image: rows [y, y + height), columns [x, x + width) of plane `plane` (stacks; default 0). */
export interface Region {
  y: number;
  x: number;
  height: number;
  width: number;
  plane?: number;
}

/** A segmentation: class values with the input's spatial shape ([H, W] or [Z, H, W]). */
export interface LabelImage {
  data: LabelArray;
  shape: number[];
}

/** A float array in numpy order (probabilities [K, ...spatial], features [F, ...spatial]). */
export interface FloatImage {
  data: Float32Array;
  shape: number[];
}

/** Probabilities and labels of one image from one prediction pass (`ConvpaintModel.predict`). */
export interface PredictionResult {
  /** [K, ...spatial], classes in ascending class value order (`model.classes`). */
  probabilities: FloatImage;
  /** Class values, equal to what `segment` returns. */
  labels: LabelImage;
}

/** Training rows: features `[n, F]` of labelled pixels and their labels. */
export interface TrainingRowsResult {
  features: FloatImage;
  targets: Int32Array;
}

/** One image or a list of images (list in → list out). */
export type ImageInput = { data: ArrayLike<number>; shape: number[] } | Array<{ data: ArrayLike<number>; shape: number[] }>;
