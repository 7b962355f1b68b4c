/**
 * An engine runs the heavy part of the pipeline — features, training rows, prediction — on one
 * device: `GpuEngine` (WebGPU kernels, one batch per call, features never leave the GPU) or
 * `CpuEngine` (the plain-TypeScript references; the `device: 'cpu'` fallback). Both follow the
 * same tile plan (tiling.ts), so they produce the same rows and labels.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import type { Labels3D } from '../prepare/dims.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { CancelledError, HostMemoryError } from '../errors.js';
import { overallPaddings } from '../features/padding.js';
import { predictionBands, tileArea } from './tiling.js';
import type { OutputRegion, PaddedGeometry, PredictionBand, RegionTiling, TileJob } from './tiling.js';
import type { FeatureCacheStats } from './feature-cache.js';

export interface TrainingRows {
  /** Row-major [n, F]. */
  x: Float32Array;
  y: Int32Array;
  /** Flat z·H·W + y·W + x of each row in the (rescaled) image. */
  coords: Uint32Array;
  nFeatures: number;
}

export interface PredictOptions {
  /** Only this rectangle of the output (a plane's window), as the whole-image result has it there. */
  region?: OutputRegion;
  /** Checked between batches of tiles: once aborted, the prediction stops with CancelledError. */
  signal?: AbortSignal;
  /** Use the reference's 1000-pixel blocks (`tile_image`); blocks are used anyway when needed. */
  tileImage: boolean;
  /** `seg_smoothening`: majority filter radius, applied when > 1. */
  smoothing: number;
  /** Size to bring the probabilities back to (after `image_downsample`), else the image's. */
  outputSize?: [number, number];
  wantProbas: boolean;
  wantLabels: boolean;
}

export interface Prediction {
  /** [K, Z, H, W] probabilities (classes in ascending class value order); Z, H, W the region's when one was asked for. */
  probas?: Float32Array;
  /** [Z, H, W] class indices. */
  classIndex?: Uint32Array;
  shape: [number, number, number];
  /** The output rectangle the arrays hold: the region, or every plane whole. */
  origin: { z: number; y0: number; x0: number };
}

/** An empty result for the output of `options` (the region, or all `planes` of [oh, ow]). */
export function predictionResult(classes: number, planes: number, [oh, ow]: readonly [number, number], options: PredictOptions): Prediction {
  const r = options.region;
  const shape: [number, number, number] = r ? [1, r.height, r.width] : [planes, oh, ow];
  const out: Prediction = { shape, origin: r ? { z: r.z, y0: r.y0, x0: r.x0 } : { z: 0, y0: 0, x0: 0 } };
  const size = shape[0] * shape[1] * shape[2];
  if (options.wantProbas) out.probas = hostArray(Float32Array, classes * size, 'the probabilities');
  if (options.wantLabels) out.classIndex = hostArray(Uint32Array, size, 'the labels');
  return out;
}

/**
 * A paster of one band's computed window into the result: `data` holds the window [rows, width]
 * starting at output (row, col) = `start`; the band's own rows × columns go to plane `plane` of
 * the result (a class plane for probabilities; 0 for labels).
 */
export function pasteInto(result: Prediction, band: { z: number; rows: [number, number]; cols: [number, number] }, [e0, ec0]: readonly [number, number], width: number) {
  const [Z, RH, RW] = result.shape;
  const { z: z0, y0, x0 } = result.origin;
  return (target: Float32Array | Uint32Array, data: Float32Array | Uint32Array, plane: number) => {
    const cw = band.cols[1] - band.cols[0];
    for (let y = band.rows[0]; y < band.rows[1]; y++) {
      const from = (y - e0) * width + (band.cols[0] - ec0);
      const to = ((plane * Z + (band.z - z0)) * RH + (y - y0)) * RW + (band.cols[0] - x0);
      target.set(data.subarray(from, from + cw), to);
    }
  };
}

export interface ProgressSink {
  (stage: string, done: number, total: number): void;
}

export interface Engine {
  readonly kind: 'webgpu' | 'cpu';
  /** Tile features kept between calls. */
  readonly features: { stats(): FeatureCacheStats; clear(): void };
  trainingRows(fe: FeatureExtractor, image: PreparedImage, labels: Labels3D, pyramid: PyramidOptions, tileAnnotations: boolean, progress?: ProgressSink): Promise<TrainingRows>;
  predict(fe: FeatureExtractor, model: TreeEnsemble, image: PreparedImage, pyramid: PyramidOptions, options: PredictOptions, progress?: ProgressSink): Promise<Prediction>;
  /** [F, Z, H, W] features of the whole image. */
  featureImage(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, tileImage: boolean, progress?: ProgressSink): Promise<Float32Array>;
  dispose(): void;
}

