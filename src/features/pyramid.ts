/**
 * The scale pyramid shared by every extractor (REFERENCE.md §4.8), on the GPU: for each scaling
 * s, block-mean downsample the (padded, normalised) image by s, run the FE on each channel series,
 * and up-sample every map straight into its slot of the [F, Z, H, W] feature stack (nearest for
 * `fe_order` 0, bilinear otherwise). Z planes go through the FE together as its batch dimension.
 * Everything is recorded into the caller's batch: one submit for the whole stack.
 *
 * `window` limits the output to a region of the padded frame (e.g. the unpadded image, a kept
 * tile, a scribble's bounding box): maps are still computed on the whole input — they need the
 * context — but only the window is up-sampled into the stack, which is what bounds memory.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { copyPlanes } from '../ops/concat.js';
import { blockMeanDownsample } from '../ops/downsample.js';
import { crop, reflectPad } from '../ops/pad.js';
import { resample } from '../ops/resample.js';
import { anchoredScale, checkAnchorable } from './anchored.js';
import type { ScaleInput, TileAnchor } from './anchored.js';
import type { FeatureExtractor } from './extractor.js';
import { alignment, channelSeries, comboPyramids, mapSlots, totalFeatures } from './plan.js';
import type { PyramidOptions } from './plan.js';
import type { OutputWindow } from '../reference/resample.js';

export function checkPyramidInput(fe: FeatureExtractor, shape: readonly number[], opts: PyramidOptions): [number, number, number, number] {
  if (shape.length !== 4) throw new ShapeError(`feature extraction needs a [C,Z,H,W] image, got [${shape.join(',')}]`);
  const [c, z, h, w] = shape;
  const a = alignment(fe, opts.scalings);
  if (h % a !== 0 || w % a !== 0) {
    throw new ShapeError(`image ${h}×${w} is not a multiple of the alignment ${a} (lcm of fe_scalings × patch size ${fe.patchSize}); pad it first`);
  }
  if (c < 1 || z < 1) throw new ShapeError(`empty image [${shape.join(',')}]`);
  return [c, z, h, w];
}

/** `checkPyramidInput` for a tile anchored in a larger image (anchored.ts): its scales follow the whole image's grid, so only the patch size and full-resolution layers are needed. */
export function checkAnchoredInput(fe: FeatureExtractor, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4) throw new ShapeError(`feature extraction needs a [C,Z,H,W] image, got [${shape.join(',')}]`);
  const [c, z, h, w] = shape;
  if (h % fe.patchSize !== 0 || w % fe.patchSize !== 0) throw new ShapeError(`tile ${h}×${w} is not a multiple of ${fe.name}'s patch size ${fe.patchSize}`);
  if (c < 1 || z < 1) throw new ShapeError(`empty image [${shape.join(',')}]`);
  checkAnchorable(fe);
  return [c, z, h, w];
}

export function checkWindow(window: OutputWindow, h: number, w: number): void {
  if (window.y0 < 0 || window.x0 < 0 || window.height < 1 || window.width < 1 || window.y0 + window.height > h || window.x0 + window.width > w) {
    throw new ShapeError(`feature window ${JSON.stringify(window)} is outside the ${h}×${w} image`);
  }
}

/**
 * A combo's global part for one tile (combo.ts): the patch grid of the whole padded image and where
 * the tile lies in it. The engines compute the grid once per image (src/engine/patched.ts).
 */
export interface GlobalFeatures<Grid> {
  /** [Z·F, hp, wp]: every plane's F feature grids, plane by plane. */
  grid: Grid;
  features: number;
  /** The whole padded image's size (grid cells × patch size). */
  paddedH: number;
  paddedW: number;
  /** The tile's first row and column in the padded image, and the image plane of its first plane. */
  tileY0: number;
  tileX0: number;
  z: number;
}

/** Checks a combo's call: the global part's grid is given and covers the tile's planes. */
export function checkCombo(fe: FeatureExtractor, global: GlobalFeatures<{ shape: readonly number[] }> | undefined, planes: number): GlobalFeatures<{ shape: readonly number[] }> {
  if (!global) throw new ValueError(`${fe.name}: its global part's patch grid is needed (run combos through a ConvpaintModel or an engine)`);
  if (global.grid.shape[0] < (global.z + planes) * global.features) throw new ShapeError(`${fe.name}: the global grid holds ${global.grid.shape[0]} planes, fewer than planes ${global.z}…${global.z + planes - 1} need`);
  return global;
}

/** Scale s of a tile: the plain pyramid's block means, or (with `anchor`, s > 1) the whole image's blocks the window reads (anchored.ts). */
function scaleInput(batch: GpuBatch, fe: FeatureExtractor, image: GpuTensor, s: number, win: OutputWindow, anchor?: TileAnchor): ScaleInput<GpuTensor> {
  const [h, w] = image.shape.slice(-2);
  const label = `${fe.name}/scale${s}`;
  if (s === 1) return { down: image, outH: h, outW: w, window: win };
  if (!anchor) return { down: blockMeanDownsample(batch, image, s, label), outH: h, outW: w, window: win };
  const a = anchoredScale(anchor, h, w, win, s, fe.padding);
  const cut = crop(batch, image, { top: a.rows.cropBefore, bottom: a.rows.cropAfter, left: a.cols.cropBefore, right: a.cols.cropAfter }, undefined, `${label}/blocks`);
  const mirrored = reflectPad(batch, cut, { top: a.rows.reflectBefore, bottom: a.rows.reflectAfter, left: a.cols.reflectBefore, right: a.cols.reflectAfter }, `${label}/mirrored`);
  cut.dispose();
  const down = blockMeanDownsample(batch, mirrored, s, label);
  mirrored.dispose();
  return { down, outH: anchor.paddedH, outW: anchor.paddedW, window: a.window, rows: a.sourceRows, cols: a.sourceCols };
}

