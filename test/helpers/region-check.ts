/**
 * Region predictions against the whole image's: for a model and an image, `segment` and
 * `predictProbas` with `{ region }` must equal the same window of the whole result, exactly
 * (labels) and bit for bit (probabilities: the same tiles' features and trees).
 */
import { expect } from 'vitest';
import type { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage, Region } from '../../src/model/types.js';

type Image = { data: ArrayLike<number>; shape: number[] };

function window<T extends ArrayLike<number>>(data: T, [planes, h, w]: readonly [number, number, number], r: Required<Region>, plane: number, out: (n: number) => T & { [i: number]: number }): T {
  const o = out(r.height * r.width);
  for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) o[y * r.width + x] = data[((plane * planes + r.plane) * h + r.y + y) * w + r.x + x];
  return o;
}

/**
 * Checks every region of `regions` against the whole-image result of `model` on `image` ([Z, H, W]
 * spatial), tiled both ways the engines tile a region: on the whole-image grid (the feature cache
 * holds those tiles, right after the whole-image calls) and with the region's own tiles (the
 * cache emptied first; a model without a cache always does this).
 */
export async function expectRegionsMatchWhole(model: ConvpaintModel, image: Image, spatial: readonly [number, number, number], regions: Region[], what: string): Promise<void> {
  for (const tiling of ['grid', 'own'] as const) await expectRegionsMatchWholeTiled(model, image, spatial, regions, `${what} (${tiling} tiles)`, tiling === 'own');
}

async function expectRegionsMatchWholeTiled(model: ConvpaintModel, image: Image, spatial: readonly [number, number, number], regions: Region[], what: string, clearFirst: boolean): Promise<void> {
  const whole = (await model.segment(image)) as LabelImage;
  const probas = (await model.predictProbas(image)) as FloatImage;
  const K = probas.shape[0];
  for (const region of regions) {
    if (clearFirst) model.clearFeatureCache();
    const r = { plane: 0, ...region };
    const seg = (await model.segment(image, { region })) as LabelImage;
    expect(seg.shape, `${what} ${JSON.stringify(region)} shape`).toEqual([r.height, r.width]);
    const expected = window(whole.data, spatial, r, 0, (n) => new (whole.data.constructor as new (n: number) => Uint8Array)(n));
    expect(Array.from(seg.data), `${what} ${JSON.stringify(region)} labels`).toEqual(Array.from(expected));
    const p = (await model.predictProbas(image, { region })) as FloatImage;
    expect(p.shape).toEqual([K, r.height, r.width]);
    for (let k = 0; k < K; k++) {
      const e = window(probas.data, spatial, r, k, (n) => new Float32Array(n));
      expect(Array.from(p.data.subarray(k * r.height * r.width, (k + 1) * r.height * r.width)), `${what} ${JSON.stringify(region)} class ${k}`).toEqual(Array.from(e));
    }
  }
}
