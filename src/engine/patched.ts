/**
 * Extractors with patched output (`FeatureExtractor.patchedOutput`: the ViTs, DINOv2) give one
 * feature vector per p×p patch of the padded image, and the reference treats them apart from the
 * pixel-wise extractors (REFERENCE.md §4.7–4.11):
 * - training upsamples the patch features to pixels with nearest (`fe_order` 0): a scribbled
 *   pixel's row is its cell's vector;
 * - prediction runs the classifier once per cell and brings the probability grid to pixels with
 *   the mirror-bilinear unpatching (`unpatch_order` 1), then crops;
 * - `get_feature_image` unpatches the features the same way.
 * Their features also depend on the whole image (global attention), so a plane is never tiled:
 * it goes through the extractor whole and the grid — small: 384 floats per 14×14 pixels — is
 * kept on the host, where everything after the extractor runs. Each engine only says how a plane
 * runs on its device (`PatchGrids`, which also keeps the grids between calls); the rest of this
 * module is shared, so the engines agree wherever their grids do.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { unpatchMirrorBilinear } from '../core/unpatch.js';
import { ValueError } from '../errors.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { channelSeries, comboPyramids, mapSlots, totalFeatures } from '../features/plan.js';
import type { PyramidOptions } from '../features/plan.js';
import { classIndexFromProbabilities } from '../postprocess/labels.js';
import type { Labels3D } from '../prepare/dims.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { predictCpu } from '../reference/forest.js';
import { upsampleBilinear } from '../reference/resample.js';
import { checkSignal, hostArray, paddedGeometry, predictionResult } from './engine.js';
import type { PredictOptions, Prediction, ProgressSink, TrainingRows } from './engine.js';
import type { PaddedGeometry } from './tiling.js';
import { cutPaddedTile } from './tile-cut.js';

/** The patch features of every plane: [F, Z, hp, wp], cell (i, j) covering padded pixels [i·p, (i+1)·p) × [j·p, (j+1)·p). */
export interface PatchGrid {
  data: Float32Array;
  features: number;
  planes: number;
  hp: number;
  wp: number;
  patch: number;
  geometry: PaddedGeometry;
}

/** One extractor pass: the padded plane's channels of one series, [1, C_in, Hp, Wp]. */
export interface PatchedPass {
  input: Float32Array;
  shape: [number, number, number, number];
}

/** Runs the extractor on passes and returns each pass's [F_layer, hp, wp] maps (one per layer). */
export type PatchGridSource = (passes: PatchedPass[]) => Promise<Float32Array[][]>;

export function isPatched(fe: FeatureExtractor): boolean {
  return fe.patchedOutput === true;
}

/** Checks what the reference enforces for patched extractors: one scale, the extractor's own. */
function checkPyramid(fe: FeatureExtractor, pyramid: PyramidOptions): void {
  if (pyramid.scalings.length !== 1 || pyramid.scalings[0] !== 1) {
    throw new ValueError(`${fe.name} gives patch features and only works at fe_scalings [1], got [${pyramid.scalings.join(', ')}]`);
  }
}

/**
 * The patch grid of a whole prepared image, every plane through the extractor whole, padded as
 * `geometry` says (default: the extractor's own padding; a combo pads for both its parts).
 */
export async function patchGrid(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, run: PatchGridSource, geometry?: PaddedGeometry): Promise<PatchGrid> {
  checkPyramid(fe, pyramid);
  const [c, z, h, w] = image.shape;
  const g = geometry ?? paddedGeometry(fe, pyramid, h, w);
  if (g.paddedH % fe.patchSize !== 0 || g.paddedW % fe.patchSize !== 0) throw new ValueError(`${fe.name}: padded size ${g.paddedH}×${g.paddedW} is not a multiple of its patch size ${fe.patchSize}`);
  const p = fe.patchSize;
  const [hp, wp] = [g.paddedH / p, g.paddedW / p];
  const series = channelSeries(fe, c, pyramid.channelMode);
  const slots = mapSlots(fe, c, pyramid);
  const f = totalFeatures(fe, c, pyramid);
  const cells = hp * wp;
  const data = hostArray(Float32Array, f * z * cells, 'the patch features');
  const plane = g.paddedH * g.paddedW;
  for (let zi = 0; zi < z; zi++) {
    const padded = cutPaddedTile(image, g.pads, zi, { y0: 0, x0: 0, y1: g.paddedH, x1: g.paddedW });
    const passes = series.map((s) => {
      const input = new Float32Array(s.channels.length * plane);
      s.channels.forEach((channel, r) => input.set(padded.subarray(channel * plane, (channel + 1) * plane), r * plane));
      return { input, shape: [1, s.channels.length, g.paddedH, g.paddedW] as [number, number, number, number] };
    });
    const maps = await run(passes);
    for (const slot of slots) {
      const map = maps[slot.series][slot.layer];
      for (let k = 0; k < slot.count; k++) {
        data.set(map.subarray(k * cells, (k + 1) * cells), ((slot.featureOffset + k) * z + zi) * cells);
      }
    }
  }
  return { data, features: f, planes: z, hp, wp, patch: p, geometry: g };
}

