/**
 * End to end on the GPU against the reference tool's results (../shared/golden/*_e2e): the RGB
 * test image with its scribbles, segmented with `gaussian`, `vgg` and `vgg-m` (test weights, as
 * the golden files were made) and both classifiers. Accuracy on unscribbled pixels must be at
 * least the reference's minus 1 point; with the random forest our labels must agree with the
 * reference's stored segmentation on ≥ 95 % of pixels (different RNGs, so not bit-identical).
 * On gaussian and vgg the GBDT is also trained by the GPU trainer on the same rows: within 1 point of the CPU-trained
 * model, agreeing on ≥ 99 % of pixels. Also: GPU and CPU engines agree, and tiling forced by a
 * small device limit changes nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/convpaint-model.js';
import { GpuContext } from '../../src/gpu/context.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { sharedPath } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { agreement, squareScene } from '../helpers/synthetic.js';

const gpu = useGpu();
const TEST_WEIGHTS = sharedPath('weights/vgg16-test-random-init.safetensors');

function golden(name: string) {
  return readSafetensors(readFileSync(sharedPath(`golden/${name}.safetensors`)));
}

const base = golden('gaussian_rgb_e2e');
const IMAGE = { data: base.get('image').data as Uint8Array, shape: [3, 384, 512] };
const ANNOTATIONS = { data: base.get('annotations').data as Uint8Array, shape: [384, 512] };
const TRUTH = golden('vgg_rgb_e2e').get('truth').data as Uint8Array;

// ilastik's golden result is for the random forest only (the filter-bank issue asks for that one).
// The GPU-trained GBDT is checked on the two cheaper aliases: on vgg-m the extra model's passes
// cost about ten minutes on SwiftShader, and the GPU trainer's equality with the CPU one is tested
// split for split on golden rows in test/classifiers/gbdt-gpu.gpu.test.ts.
const CASES = [
  { alias: 'gaussian', file: 'gaussian_rgb_e2e', gbdt: true, gpuTrainer: true },
  { alias: 'vgg', file: 'vgg_rgb_e2e', gbdt: true, gpuTrainer: true },
  { alias: 'vgg-m', file: 'vgg_m_rgb_e2e', gbdt: true, gpuTrainer: false },
  { alias: 'ilastik', file: 'ilastik_rgb_e2e', gbdt: false, gpuTrainer: false },
];

describe('end to end vs the reference (RGB test image)', () => {
  for (const c of CASES) {
    it(`${c.alias}: accuracy ≥ reference − 1 point with RF${c.gbdt ? ' and GBDT' : ''}; RF agrees ≥ 95 % with the reference's segmentation`, async () => {
      const reference = JSON.parse(readFileSync(sharedPath(`golden/${c.file}.accuracy.json`), 'utf8')).accuracy_unscribbled_vs_truth as number;
      const refSeg = golden(c.file).get('segmentation').data as Int32Array;
      const m = await ConvpaintModel.create({ alias: c.alias }, { device: gpu(), weights: TEST_WEIGHTS });
      m.setParam('channel_mode', 'rgb');
      // Memory mode keeps the extracted rows, so the second classifier trains without re-extracting.
      await m.train(IMAGE, ANNOTATIONS, { useRf: true, memoryMode: true, imgIds: 'test' });
      const rf = (await m.segment(IMAGE)) as LabelImage;
      const rfAccuracy = agreement(rf.data, TRUTH, ANNOTATIONS.data);
      const rfAgreement = agreement(rf.data, refSeg);
      let gbdtAccuracy = Number.NaN;
      let gpuTrainedAccuracy = Number.NaN;
      let gpuCpuAgreement = Number.NaN;
      if (c.gbdt) {
        await m.train(IMAGE, ANNOTATIONS, { useRf: false, memoryMode: true, imgIds: 'test' });
        const gbdt = (await m.segment(IMAGE)) as LabelImage;
        gbdtAccuracy = agreement(gbdt.data, TRUTH, ANNOTATIONS.data);
        expect(gbdtAccuracy).toBeGreaterThanOrEqual(reference - 0.01);
        if (c.gpuTrainer) {
          // The same remembered rows trained by the GPU trainer (the CPU one is `auto` on software adapters).
          const g = await ConvpaintModel.create({ bundle: m.toBundle() }, { device: gpu(), weights: TEST_WEIGHTS, trainer: 'gpu', onWarning: () => undefined });
          await g.train(IMAGE, ANNOTATIONS, { memoryMode: true, imgIds: 'test' });
          const onGpu = (await g.segment(IMAGE)) as LabelImage;
          gpuTrainedAccuracy = agreement(onGpu.data, TRUTH, ANNOTATIONS.data);
          gpuCpuAgreement = agreement(onGpu.data, gbdt.data);
          expect(gpuTrainedAccuracy).toBeGreaterThanOrEqual(gbdtAccuracy - 0.01);
          expect(gpuCpuAgreement).toBeGreaterThanOrEqual(0.99);
          g.dispose();
        }
      }
      console.log(`[e2e] ${c.alias}: reference ${reference.toFixed(4)}, RF ${rfAccuracy.toFixed(4)} (agreement ${rfAgreement.toFixed(4)}), GBDT ${gbdtAccuracy.toFixed(4)}, GPU-trained GBDT ${gpuTrainedAccuracy.toFixed(4)} (agreement with the CPU-trained ${gpuCpuAgreement.toFixed(4)})`);
      expect(rf.shape).toEqual([384, 512]);
      expect(rfAccuracy).toBeGreaterThanOrEqual(reference - 0.01);
      expect(rfAgreement).toBeGreaterThanOrEqual(0.95);
      m.dispose();
    }, 900_000); // vgg-m on a software driver with two cores: minutes, not seconds
  }
});

describe('GPU engine vs CPU engine, and forced tiling', () => {
  it('vgg on a synthetic scene: same labels on GPU and CPU, probabilities within 1e-4', async () => {
    const s = squareScene(48, 9, 3);
    const results = [];
    for (const device of [gpu(), 'cpu' as const]) {
      const m = await ConvpaintModel.create({ alias: 'vgg' }, { device, weights: TEST_WEIGHTS, onWarning: () => undefined });
      m.setParam('channel_mode', 'rgb');
      await m.train(s.image, s.annotations, { useRf: true });
      results.push({ seg: (await m.segment(s.image)) as LabelImage, probas: (await m.predictProbas(s.image)) as { data: Float32Array } });
      m.dispose();
    }
    expect(agreement(results[0].seg.data, results[1].seg.data)).toBe(1);
    let worst = 0;
    for (let i = 0; i < results[0].probas.data.length; i++) worst = Math.max(worst, Math.abs(results[0].probas.data[i] - results[1].probas.data[i]));
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('a device with a 2 MiB binding limit tiles the image and gets identical labels', async () => {
    const small = await GpuContext.create({ limits: { maxStorageBufferBindingSize: 2 * 2 ** 20 } });
    try {
      const s = squareScene(96, 10, 3);
      const segs = [];
      for (const device of [gpu(), small]) {
        const m = await ConvpaintModel.create({ alias: 'vgg' }, { device, weights: TEST_WEIGHTS });
        m.setParam('channel_mode', 'rgb');
        await m.train(s.image, s.annotations, { useRf: true });
        segs.push(((await m.segment(s.image)) as LabelImage).data);
        m.dispose();
      }
      expect(small.pool.stats().highWaterBytes).toBeLessThanOrEqual(64 * 2 ** 20);
      expect(agreement(segs[0], segs[1])).toBe(1);
    } finally {
      small.dispose();
    }
  });
});
