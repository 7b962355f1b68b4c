/** CPU reference of src/features/pyramid.ts: the same scale pyramid over `Planar` arrays. */
import type { FeatureExtractor } from './extractor.js';
import { channelSeries, mapSlots, totalFeatures } from './plan.js';
import type { PyramidOptions } from './plan.js';
import { checkPyramidInput, checkWindow } from './pyramid.js';
import { blockMeanDownsample } from '../reference/downsample.js';
import { planar } from '../reference/planar.js';
import type { Planar } from '../reference/planar.js';
import { upsampleBilinear, upsampleNearest } from '../reference/resample.js';
import type { OutputWindow } from '../reference/resample.js';

/** CPU reference of `extractPyramidGpu`: features of every scale, up-sampled back and concatenated, for the output `window` of a padded image (default: all of it). */
export function extractPyramidCpu(fe: FeatureExtractor, image: Planar, opts: PyramidOptions, window?: OutputWindow): Planar {
  const [c, z, h, w] = checkPyramidInput(fe, image.shape, opts);
  const win = window ?? { y0: 0, x0: 0, height: h, width: w };
  checkWindow(win, h, w);
  const series = channelSeries(fe, c, opts.channelMode);
  const slots = mapSlots(fe, c, opts);
  const out = planar([totalFeatures(fe, c, opts), z, win.height, win.width]);
  const up = opts.order === 0 ? upsampleNearest : upsampleBilinear;
  const fullPlane = win.height * win.width;

  opts.scalings.forEach((scale, scaleIndex) => {
    const down = scale === 1 ? image : blockMeanDownsample(image, scale);
    const sh = h / scale;
    const sw = w / scale;
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
          const resized = up(part, h, w, win);
          for (let k = 0; k < slot.count; k++) {
            out.data.set(resized.data.subarray(k * fullPlane, (k + 1) * fullPlane), ((slot.featureOffset + k) * z + zi) * fullPlane);
          }
        }
      }
    });
  });
  return out;
}
