/**
 * Tiled features equal whole-image features (the VGG issue's criterion): a 1000×700 image with
 * the default vgg model, computed on the GPU in tiles smaller than the image (forced by small
 * memory budgets), against the CPU reference computed in one piece. Two tile sizes on the GPU
 * must agree bit for bit; GPU vs CPU within the conv tolerance.
 */
import { describe, expect, it } from 'vitest';
import { createExtractor } from '../../src/features/registry.js';
import { featureImageCpu } from '../../src/features/feature-image.js';
import { GpuEngine } from '../../src/engine/gpu-engine.js';
import { normalizeImage } from '../../src/prepare/normalize.js';
import { paddedGeometry } from '../../src/engine/engine.js';
import { autoBlockSize } from '../../src/engine/tiling.js';
import { sharedPath } from '../helpers/data.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/types.js';
import { ValueError } from '../../src/errors.js';
import { useGpu } from '../helpers/gpu.js';
import { rng } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

describe('tiled vs whole-image features', () => {
  it('vgg on 1000×700: GPU tiles of two sizes agree exactly, and with the CPU whole image', async () => {
    const [h, w] = [700, 1000];
    const next = rng(31);
    const raw = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * w + x] = (128 + 60 * Math.sin(x / 17) * Math.cos(y / 23) + 40 * next()) | 0;
    const image = { data: normalizeImage(raw, [1, 1, h, w], 2, 'imagenet', 'single').data, shape: [1, 1, h, w] as [number, number, number, number] };
    const fe = await createExtractor('vgg16', { weights: sharedPath('weights/vgg16-test-random-init.safetensors') });
    const pyramid = { scalings: [1, 2, 4], order: 0, useMinFeatures: false, channelMode: 'single' as const };
    const g = paddedGeometry(fe, pyramid, h, w);
    const results: Float32Array[] = [];
    for (const budget of [24 * 2 ** 20, 9 * 2 ** 20]) {
      const block = autoBlockSize(fe, 1, pyramid, g, budget);
      expect(block).toBeLessThan(Math.min(h, w)); // really tiled
      results.push(await new GpuEngine(gpu(), budget).featureImage(fe, image, pyramid, false));
    }
    expectClose(results[0], results[1], { atol: 0, rtol: 0 }, [192, 1, h, w], 'two GPU tilings');
    const whole = featureImageCpu(fe, { data: image.data, shape: [...image.shape] }, pyramid);
    // 3×3 conv over 3 channels: rtol 1e-4 with atol scaled by √27 (values of order one)
    expectClose(results[0], whole.data, { atol: 1e-5 * Math.sqrt(27), rtol: 1e-4 }, [192, 1, h, w], 'GPU tiles vs CPU whole');
    fe.dispose();
  }, 600_000);

  it('ConvpaintModel.create({ tileBudgetBytes }): a small budget tiles more, labels do not change; the budget is reported and bounded', async () => {
    const ctx = gpu();
    const [h, w] = [96, 160];
    const next = rng(5);
    const image = { data: Uint8Array.from({ length: h * w }, (_, i) => ((i % w) > w / 2 ? 150 : 60) + Math.floor(next() * 40)), shape: [h, w] };
    const scribbles = new Uint8Array(h * w);
    for (let y = 40; y < 56; y++) for (let x = 20; x < 40; x++) scribbles[y * w + x] = 1;
    for (let y = 40; y < 56; y++) for (let x = 120; x < 140; x++) scribbles[y * w + x] = 2;
    const annotations = { data: scribbles, shape: [h, w] };
    const labels: Uint8Array[] = [];
    for (const tileBudgetBytes of [undefined, 2 ** 17]) {
      const tiles = { count: 0 };
      const m = await ConvpaintModel.create({ alias: 'gaussian' }, { device: ctx, tileBudgetBytes, onProgress: (e) => { if (e.stage === 'predict') tiles.count = e.total; } });
      expect(m.tileBudgetBytes).toBe(tileBudgetBytes ?? Math.min(ctx.pool.maxBufferBytes, 512 * 2 ** 20));
      await m.train(image, annotations);
      labels.push(((await m.segment(image)) as LabelImage).data as Uint8Array);
      if (tileBudgetBytes) expect(tiles.count).toBeGreaterThan(1);
      m.dispose();
    }
    expect(labels[1]).toEqual(labels[0]);
    await expect(ConvpaintModel.create({ alias: 'gaussian' }, { device: ctx, tileBudgetBytes: 1000 })).rejects.toThrow(ValueError);
  });
});
