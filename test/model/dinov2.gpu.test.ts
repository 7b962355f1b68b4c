/**
 * DINOv2 through the model on the WebGPU engine against the reference's golden results
 * (test/model/dinov2-e2e.ts: feature images within 2e-4, train/segment accuracy and agreement),
 * plus what the patched path must keep: the GPU and CPU engines give the same segmentation, a
 * region equals the same window of the whole-image result, and memory-mode strokes reuse the
 * patch grid (no second transformer pass for the same image).
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage, PredictionResult } from '../../src/model/convpaint-model.js';
import { DINOV2_TEST_WEIGHTS, goldenTensor } from '../features/dinov2-golden.js';
import { useGpu } from '../helpers/gpu.js';
import { agreement } from '../helpers/synthetic.js';
import { checkFeatureImages, checkTrainSegment } from './dinov2-e2e.js';

const gpu = useGpu();

function asUint8(name: string): { data: Uint8Array; shape: number[] } {
  const t = goldenTensor(name);
  return { data: Uint8Array.from(t.data), shape: t.shape };
}

describe('DINOv2 on the WebGPU engine', () => {
  it('gives the reference feature images (grey and RGB)', async () => {
    await checkFeatureImages({ device: gpu() });
  });

  it('trains and segments like the reference (random forest, RGB crop)', async () => {
    const r = await checkTrainSegment({ device: gpu() });
    console.log(`[dinov2 gpu] accuracy ${r.accuracy.toFixed(4)}, agreement with the reference ${r.agreementWithReference.toFixed(4)}`);
  });

  it('agrees with the CPU engine; regions equal the whole result; strokes reuse the patch grid', async () => {
    const image = asUint8('train/image');
    const scribbles = asUint8('train/scribbles');
    const make = async (device: 'cpu' | ReturnType<typeof gpu>) => {
      const m = await ConvpaintModel.create({ alias: 'dinov2' }, { device, weights: DINOV2_TEST_WEIGHTS });
      m.setParam('channel_mode', 'rgb', true);
      m.setParam('seg_smoothening', 2, true);
      return m;
    };
    const [onGpu, onCpu] = [await make(gpu()), await make('cpu')];
    const progress: string[] = [];
    // Two classes' scribbles first, then all three (memory mode): the second call adds rows only.
    const half = { data: scribbles.data.map((v) => (v === 91 ? 0 : v)), shape: scribbles.shape };
    for (const m of [onGpu, onCpu]) {
      await m.train(image, half, { memoryMode: true, imgIds: 'crop' });
      await m.train(image, scribbles, { memoryMode: true, imgIds: 'crop' });
    }
    const g = (await onGpu.predict(image)) as PredictionResult;
    const c = (await onCpu.predict(image)) as PredictionResult;
    // Same rows on both engines up to float rounding of the features (≤ 6e-6): the same forest
    // within a few split thresholds, so labels agree almost everywhere.
    expect(agreement(g.labels.data, c.labels.data)).toBeGreaterThanOrEqual(0.99);
    const region = { y: 13, x: 29, height: 41, width: 50 };
    const part = (await onGpu.segment(image, { region })) as LabelImage;
    expect(part.shape).toEqual([41, 50]);
    for (let y = 0; y < 41; y++) {
      for (let x = 0; x < 50; x++) expect(part.data[y * 50 + x]).toBe(g.labels.data[(13 + y) * 107 + 29 + x]);
    }
    // The grid is cached: another segmentation reports no new feature work.
    const m2 = await ConvpaintModel.create({ bundle: onGpu.toBundle() }, { device: gpu(), weights: DINOV2_TEST_WEIGHTS, onProgress: (p) => progress.push(p.stage) });
    await m2.segment(image);
    const passes = progress.filter((s) => s === 'features').length;
    await m2.segment(image);
    expect(progress.filter((s) => s === 'features').length).toBe(passes);
    [onGpu, onCpu, m2].forEach((m) => m.dispose());
  });
});
