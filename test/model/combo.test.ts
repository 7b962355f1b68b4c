/**
 * The DINOv2 combos on the CPU engine: `combo_dino_gauss` features equal the filter bank's
 * feature image followed by DINOv2's patch tokens of the combo-padded image, nearest per patch;
 * `combo_dino_vgg`'s equal VGG16 run the reference's way on the whole padded image (scalings
 * [1, 2, 4] on a 14-aligned size: mirrored to multiples of 2 and 4, legacy nearest back) and the
 * same tokens (test/model/combo-expected.ts builds both from independently tested pieces); the
 * reference's parameters of a combo; both networks' weights from one list; training and
 * segmenting work, a region equals the whole-image window.
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { GAUSSIAN_FE_PADDING } from '../../src/features/gaussian.js';
import { DINOV2_TEST_WEIGHTS } from '../features/dinov2-golden.js';
import { TEST_WEIGHTS as VGG_TEST_WEIGHTS } from '../features/vgg16-helpers.js';
import { expectClose } from '../helpers/tolerance.js';
import { comboImage, comboScribbles, expectedComboFeatures } from './combo-expected.js';

const CPU = { device: 'cpu' as const, weights: DINOV2_TEST_WEIGHTS };

describe('DINOv2 combos on the CPU engine', () => {
  it('have the reference parameters: one scale, no tiling, the combo name', async () => {
    const m = await ConvpaintModel.create({ feName: 'combo_dino_gauss' }, CPU);
    expect(m.getParams().toObject()).toMatchObject({ fe_name: 'combo_dino_gauss', fe_layers: null, fe_scalings: [1], fe_order: 0, tile_annotations: false, tile_image: false });
    m.dispose();
  });

  it('combo_dino_vgg takes both networks\' weights from one list, and refuses a list that does not fit', async () => {
    const m = await ConvpaintModel.create({ feName: 'combo_dino_vgg' }, { device: 'cpu', weights: [DINOV2_TEST_WEIGHTS, VGG_TEST_WEIGHTS] });
    expect(m.getParams().toObject()).toMatchObject({ fe_name: 'combo_dino_vgg', fe_layers: null, fe_scalings: [1], tile_annotations: false, tile_image: false });
    m.dispose();
    await expect(ConvpaintModel.create({ feName: 'combo_dino_vgg' }, { device: 'cpu', weights: [VGG_TEST_WEIGHTS, VGG_TEST_WEIGHTS] })).rejects.toThrow(/two weights files for vgg16/);
    await expect(ConvpaintModel.create({ feName: 'combo_dino_gauss' }, { device: 'cpu', weights: [VGG_TEST_WEIGHTS, DINOV2_TEST_WEIGHTS] })).rejects.toThrow(/uses dinov2 weights; .* holds vgg16 weights/);
    await expect(ConvpaintModel.create({ feName: 'combo_dino_vgg' }, { device: 'cpu', weights: [DINOV2_TEST_WEIGHTS, '/nonexistent/vgg.safetensors'] })).rejects.toThrow(/does not exist/);
  });

  it('combo_dino_vgg = VGG16 at [1, 2, 4] on the whole padded image the reference\'s way, then DINOv2 per patch', async () => {
    // 26×44 pads to 42×70: neither side a multiple of 4, so scale 4 mirrors a row and a column and
    // its nearest look-up drifts (ratio 11/42, not 1/4).
    const image = comboImage(26, 44);
    const m = await ConvpaintModel.create({ feName: 'combo_dino_vgg' }, { device: 'cpu', weights: [DINOV2_TEST_WEIGHTS, VGG_TEST_WEIGHTS] });
    const f = (await m.getFeatureImage(image)) as FloatImage;
    expect(f.shape).toEqual([192 + 384, 26, 44]);
    expectClose(f.data, await expectedComboFeatures('vgg', 1, image), { atol: 2e-5, rtol: 1e-5 }, f.shape);
    await m.train(image, comboScribbles(26, 44), { useRf: true });
    const whole = (await m.segment(image)) as LabelImage;
    expect(new Set(whole.data)).toEqual(new Set([1, 2]));
    const region = { y: 3, x: 9, height: 17, width: 23 };
    const part = (await m.segment(image, { region })) as LabelImage;
    for (let y = 0; y < region.height; y++) for (let x = 0; x < region.width; x++) expect(part.data[y * region.width + x]).toBe(whole.data[(region.y + y) * 44 + region.x + x]);
    m.dispose();
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