/** The grid plane by plane, [Z·F, hp, wp]: the layout a combo's tiles read (`GlobalFeatures`). */
export function planeMajorGrid(grid: PatchGrid): Float32Array {
  if (grid.planes === 1) return grid.data;
  const cells = grid.hp * grid.wp;
  const out = new Float32Array(grid.data.length);
  for (let z = 0; z < grid.planes; z++) out.set(planeCells(grid, z), z * grid.features * cells);
  return out;
}

/** The cache key of a grid: the image, the extractor, its pyramid and the padding. */
export function gridKey(imageKey: string, fe: FeatureExtractor, pyramid: PyramidOptions, g: PaddedGeometry): string {
  return `${imageKey}|${fe.name}|${JSON.stringify(pyramid)}|${g.pads.top},${g.pads.left},${g.paddedH},${g.paddedW}`;
}

/** The features of one plane's cells, [F, hp·wp] (the forest's planar layout). */
function planeCells(grid: PatchGrid, z: number): Float32Array {
  const cells = grid.hp * grid.wp;
  if (grid.planes === 1) return grid.data;
  const out = new Float32Array(grid.features * cells);
  for (let f = 0; f < grid.features; f++) out.set(grid.data.subarray((f * grid.planes + z) * cells, (f * grid.planes + z + 1) * cells), f * cells);
  return out;
}

/** Training rows at the labelled pixels: each the vector of the cell its padded position falls in (nearest up-sampling). */
export function patchedTrainingRows(grid: PatchGrid, labels: Labels3D): TrainingRows {
  const [z, h, w] = labels.shape;
  const { pads } = grid.geometry;
  const { features: f, hp, wp, patch } = grid;
  const cells = hp * wp;
  let n = 0;
  for (const v of labels.data) if (v > 0) n++;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  const coords = new Uint32Array(n);
  let row = 0;
  for (let zi = 0; zi < z; zi++) {
    for (let yy = 0; yy < h; yy++) {
      const cy = Math.floor((yy + pads.top) / patch);
      for (let xx = 0; xx < w; xx++) {
        const at = (zi * h + yy) * w + xx;
        const label = labels.data[at];
        if (label <= 0) continue;
        const cell = cy * wp + Math.floor((xx + pads.left) / patch);
        for (let ff = 0; ff < f; ff++) x[row * f + ff] = grid.data[(ff * grid.planes + zi) * cells + cell];
        y[row] = label;
        coords[row] = at;
        row++;
      }
    }
  }
  return { x, y, coords, nFeatures: f };
}

/** [F, Z, H, W] features at pixels: every plane's grid unpatched over the unpadded image. */
export function patchedFeatureImage(grid: PatchGrid): Float32Array {
  const { geometry: g, features: f, planes: z, hp, wp, patch } = grid;
  const out = hostArray(Float32Array, f * z * g.height * g.width, 'the feature image');
  const window = { y0: g.pads.top, x0: g.pads.left, height: g.height, width: g.width };
  const plane = g.height * g.width;
  for (let zi = 0; zi < z; zi++) {
    const up = unpatchMirrorBilinear(planeCells(grid, zi), f, hp, wp, patch, window);
    for (let ff = 0; ff < f; ff++) out.set(up.subarray(ff * plane, (ff + 1) * plane), (ff * z + zi) * plane);
  }
  return out;
}

/**
 * Probabilities and labels from the grid: the classifier per cell, the probabilities unpatched
 * over the unpadded image, brought to the output size (`image_downsample` undone) and reduced to
 * labels. A region is cut from its plane's whole result, so it equals the whole-image run there.
 */
