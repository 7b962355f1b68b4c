/**
 * The DINOv2 end-to-end checks against the reference (golden/dinov2 README §4, §6), shared by the
 * CPU-engine test and the GPU one: `getFeatureImage` of the grey crop (alias defaults, z-score)
 * and of the RGB crop (`channel_mode 'rgb'`, ImageNet normalisation, reflect padding to 84×112)
 * within the README's 2e-4, and train (random forest) / segment on the RGB crop: accuracy on the
 * unscribbled pixels at least the reference's minus 1 point, and ≥ 95 % agreement with its
 * segmentation (our forest's RNG is not scikit-learn's, so not pixel-identical).
 */
import { expect } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { CreateOptions, FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { DINOV2_TEST_WEIGHTS, DINOV2_TOLERANCE, goldenTensor } from '../features/dinov2-golden.js';
import { expectClose } from '../helpers/tolerance.js';
import { agreement } from '../helpers/synthetic.js';

/** The reference's accuracy on the unscribbled pixels of the train crop (README §6). */
export const REFERENCE_ACCURACY = 0.87397;

function asUint8(name: string): { data: Uint8Array; shape: number[] } {
  const t = goldenTensor(name);
  return { data: Uint8Array.from(t.data), shape: t.shape };
}

export async function checkFeatureImages(runtime: CreateOptions): Promise<void> {
  const m = await ConvpaintModel.create({ alias: 'dinov2' }, { ...runtime, weights: DINOV2_TEST_WEIGHTS });
  const grey = (await m.getFeatureImage(asUint8('grey/image'))) as FloatImage;
  const expectedGrey = goldenTensor('grey/features');
  expect(grey.shape).toEqual(expectedGrey.shape);
  expectClose(grey.data, expectedGrey.data, DINOV2_TOLERANCE, expectedGrey.shape);
  m.setParam('channel_mode', 'rgb', true);
  const rgb = (await m.getFeatureImage(asUint8('rgb/image'))) as FloatImage;
  const expectedRgb = goldenTensor('rgb/features');
  expect(rgb.shape).toEqual(expectedRgb.shape);
  expectClose(rgb.data, expectedRgb.data, DINOV2_TOLERANCE, expectedRgb.shape);
  m.dispose();
}

export async function checkTrainSegment(runtime: CreateOptions): Promise<{ accuracy: number; agreementWithReference: number }> {
  const m = await ConvpaintModel.create({ alias: 'dino' }, { ...runtime, weights: DINOV2_TEST_WEIGHTS });
  m.setParam('channel_mode', 'rgb', true);
  const image = asUint8('train/image');
  const scribbles = asUint8('train/scribbles');
  const truth = goldenTensor('train/ground_truth').data;
  const reference = goldenTensor('train/segmentation').data;
  await m.train(image, scribbles, { useRf: true });
  const seg = (await m.segment(image)) as LabelImage;
  expect(seg.shape).toEqual([80, 107]);
  const accuracy = agreement(seg.data, truth, scribbles.data);
  const agreementWithReference = agreement(seg.data, reference);
  expect(accuracy).toBeGreaterThanOrEqual(REFERENCE_ACCURACY - 0.01);
  expect(agreementWithReference).toBeGreaterThanOrEqual(0.95);
  m.dispose();
  return { accuracy, agreementWithReference };
}
