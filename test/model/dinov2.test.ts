/**
 * DINOv2 through the model on the CPU engine (the `device: 'cpu'` path, the plain-TypeScript
 * backbone) against the reference's golden results (test/model/dinov2-e2e.ts), and the
 * parameter rules of the alias: the reference's defaults, the `dino` synonym, `fe_scalings [1]`
 * enforced with a warning, the legacy FE name, and a clear error without weights.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage } from '../../src/model/convpaint-model.js';
import { paramFromYaml } from '../../src/model/param-yaml.js';
import { DINOV2_TEST_WEIGHTS } from '../features/dinov2-golden.js';
import { checkFeatureImages, checkTrainSegment } from './dinov2-e2e.js';

const CPU = { device: 'cpu' as const, weights: DINOV2_TEST_WEIGHTS };

describe('DINOv2 on the CPU engine', () => {
  it('has the reference parameters and accepts `dino`', async () => {
    const m = await ConvpaintModel.create({ alias: 'dinov2' }, CPU);
    const p = m.getParams().toObject();
    expect(p).toMatchObject({ fe_name: 'dinov2_small-reg', fe_layers: null, fe_scalings: [1], fe_order: 0, tile_annotations: false, tile_image: false, channel_mode: 'single', normalize: 2 });
    const d = await ConvpaintModel.create({ alias: 'dino' }, CPU);
    expect(d.getParams().toObject()).toEqual(p);
    [m, d].forEach((x) => x.dispose());
  });

  it('reads the legacy FE name and enforces fe_scalings [1] for extraction only', async () => {
    const param = paramFromYaml('fe_name: dinov2_vits14_reg\nfe_scalings: [1, 2]\n', 'legacy.yml');
    expect(param.get('fe_name')).toBe('dinov2_small-reg');
    const warnings: string[] = [];
    const m = await ConvpaintModel.create({ param }, { ...CPU, onWarning: (w) => warnings.push(w) });
    const f = (await m.getFeatureImage({ data: new Uint8Array(28 * 42).map((_, i) => i % 251), shape: [28, 42] })) as FloatImage;
    expect(f.shape).toEqual([384, 28, 42]);
    expect(warnings.some((w) => /fe_scalings \[1, 2\] is used as \[1\]/.test(w))).toBe(true);
    expect(m.getParam('fe_scalings')).toEqual([1, 2]);
    m.dispose();
  });

  it('says how to install the weights when there are none', async () => {
    const saved = process.env.CONVPAINT_HOME;
    process.env.CONVPAINT_HOME = await mkdtemp(path.join(tmpdir(), 'convpaint-home-'));
    try {
      await expect(ConvpaintModel.create({ alias: 'dinov2' }, { device: 'cpu' })).rejects.toThrow(/DINOv2 ViT-S\/14-reg4 weights are not installed.*convpaint weights fetch dinov2/);
    } finally {
      if (saved === undefined) delete process.env.CONVPAINT_HOME;
      else process.env.CONVPAINT_HOME = saved;
    }
  });

  it("runs every plane of a stack and every channel in 'multi' mode through the transformer on its own", async () => {
    const [h, w] = [28, 42];
    const plane = (k: number) => Uint8Array.from({ length: h * w }, (_, i) => (i * (7 + k) + k * 31) % 251);
    const stack = new Uint8Array(2 * h * w);
    stack.set(plane(0));
    stack.set(plane(1), h * w);
    const m = await ConvpaintModel.create({ alias: 'dinov2' }, CPU);
    m.setParam('normalize', 3); // per plane: each plane of the stack is normalised as if alone
    const single = [0, 1].map(async (k) => (await m.getFeatureImage({ data: plane(k), shape: [h, w] })) as FloatImage);
    const [a, b] = await Promise.all(single);
    const z = (await m.getFeatureImage({ data: stack, shape: [2, h, w] })) as FloatImage;
    expect(z.shape).toEqual([384, 2, h, w]);
    const n = h * w;
    for (let f = 0; f < 384; f += 37) {
      expect(Array.from(z.data.subarray((f * 2) * n, (f * 2 + 1) * n))).toEqual(Array.from(a.data.subarray(f * n, (f + 1) * n)));
      expect(Array.from(z.data.subarray((f * 2 + 1) * n, (f * 2 + 2) * n))).toEqual(Array.from(b.data.subarray(f * n, (f + 1) * n)));
    }
    m.setParam('channel_mode', 'multi', true);
    const multi = (await m.getFeatureImage({ data: stack, shape: [2, h, w] })) as FloatImage;
    expect(multi.shape).toEqual([768, h, w]);
    expect(Array.from(multi.data.subarray(0, 384 * n))).toEqual(Array.from(a.data));
    expect(Array.from(multi.data.subarray(384 * n))).toEqual(Array.from(b.data));
    m.dispose();
  });

  it('refuses an image beyond the global-attention limit with a ShapeError naming it', async () => {
    const m = await ConvpaintModel.create({ alias: 'dinov2' }, CPU);
    const side = 129 * 14;
    await expect(m.getFeatureImage({ data: new Uint8Array(side * side), shape: [side, side] })).rejects.toThrow(/16641 patches, more than the 16384 .*image_downsample/);
    m.dispose();
  });

  it('gives the reference feature images (grey and RGB)', async () => {
    await checkFeatureImages({ device: 'cpu' });
  });

  it('trains and segments like the reference (random forest, RGB crop)', async () => {
    const r = await checkTrainSegment({ device: 'cpu' });
    console.log(`[dinov2 cpu] accuracy ${r.accuracy.toFixed(4)}, agreement with the reference ${r.agreementWithReference.toFixed(4)}`);
  });
});