export function patchedPrediction(grid: PatchGrid, model: TreeEnsemble, options: PredictOptions): Prediction {
  const { geometry: g, hp, wp, patch } = grid;
  const k = model.classes.length;
  const [oh, ow] = options.outputSize ?? [g.height, g.width];
  const result = predictionResult(k, grid.planes, [oh, ow], options);
  const region = options.region;
  const planes = region ? [region.z] : Array.from({ length: grid.planes }, (_, i) => i);
  const [, RH, RW] = result.shape;
  for (const zi of planes) {
    checkSignal(options.signal);
    const cellProbas = predictCpu(model, planeCells(grid, zi), 'planar').probas;
    let probas = unpatchMirrorBilinear(cellProbas, k, hp, wp, patch, { y0: g.pads.top, x0: g.pads.left, height: g.height, width: g.width });
    if (oh !== g.height || ow !== g.width) probas = upsampleBilinear({ data: probas, shape: [k, g.height, g.width] }, oh, ow).data;
    const labels = options.wantLabels ? classIndexFromProbabilities(probas, k, [1, oh, ow], options.smoothing) : null;
    const [y0, x0] = region ? [region.y0, region.x0] : [0, 0];
    const rz = region ? 0 : zi;
    for (let y = 0; y < RH; y++) {
      const from = (y0 + y) * ow + x0;
      const to = (rz * RH + y) * RW;
      if (labels) result.classIndex!.set(labels.subarray(from, from + RW), to);
      if (options.wantProbas) {
        for (let kk = 0; kk < k; kk++) {
          result.probas!.set(probas.subarray(kk * oh * ow + from, kk * oh * ow + from + RW), ((kk * result.shape[0] + rz) * RH + y) * RW);
        }
      }
    }
  }
  return result;
}

/** Runs a patched extractor on one plane's passes (an engine's device), reporting progress per plane. */
export type PlaneRunner = (fe: FeatureExtractor, passes: PatchedPass[]) => Promise<Float32Array[][]>;

/**
 * An engine's patch grids: the last one of a patched extractor, and a combo's global grid in the
 * engine's own form (`Global`: a GPU tensor or a host array), kept while the image, extractor,
 * pyramid and padding stay the same — so strokes on one image never repeat the transformer.
 * Keys need an image fingerprint (`imageKey`, null when the feature cache is off: nothing kept).
 */
export class PatchGrids<Global> {
  private last: { key: string; grid: PatchGrid } | null = null;
  private globalGrid: { key: string | null; value: Global; features: number } | null = null;

  constructor(
    private readonly run: PlaneRunner,
    /** A combo's global grid, plane by plane ([Z·F, hp, wp]), in the engine's form. */
    private readonly toGlobal: (planeMajor: Float32Array, shape: [number, number, number]) => Global,
    private readonly release: (global: Global) => void = () => undefined,
  ) {}

  /** The patch grid of a patched extractor (`geometry`: a padding other than its own, a combo's). */
  async grid(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, imageKey: string | null, progress?: ProgressSink, geometry?: PaddedGeometry): Promise<PatchGrid> {
    const g = geometry ?? paddedGeometry(fe, pyramid, image.shape[2], image.shape[3]);
    const key = imageKey === null ? null : gridKey(imageKey, fe, pyramid, g);
    if (key !== null && this.last?.key === key) return this.last.grid;
    let done = 0;
    const grid = await patchGrid(fe, image, pyramid, async (passes) => {
      const out = await this.run(fe, passes);
      progress?.('features', ++done, image.shape[1]);
      return out;
    }, g);
    this.last = key === null ? null : { key, grid };
    return grid;
  }

  /** For a combo (else null): its global part's grid of this image in the engine's form, with its feature count. */
  async globalFor(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, g: PaddedGeometry, imageKey: string | null, progress?: ProgressSink): Promise<{ value: Global; features: number } | null> {
    if (!fe.combo) return null;
    const parts = comboPyramids(fe, pyramid);
    const key = imageKey === null ? null : gridKey(imageKey, fe.combo.global, parts.global, g);
    if (key !== null && this.globalGrid?.key === key) return this.globalGrid;
    const grid = await this.grid(fe.combo.global, image, parts.global, imageKey, progress, g);
    if (this.globalGrid) this.release(this.globalGrid.value);
    this.globalGrid = { key, value: this.toGlobal(planeMajorGrid(grid), [grid.planes * grid.features, grid.hp, grid.wp]), features: grid.features };
    return this.globalGrid;
  }

  clear(): void {
    this.last = null;
    if (this.globalGrid) this.release(this.globalGrid.value);
    this.globalGrid = null;
  }
}
