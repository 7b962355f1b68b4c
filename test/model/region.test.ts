/**
 * Region-first prediction on the CPU engine: `segment` / `predictProbas` with `{ region }` equal
 * the same window of the whole image's result — with smoothing, image_downsample, stacks, and
 * for the aliases whose features need the widest context. (The GPU engine: region.gpu.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import { sharedPath } from '../helpers/data.js';
import { expectRegionsMatchWhole } from '../helpers/region-check.js';
import { squareScene } from '../helpers/synthetic.js';

const CPU = { device: 'cpu' as const, weights: sharedPath('weights/vgg16-test-random-init.safetensors'), onWarning: () => undefined };
const REGIONS = [
  { y: 20, x: 25, height: 17, width: 23 }, // inside
  { y: 0, x: 0, height: 9, width: 60 }, // a corner strip
  { y: 40, x: 50, height: 24, width: 14 }, // the bottom-right edge
];

describe('region prediction equals the whole image on that window (CPU engine)', () => {
  for (const alias of ['gaussian', 'ilastik', 'vgg']) {
    it(`${alias}, seg_smoothening 3 and image_downsample 2`, async () => {
      const s = squareScene(64, 5);
      for (const settings of [{}, { seg_smoothening: 3 }, { image_downsample: 2, seg_smoothening: 2 }]) {
        const m = await ConvpaintModel.create({ alias }, CPU);
        m.setParams(settings, true);
        await m.train(s.image, s.annotations);
        await expectRegionsMatchWhole(m, s.image, [1, 64, 64], REGIONS, `${alias} ${JSON.stringify(settings)}`);
        m.dispose();
      }
    });
  }

  it('a plane of a stack; bad regions and lists are refused', async () => {
    const a = squareScene(40, 1);
    const b = squareScene(40, 2);
    const stack = { data: new Uint8Array([...a.image.data, ...b.image.data]), shape: [2, 40, 40] };
    const labels = { data: new Uint8Array([...a.annotations.data, ...b.annotations.data]), shape: [2, 40, 40] };
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    await m.train(stack, labels);
    await expectRegionsMatchWhole(m, stack, [2, 40, 40], [{ y: 5, x: 7, height: 20, width: 11, plane: 1 }, { y: 30, x: 0, height: 10, width: 40, plane: 0 }], 'stack');
    await expect(m.segment(stack, { region: { y: 35, x: 0, height: 10, width: 5 } })).rejects.toThrow(ValueError);
    await expect(m.segment(stack, { region: { y: 0, x: 0, height: 5, width: 5, plane: 2 } })).rejects.toThrow(/plane 2/);
    await expect(m.segment(stack, { region: { y: 0.5, x: 0, height: 5, width: 5 } })).rejects.toThrow(ValueError);
    await expect(m.segment([a.image, b.image], { region: { y: 0, x: 0, height: 5, width: 5 } })).rejects.toThrow(/not a list/);
    m.dispose();
  });
});
