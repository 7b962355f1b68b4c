import { describe, expect, it } from 'vitest';
import { extractPyramidGpu } from '../../src/features/pyramid.js';
import { extractPyramidCpu } from '../../src/features/pyramid-cpu.js';
import { mapSlots, totalFeatures } from '../../src/features/plan.js';
import type { PyramidOptions } from '../../src/features/plan.js';
import { ShapeError } from '../../src/errors.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import { toyExtractor } from '../helpers/toy-extractor.js';
import { upsampleNearest } from '../../src/reference/resample.js';

const gpu = useGpu();
const TOL = { atol: 1e-6, rtol: 1e-6 }; // block means + bilinear: see the kernels' own tests

const CASES: Array<{ kind: 'rgb-net' | 'grey-bank'; shape: number[]; opts: PyramidOptions }> = [
  { kind: 'grey-bank', shape: [1, 1, 24, 32], opts: { scalings: [1, 2, 4], order: 0, useMinFeatures: false, channelMode: 'single' } },
  { kind: 'grey-bank', shape: [3, 2, 12, 20], opts: { scalings: [1, 2], order: 1, useMinFeatures: false, channelMode: 'multi' } },
  { kind: 'rgb-net', shape: [1, 3, 16, 24], opts: { scalings: [1, 2, 4], order: 0, useMinFeatures: false, channelMode: 'single' } },
  { kind: 'rgb-net', shape: [3, 1, 16, 24], opts: { scalings: [1, 2], order: 1, useMinFeatures: false, channelMode: 'rgb' } },
  { kind: 'rgb-net', shape: [3, 2, 16, 8], opts: { scalings: [1, 4], order: 0, useMinFeatures: true, channelMode: 'multi' } },
];

describe('pyramid: GPU vs CPU reference', () => {
  for (const c of CASES) {
    it(`${c.kind} on [${c.shape}] scalings ${c.opts.scalings} order ${c.opts.order} ${c.opts.channelMode}${c.opts.useMinFeatures ? ' min-features' : ''}`, async () => {
      const ctx = gpu();
      const fe = toyExtractor(c.kind);
      const data = randomFloats(c.shape.reduce((a, b) => a * b, 1), 11);
      const expected = extractPyramidCpu(fe, { data, shape: c.shape }, c.opts);
      await expectNoLeak(ctx, async () => {
        const image = ctx.upload(data, c.shape, 'image');
        const batch = ctx.batch('pyramid');
        const feats = extractPyramidGpu(batch, fe, image, c.opts);
        const result = batch.read(feats);
        await batch.submit();
        expect(feats.shape).toEqual(expected.shape);
        expect(feats.shape[0]).toBe(totalFeatures(fe, c.shape[0], c.opts));
        expectClose(await result, expected.data, TOL, expected.shape, 'pyramid features');
        image.dispose();
        feats.dispose();
      });
    });
  }
});

describe('pyramid output window', () => {
  it('equals the same region cut from the full output (GPU and CPU)', async () => {
    const ctx = gpu();
    const fe = toyExtractor('rgb-net');
    const opts: PyramidOptions = { scalings: [1, 2], order: 1, useMinFeatures: false, channelMode: 'multi' };
    const shape = [2, 1, 16, 20];
    const data = randomFloats(2 * 16 * 20, 12);
    const full = extractPyramidCpu(fe, { data, shape }, opts);
    const window = { y0: 4, x0: 6, height: 7, width: 9 };
    const F = full.shape[0];
    const cut = new Float32Array(F * 7 * 9);
    for (let f = 0; f < F; f++) for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) cut[(f * 7 + y) * 9 + x] = full.data[(f * 16 + y + 4) * 20 + x + 6];
    expectClose(extractPyramidCpu(fe, { data, shape }, opts, window).data, cut, { atol: 0, rtol: 0 }, [F, 1, 7, 9], 'CPU window');
    const image = ctx.upload(data, shape, 'image');
    const batch = ctx.batch('window');
    const feats = extractPyramidGpu(batch, fe, image, opts, window);
    const result = batch.read(feats);
    await batch.submit();
    expect(feats.shape).toEqual([F, 1, 7, 9]);
    expectClose(await result, cut, TOL, [F, 1, 7, 9], 'GPU window');
    image.dispose();
    feats.dispose();
  });
});

describe('pyramid: order and layout (CPU reference)', () => {
  it('grey through an RGB network: series = channels replicated ×3; order scale → series → layer → map', () => {
    const fe = toyExtractor('rgb-net');
    const opts: PyramidOptions = { scalings: [1, 2], order: 0, useMinFeatures: false, channelMode: 'multi' };
    // two channels: constant 1 and constant 5 → every feature of series s is constant (1 or 5)
    const data = new Float32Array(2 * 4 * 4);
    data.fill(1, 0, 16);
    data.fill(5, 16, 32);
    const out = extractPyramidCpu(fe, { data, shape: [2, 1, 4, 4] }, opts);
    expect(out.shape).toEqual([2 * 2 * 6, 1, 4, 4]);
    const firstOfEach = Array.from({ length: 24 }, (_, f) => out.data[f * 16]);
    const series = [1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5];
    expect(firstOfEach).toEqual([...series, ...series]);
    expect(mapSlots(fe, 2, opts).map((s) => [s.scale, s.series, s.layer, s.featureOffset])).toEqual([
      [1, 0, 0, 0], [1, 0, 1, 3], [1, 1, 0, 6], [1, 1, 1, 9],
      [2, 0, 0, 12], [2, 0, 1, 15], [2, 1, 0, 18], [2, 1, 1, 21],
    ]);
  });

  it('scale s features are the block means, replicated back by nearest up-sampling', () => {
    const fe = toyExtractor('grey-bank');
    const data = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = extractPyramidCpu(fe, { data, shape: [1, 1, 4, 4] }, { scalings: [1, 2], order: 0, useMinFeatures: false, channelMode: 'single' });
    expect(Array.from(out.data.subarray(0, 16))).toEqual(Array.from(data));
    const means = [2.5, 4.5, 10.5, 12.5];
    expect(Array.from(out.data.subarray(16))).toEqual(Array.from(upsampleNearest({ data: Float32Array.from(means), shape: [2, 2] }, 4, 4).data));
  });

  it('rejects sizes off the alignment grid and rgb mode without 3 channels', () => {
    const fe = toyExtractor('rgb-net');
    expect(() => extractPyramidCpu(fe, { data: new Float32Array(3 * 36), shape: [3, 1, 6, 6] }, { scalings: [1, 2], order: 0, useMinFeatures: false, channelMode: 'rgb' })).toThrow(/multiple of the alignment 4/);
    expect(() => extractPyramidCpu(fe, { data: new Float32Array(2 * 16), shape: [2, 1, 4, 4] }, { scalings: [1], order: 0, useMinFeatures: false, channelMode: 'rgb' })).toThrow(ShapeError);
  });
});
