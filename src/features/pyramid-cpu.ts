/** CPU reference of src/features/pyramid.ts: the same scale pyramid over `Planar` arrays. */
import type { FeatureExtractor } from './extractor.js';
import { channelSeries, comboPyramids, mapSlots, totalFeatures } from './plan.js';
import type { PyramidOptions } from './plan.js';
import { checkAnchoredInput, checkCombo, checkPyramidInput, checkWindow } from './pyramid.js';
import type { GlobalFeatures } from './pyramid.js';
import { anchoredScale } from './anchored.js';
import type { ScaleInput, TileAnchor } from './anchored.js';
import { blockMeanDownsample } from '../reference/downsample.js';
import { crop, reflectPad } from '../reference/pad.js';
import { planar } from '../reference/planar.js';
import type { Planar } from '../reference/planar.js';
import { upsampleBilinear, upsampleNearest } from '../reference/resample.js';
import type { OutputWindow } from '../reference/resample.js';

/** Scale s of a tile: the plain pyramid's block means, or (with `anchor`, s > 1) the whole image's blocks the window reads (anchored.ts). */
function scaleInput(fe: FeatureExtractor, image: Planar, s: number, win: OutputWindow, anchor?: TileAnchor): ScaleInput<Planar> {
  const [h, w] = image.shape.slice(-2);
  if (s === 1) return { down: image, outH: h, outW: w, window: win };
  if (!anchor) return { down: blockMeanDownsample(image, s), outH: h, outW: w, window: win };
  const a = anchoredScale(anchor, h, w, win, s, fe.padding);
  const cut = crop(image, { top: a.rows.cropBefore, bottom: a.rows.cropAfter, left: a.cols.cropBefore, right: a.cols.cropAfter });
  const mirrored = reflectPad(cut, { top: a.rows.reflectBefore, bottom: a.rows.reflectAfter, left: a.cols.reflectBefore, right: a.cols.reflectAfter });
  return { down: blockMeanDownsample(mirrored, s), outH: anchor.paddedH, outW: anchor.paddedW, window: a.window, rows: a.sourceRows, cols: a.sourceCols };
}

/**
 * CPU reference of `extractPyramidGpu`: features of every scale, up-sampled back and concatenated,
 * for the output `window` of a padded image (default: all of it). With `anchor` the image is a
 * tile of a larger one and scales > 1 follow the whole image's grid (anchored.ts).
 */
export function extractPyramidCpu(fe: FeatureExtractor, image: Planar, opts: PyramidOptions, window?: OutputWindow, global?: GlobalFeatures<Planar>, anchor?: TileAnchor): Planar {
  const [c, z, h, w] = anchor ? checkAnchoredInput(fe, image.shape) : checkPyramidInput(fe, image.shape, opts);
  const win = window ?? { y0: 0, x0: 0, height: h, width: w };
  checkWindow(win, h, w);
  if (fe.combo) return comboPyramidCpu(fe, image, opts, win, checkCombo(fe, global, z) as GlobalFeatures<Planar>);
  const series = channelSeries(fe, c, opts.channelMode);
  const slots = mapSlots(fe, c, opts);
  const out = planar([totalFeatures(fe, c, opts), z, win.height, win.width]);
  const up = opts.order === 0 ? upsampleNearest : upsampleBilinear;
  const fullPlane = win.height * win.width;

  opts.scalings.forEach((scale, scaleIndex) => {
    const at = scaleInput(fe, image, scale, win, anchor);
    const { down } = at;
    const [sh, sw] = down.shape.slice(-2);
    const plane = sh * sw;
    series.forEach((s, seriesIndex) => {
      const cin = s.channels.length;
      const input = planar([z, cin, sh, sw]);
      s.channels.forEach((channel, r) => {
        for (let zi = 0; zi < z; zi++) {
          const from = (channel * z + zi) * plane;
          input.data.set(down.data.subarray(from, from + plane), (zi * cin + r) * plane);
        }
      });
      const maps = fe.extractCpu(input);
      for (const slot of slots) {
        if (slot.scaleIndex !== scaleIndex || slot.series !== seriesIndex) continue;
        const map = maps[slot.layer];
        const perPlane = fe.featuresPerLayer[slot.layer];
        const [mh, mw] = map.shape.slice(-2);
        const mapPlane = mh * mw;
        for (let zi = 0; zi < z; zi++) {
          const from = zi * perPlane * mapPlane;
          const part = { data: map.data.subarray(from, from + slot.count * mapPlane), shape: [slot.count, mh, mw] };
          const resized = up(part, at.outH, at.outW, at.window, at.rows, at.cols);
          for (let k = 0; k < slot.count; k++) {
            out.data.set(resized.data.subarray(k * fullPlane, (k + 1) * fullPlane), ((slot.featureOffset + k) * z + zi) * fullPlane);
          }
        }
      }
    });
  });
  return out;
}

/** CPU twin of the combo branch of `extractPyramidGpu`. */
function comboPyramidCpu(fe: FeatureExtractor, image: Planar, opts: PyramidOptions, win: OutputWindow, global: GlobalFeatures<Planar>): Planar {
  const z = image.shape[1];
  const local = extractPyramidCpu(fe.combo!.local, image, comboPyramids(fe, opts).local, win, undefined, global);
  const f1 = local.shape[0];
  const plane = win.height * win.width;
  const out = planar([f1 + global.features, z, win.height, win.width]);
  out.data.set(local.data);
  const [, hp, wp] = global.grid.shape;
  const cells = hp * wp;
  for (let zi = 0; zi < z; zi++) {
    const first = (global.z + zi) * global.features;
    const part = { data: global.grid.data.subarray(first * cells, (first + global.features) * cells), shape: [global.features, hp, wp] };
    const up = upsampleNearest(part, global.paddedH, global.paddedW, { y0: global.tileY0 + win.y0, x0: global.tileX0 + win.x0, height: win.height, width: win.width });
    for (let k = 0; k < global.features; k++) out.data.set(up.data.subarray(k * plane, (k + 1) * plane), ((f1 + k) * z + zi) * plane);
  }
  return out;
}
