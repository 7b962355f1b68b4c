/**
 * Region-first prediction on the GPU engine: every alias, with smoothing and image_downsample,
 * and with tiles and bands forced small, equals the same window of the whole image's result.
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/types.js';
import { sharedPath } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { expectRegionsMatchWhole } from '../helpers/region-check.js';
import { squareScene } from '../helpers/synthetic.js';

const gpu = useGpu();
const WEIGHTS = sharedPath('weights/vgg16-test-random-init.safetensors');
const REGIONS = [
  { y: 20, x: 25, height: 17, width: 23 },
  { y: 0, x: 0, height: 9, width: 60 },
  { y: 40, x: 50, height: 24, width: 14 },
];

describe('region prediction equals the whole image on that window (GPU engine)', () => {
  for (const alias of ['gaussian', 'ilastik', 'vgg', 'vgg-m', 'vgg-l']) {
    // vgg-l's 2,560 features per pixel make every pixel costly on a software driver: a small scene.
    const big = alias !== 'vgg-l';
    it(`${alias}: ${big ? 'plain, seg_smoothening 3, image_downsample 2' : 'seg_smoothening 2 on 32²'}`, async () => {
      const side = big ? 64 : 32;
      const s = squareScene(side, 5);
      const all = big ? [{}, { seg_smoothening: 3 }, { image_downsample: 2, seg_smoothening: 2 }] : [{ seg_smoothening: 2 }];
      const regions = big ? REGIONS : [{ y: 10, x: 12, height: 9, width: 11 }, { y: 24, x: 20, height: 8, width: 12 }];
      for (const settings of all) {
        const m = await ConvpaintModel.create({ alias }, { device: gpu(), weights: WEIGHTS, onWarning: () => undefined });
        m.setParams(settings, true);
        await m.train(s.image, s.annotations);
        await expectRegionsMatchWhole(m, s.image, [1, side, side], regions, `${alias} ${JSON.stringify(settings)}`);
        m.dispose();
      }
    }, 600_000);
  }

  it('small tiles and bands (a 256 KiB tile budget): regions across several tiles still match', async () => {
    const s = squareScene(96, 8);
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, { device: gpu(), tileBudgetBytes: 2 ** 18, onWarning: () => undefined });
    m.setParams({ fe_scalings: [1, 2], seg_smoothening: 2, image_downsample: 2 }, true);
    await m.train(s.image, s.annotations);
    await expectRegionsMatchWhole(m, s.image, [1, 96, 96], [{ y: 10, x: 3, height: 70, width: 80 }, { y: 90, x: 90, height: 6, width: 6 }], 'tiled');
    m.dispose();
  });

  it('the feature cache on the GPU: train, segment, one more stroke, a region, the whole — no tile twice, the same labels as without', async () => {
    const s = squareScene(64, 3);
    const first = { data: s.annotations.data.map((v, i) => (i < 32 * 64 ? v : 0)), shape: s.annotations.shape };
    const results: number[][][] = [];
    for (const featureCacheBytes of [0, 64 * 2 ** 20]) {
      const m = await ConvpaintModel.create({ alias: 'vgg' }, { device: gpu(), weights: WEIGHTS, featureCacheBytes, onWarning: () => undefined });
      const out: number[][] = [];
      await m.train(s.image, first, { memoryMode: true, imgIds: 'img' });
      out.push(Array.from(((await m.segment(s.image)) as LabelImage).data));
      const afterFirst = m.featureCache;
      await m.train(s.image, s.annotations, { memoryMode: true, imgIds: 'img' });
      out.push(Array.from(((await m.segment(s.image, { region: { y: 10, x: 10, height: 30, width: 40 } })) as LabelImage).data));
      out.push(Array.from(((await m.segment(s.image)) as LabelImage).data));
      if (featureCacheBytes > 0) {
        expect(m.featureCache.misses).toBe(afterFirst.misses);
        expect(m.featureCache.hits).toBeGreaterThan(afterFirst.hits);
      }
      results.push(out);
      m.dispose();
    }
    expect(results[1]).toEqual(results[0]);
  });
});