/**
 * Features of a padded [C,Z,H,W] image: a new [F,Z,h,w] tensor (F = totalFeatures; h×w the
 * window, by default the whole image). A combo (`fe.combo`) takes its global part from `global`.
 * With `anchor` the image is a tile of a larger one and scales > 1 follow the whole image's grid
 * (anchored.ts).
 */
export function extractPyramidGpu(batch: GpuBatch, fe: FeatureExtractor, image: GpuTensor, opts: PyramidOptions, window?: OutputWindow, global?: GlobalFeatures<GpuTensor>, anchor?: TileAnchor): GpuTensor {
  const [c, z, h, w] = anchor ? checkAnchoredInput(fe, image.shape) : checkPyramidInput(fe, image.shape, opts);
  const win = window ?? { y0: 0, x0: 0, height: h, width: w };
  checkWindow(win, h, w);
  if (fe.combo) return comboPyramidGpu(batch, fe, image, opts, win, checkCombo(fe, global, z) as GlobalFeatures<GpuTensor>);
  const series = channelSeries(fe, c, opts.channelMode);
  const slots = mapSlots(fe, c, opts);
  const out = batch.tensor([totalFeatures(fe, c, opts), z, win.height, win.width], `${fe.name}/features`);
  const mode = opts.order === 0 ? 'nearest' : 'bilinear';
  const fullPlane = win.height * win.width;

  opts.scalings.forEach((scale, scaleIndex) => {
    const at = scaleInput(batch, fe, image, scale, win, anchor);
    const { down } = at;
    const [sh, sw] = down.shape.slice(-2);
    const plane = sh * sw;
    series.forEach((s, seriesIndex) => {
      const cin = s.channels.length;
      // FE input [Z, C_in, sh, sw] from [C, Z, sh, sw]: channel c of every plane, to slot r.
      const input = batch.tensor([z, cin, sh, sw], `${fe.name}/scale${scale}/series${seriesIndex}/input`);
      s.channels.forEach((channel, r) => {
        copyPlanes(batch, down, input, {
          planes: z,
          planeSize: plane,
          srcOffset: channel * z * plane,
          srcPlaneStride: plane,
          dstOffset: r * plane,
          dstPlaneStride: cin * plane,
        });
      });
      const maps = fe.extractGpu(batch, input);
      input.dispose();
      for (const slot of slots) {
        if (slot.scaleIndex !== scaleIndex || slot.series !== seriesIndex) continue;
        const map = maps[slot.layer];
        const perPlane = fe.featuresPerLayer[slot.layer];
        for (let zi = 0; zi < z; zi++) {
          resample(batch, map, at.outH, at.outW, mode, {
            window: at.window,
            rows: at.rows,
            cols: at.cols,
            source: { first: zi * perPlane, planes: slot.count },
            target: { tensor: out, offset: slot.featureOffset * z * fullPlane + zi * fullPlane, planeStride: z * fullPlane },
            label: `${fe.name}/scale${scale}/layer${slot.layer}/up`,
          });
        }
      }
      for (const m of maps) m.dispose();
    });
    if (down !== image) down.dispose();
  });
  return out;
}

/** A combo's features: the local part's own pyramid, then the global grid's cells under the window (nearest). */
function comboPyramidGpu(batch: GpuBatch, fe: FeatureExtractor, image: GpuTensor, opts: PyramidOptions, win: OutputWindow, global: GlobalFeatures<GpuTensor>): GpuTensor {
  const z = image.shape[1];
  const local = extractPyramidGpu(batch, fe.combo!.local, image, comboPyramids(fe, opts).local, win, undefined, global);
  const f1 = local.shape[0];
  const plane = win.height * win.width;
  const out = batch.tensor([f1 + global.features, z, win.height, win.width], `${fe.name}/features`);
  copyPlanes(batch, local, out, { planes: 1, planeSize: local.size, srcOffset: 0, srcPlaneStride: local.size, dstOffset: 0, dstPlaneStride: local.size });
  local.dispose();
  for (let zi = 0; zi < z; zi++) {
    resample(batch, global.grid, global.paddedH, global.paddedW, 'nearest', {
      window: { y0: global.tileY0 + win.y0, x0: global.tileX0 + win.x0, height: win.height, width: win.width },
      source: { first: (global.z + zi) * global.features, planes: global.features },
      target: { tensor: out, offset: f1 * z * plane + zi * plane, planeStride: z * plane },
      label: `${fe.name}/global/up`,
    });
  }
  return out;
}