export function paddedGeometry(fe: FeatureExtractor, pyramid: PyramidOptions, height: number, width: number): PaddedGeometry {
  const p = overallPaddings(fe.padding, fe.patchSize, pyramid.scalings, height, width);
  return {
    pads: { top: p.top, bottom: p.bottom, left: p.left, right: p.right },
    alignment: p.alignment,
    height,
    width,
    paddedH: height + p.top + p.bottom,
    paddedW: width + p.left + p.right,
    tileContext: fe.tileContext,
  };
}

/**
 * The bands of one prediction (tiling.ts predictionBands). A region is tiled on the whole-image
 * grid when `cached` holds every one of those tiles (nothing to compute, as after a whole-image
 * pass), else with its own tiles: with large grid blocks a small view would otherwise compute
 * up to four whole blocks.
 */
export function planBands(
  g: PaddedGeometry,
  planes: number,
  block: number,
  output: readonly [number, number],
  bandRows: number,
  halo: number,
  region: OutputRegion | undefined,
  cached: (job: TileJob) => boolean,
): PredictionBand[] {
  const plan = (tiling: RegionTiling) => predictionBands(g, planes, block, output, bandRows, halo, region, tiling);
  if (!region) return plan('grid');
  const grid = plan('grid');
  return grid.every((band) => band.jobs.every(cached)) ? grid : plan('own');
}

/**
 * Padded area the grid's training tiles may cost, as a multiple of the cheapest plan's, and still
 * be chosen: the segmentation that usually follows needs those tiles, so computing them now saves
 * at least as much as it costs. On the sample with scribbles everywhere the grid costs 1.07×
 * (ilastik) to 1.8× (gaussian); a stroke on a large image, tens to hundreds of times.
 */
export const GRID_TRAINING_AREA = 2;

/**
 * Whether training should compute the prediction grid's tiles (`trainingPlan`'s `preferGrid`):
 * when the cache holds all of them (nothing to compute), when each plane is one block (the
 * segmentation needs exactly that tile), or when they cost at most GRID_TRAINING_AREA times the
 * cheapest tiles for the scribbles. Otherwise — a stroke on a large image — the cheapest tiles win.
 */
export function gridTrainingRule(g: PaddedGeometry, block: number, cached: (job: TileJob) => boolean): (tiles: readonly TileJob[], cheapestArea: number) => boolean {
  const onePerPlane = g.height <= block && g.width <= block;
  return (tiles, cheapestArea) => onePerPlane || tiles.every(cached) || tileArea(tiles) <= GRID_TRAINING_AREA * cheapestArea;
}

/** Throws CancelledError when `signal` has fired. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('the prediction was cancelled');
}

/**
 * Concatenates per-tile rows into one set; with `order` (TrainingPlan.order), row k of the
 * concatenation goes to position order[k].
 */
export function concatRows(parts: Array<{ x: Float32Array; y: Int32Array; coords: Uint32Array }>, nFeatures: number, order: Uint32Array | null = null): TrainingRows {
  const n = parts.reduce((a, p) => a + p.y.length, 0);
  const x = new Float32Array(n * nFeatures);
  const y = new Int32Array(n);
  const coords = new Uint32Array(n);
  let at = 0;
  for (const p of parts) {
    for (let i = 0; i < p.y.length; i++, at++) {
      const to = order ? order[at] : at;
      x.set(p.x.subarray(i * nFeatures, (i + 1) * nFeatures), to * nFeatures);
      y[to] = p.y[i];
      coords[to] = p.coords[i];
    }
  }
  return { x, y, coords, nFeatures };
}

/**
 * A result array on the host, or a `HostMemoryError` saying how large it would be: the GPU side
 * tiles anything, but a whole-image result (e.g. the 64 × 8192² feature image of `vgg`) must
 * fit one JavaScript array, and the engine's own RangeError would not say why.
 */
export function hostArray<T extends Float32Array | Uint32Array>(Kind: new (length: number) => T, length: number, what: string): T {
  try {
    return new Kind(length);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new HostMemoryError(
      `${what} needs ${((length * 4) / 2 ** 30).toFixed(1)} GiB in one array, more than this JavaScript engine allows (${error.message}); ` +
        'use a smaller image, fewer features or image_downsample, or segment instead of asking for the whole feature image',
    );
  }
}

/** Copies a tile's [F, wh, ww] features into the [F, Z, H, W] image at the job's kept box. */
export function pasteFeatures(out: Float32Array, feats: Float32Array, f: number, [z, h, w]: [number, number, number], job: TileJob): void {
  const { height: wh, width: ww } = job.window;
  for (let ff = 0; ff < f; ff++) {
    for (let y = 0; y < wh; y++) {
      const from = ff * wh * ww + y * ww;
      out.set(feats.subarray(from, from + ww), ((ff * z + job.z) * h + job.kept.y0 + y) * w + job.kept.x0);
    }
  }
}
