/**
 * The DINOv2 combos on the WebGPU engine: feature images equal the CPU engine's (which
 * test/model/combo.test.ts checks against independently built features) for `combo_dino_vgg`,
 * `combo_dino_gauss` and `combo_dino_ilastik`, also when a small tile budget forces several tiles
 * (the global part then comes from the one patch grid for every tile, and VGG's scales 2 and 4
 * from the whole image's block grid); training and segmenting agree with the CPU.
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { DINOV2_TEST_WEIGHTS } from '../features/dinov2-golden.js';
import { TEST_WEIGHTS as VGG_TEST_WEIGHTS } from '../features/vgg16-helpers.js';
import { useGpu } from '../helpers/gpu.js';
import { agreement } from '../helpers/synthetic.js';
import { expectClose } from '../helpers/tolerance.js';
import { comboImage, comboScribbles } from './combo-expected.js';

const gpu = useGpu();

describe('DINOv2 combos on the WebGPU engine', () => {
  for (const feName of ['combo_dino_vgg', 'combo_dino_gauss', 'combo_dino_ilastik']) {
    it(`${feName}: GPU features equal the CPU engine's, in one tile and in many`, async () => {
      const image = comboImage(30, 44);
      const weights = feName === 'combo_dino_vgg' ? [DINOV2_TEST_WEIGHTS, VGG_TEST_WEIGHTS] : DINOV2_TEST_WEIGHTS;
      const cpu = await ConvpaintModel.create({ feName }, { device: 'cpu', weights });
      const expected = (await cpu.getFeatureImage(image)) as FloatImage;
      for (const tileBudgetBytes of [undefined, 2 ** 20]) {
        const m = await ConvpaintModel.create({ feName }, { device: gpu(), weights, tileBudgetBytes });
        const f = (await m.getFeatureImage(image)) as FloatImage;
        expect(f.shape).toEqual(expected.shape);
        expectClose(f.data, expected.data, { atol: 2e-4, rtol: 1e-4 }, f.shape);
        m.dispose();
      }
      await cpu.train(image, comboScribbles(30, 44), { useRf: true });
      const m = await ConvpaintModel.create({ feName }, { device: gpu(), weights });
      await m.train(image, comboScribbles(30, 44), { useRf: true });
      const a = (await m.segment(image)) as LabelImage;
      const b = (await cpu.segment(image)) as LabelImage;
      expect(agreement(a.data, b.data)).toBeGreaterThanOrEqual(0.98);
      [m, cpu].forEach((x) => x.dispose());
    });
  }
});
