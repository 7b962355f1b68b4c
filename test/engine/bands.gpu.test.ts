/**
 * Images larger than the device's buffers (the reliability issue, item 3), at a size every driver
 * runs in seconds: a device whose binding limit is capped far below the image's probabilities
 * must segment in bands of tiles and give *exactly* the labels and probabilities of a device that
 * holds the whole image in one buffer — with the majority filter's halo, with `tile_image`'s
 * other tile size, and with `image_downsample` restored band by band. The full-size 8192² run is
 * test/big/big-image.big.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/convpaint-model.js';
import { sharedPath } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const TEST_WEIGHTS = sharedPath('weights/vgg16-test-random-init.safetensors');

// The golden RGB test image's green channel as a grey image, with its scribbles.
const golden = readSafetensors(readFileSync(sharedPath('golden/gaussian_rgb_e2e.safetensors')));
const rgb = golden.get('image').data as Uint8Array;
const [H, W] = [384, 512];
const GREY = { data: rgb.slice(H * W, 2 * H * W), shape: [H, W] };
const ANNOTATIONS = { data: golden.get('annotations').data as Uint8Array, shape: [H, W] };

// Far below one whole-image probability stack (4 classes · 384 · 512 · 4 B = 3 MiB); two caps give
// two different tile and band sizes.
const CAPS = [512 * 2 ** 10, 1280 * 2 ** 10];

interface Outcome {
  labels: LabelImage['data'];
  probas: Float32Array;
}

async function run(bundle: Uint8Array, device: GpuContext, params: Record<string, unknown>): Promise<Outcome> {
  // Without the feature cache: this is about the bands' own memory bound.
  const m = await ConvpaintModel.create({ bundle }, { device, weights: TEST_WEIGHTS, featureCacheBytes: 0, onWarning: () => undefined });
  try {
    m.setParams(params as Parameters<ConvpaintModel['setParams']>[0], true);
    const labels = ((await m.segment(GREY)) as LabelImage).data;
    const probas = ((await m.predictProbas(GREY)) as { data: Float32Array }).data;
    return { labels, probas };
  } finally {
    m.dispose();
  }
}

describe('images larger than one buffer: bands of tiles', () => {
  it(`default model on devices capped at ${CAPS.map((c) => c / 1024).join(' and ')} KiB: identical to the whole image (smoothing, image_downsample)`, async () => {
    const trainer = await ConvpaintModel.create({}, { device: gpu(), weights: TEST_WEIGHTS });
    await trainer.train(GREY, ANNOTATIONS);
    const bundle = trainer.toBundle();
    trainer.dispose();
    for (const params of [{ seg_smoothening: 3 }, { image_downsample: 2, seg_smoothening: 2 }]) {
      const whole = await run(bundle, gpu(), params);
      for (const cap of CAPS) {
        const small = await GpuContext.create({ limits: { maxStorageBufferBindingSize: cap } });
        const banded = await run(bundle, small, params).finally(() => small.dispose());
        const what = `${JSON.stringify(params)}, cap ${cap / 1024} KiB`;
        expect(banded.labels.length, what).toBe(H * W);
        expect(Buffer.from(banded.labels.buffer).equals(Buffer.from(whole.labels.buffer)), `labels ${what}`).toBe(true);
        expect(Buffer.from(banded.probas.buffer).equals(Buffer.from(whole.probas.buffer)), `probabilities ${what}`).toBe(true);
        expect(new Set(banded.labels).size).toBeGreaterThan(1);
        // Every buffer stayed under the cap (the pool refuses larger ones), and all of them together
        // stayed under one whole-image probability stack (K · H · W floats): the image went in bands.
        const high = small.pool.stats().highWaterBytes;
        console.log(`[bands] ${what}: pool high-water ${(high / 2 ** 20).toFixed(2)} MiB`);
        expect(high).toBeLessThan(4 * H * W * 4);
      }
    }
  }, 900_000);
});
