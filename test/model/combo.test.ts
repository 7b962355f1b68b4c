/**
 * The DINOv2 combos on the CPU engine: `combo_dino_gauss` features equal the filter bank's
 * feature image followed by DINOv2's patch tokens of the combo-padded image, nearest per patch
 * (test/model/combo-expected.ts builds that from independently tested pieces); the reference's
 * parameters of a combo; training and segmenting work, a region equals the whole-image window.
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { GAUSSIAN_FE_PADDING } from '../../src/features/gaussian.js';
import { DINOV2_TEST_WEIGHTS } from '../features/dinov2-golden.js';
import { expectClose } from '../helpers/tolerance.js';
import { comboImage, comboScribbles, expectedComboFeatures } from './combo-expected.js';

const CPU = { device: 'cpu' as const, weights: DINOV2_TEST_WEIGHTS };

describe('DINOv2 combos on the CPU engine', () => {
  it('have the reference parameters: one scale, no tiling, the combo name', async () => {
    const m = await ConvpaintModel.create({ feName: 'combo_dino_gauss' }, CPU);
    expect(m.getParams().toObject()).toMatchObject({ fe_name: 'combo_dino_gauss', fe_layers: null, fe_scalings: [1], fe_order: 0, tile_annotations: false, tile_image: false });
    m.dispose();
    await expect(ConvpaintModel.create({ feName: 'combo_dino_vgg' }, CPU)).rejects.toThrow(/not available in this version/);
  });

  it('combo_dino_gauss = gaussian features, then DINOv2 per patch of the combo-padded image', async () => {
    const image = comboImage(30, 44);
    const m = await ConvpaintModel.create({ feName: 'combo_dino_gauss' }, CPU);
    const f = (await m.getFeatureImage(image)) as FloatImage;
    expect(f.shape).toEqual([385, 30, 44]);
    expectClose(f.data, await expectedComboFeatures('gaussian', GAUSSIAN_FE_PADDING, image), { atol: 2e-5, rtol: 1e-5 }, f.shape);
    m.dispose();
  });

  it('trains and segments; a region equals the same window of the whole result', async () => {
    const image = comboImage(30, 44);
    const m = await ConvpaintModel.create({ feName: 'combo_dino_gauss' }, CPU);
    await m.train(image, comboScribbles(30, 44), { useRf: true });
    const whole = (await m.segment(image)) as LabelImage;
    expect(new Set(whole.data)).toEqual(new Set([1, 2]));
    const part = (await m.segment(image, { region: { y: 4, x: 10, height: 20, width: 25 } })) as LabelImage;
    for (let y = 0; y < 20; y++) for (let x = 0; x < 25; x++) expect(part.data[y * 25 + x]).toBe(whole.data[(4 + y) * 44 + 10 + x]);
    m.dispose();
  });
});
