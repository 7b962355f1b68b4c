import { describe, expect, it } from 'vitest';
import { conv3x3, conv3x3Naive, convOcGroup, packConv3x3Weights, uploadConv3x3Weights } from '../../src/ops/conv3x3.js';
import * as ref from '../../src/reference/conv3x3.js';
import { ShapeError } from '../../src/errors.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import type { Tolerance } from '../helpers/tolerance.js';

const gpu = useGpu();
/** The same adapter without subgroups: what a device lacking them runs. */
const gpuWithoutSubgroups = useGpu({ features: { subgroups: false } });

/**
 * Values in [-1, 1): a sum of 9·C_in products grows like √(9·C_in), and so does its rounding
 * error; f32 epsilon (1.2e-7) times a generous factor, scaled by that.
 */
function convTolerance(cIn: number): Tolerance {
  return { atol: 1e-6 * Math.sqrt(9 * cIn), rtol: 1e-4 };
}

interface Case {
  n: number;
  cIn: number;
  cOut: number;
  h: number;
  w: number;
  relu: boolean;
}

// Odd and prime sizes, sizes smaller than a tile and spanning several, C_in not a multiple of the
// 8-channel chunk (3, 5, 13) or of 4, C_out not a multiple of the 8-channel group (1, 3, 12).
const CASES: Case[] = [
  { n: 1, cIn: 1, cOut: 1, h: 1, w: 1, relu: false },
  { n: 1, cIn: 3, cOut: 12, h: 2, w: 7, relu: false },
  { n: 2, cIn: 5, cOut: 3, h: 31, w: 7, relu: true },
  { n: 1, cIn: 13, cOut: 16, h: 17, w: 33, relu: false },
  { n: 1, cIn: 8, cOut: 9, h: 64, w: 1, relu: true },
  { n: 3, cIn: 16, cOut: 8, h: 16, w: 16, relu: false },
  { n: 1, cIn: 3, cOut: 64, h: 57, w: 41, relu: true },
  { n: 1, cIn: 64, cOut: 20, h: 23, w: 29, relu: false },
];

async function runBoth(c: Case, seed: number) {
  const ctx = gpu();
  const data = randomFloats(c.n * c.cIn * c.h * c.w, seed);
  const weight = randomFloats(c.cOut * c.cIn * 9, seed + 1);
  const bias = randomFloats(c.cOut, seed + 2);
  const expected = ref.conv3x3({ data, shape: [c.n, c.cIn, c.h, c.w] }, weight, bias, { relu: c.relu });
  return expectNoLeak(ctx, async () => {
    const src = ctx.upload(data, [c.n, c.cIn, c.h, c.w], 'src');
    const layer = uploadConv3x3Weights(ctx, weight, bias, c.cOut, c.cIn, 'layer');
    const rawW = ctx.upload(weight, [c.cOut, c.cIn, 3, 3], 'raw weight');
    const batch = ctx.batch('conv test');
    const tiled = conv3x3(batch, src, layer, { relu: c.relu, form: 'staged' });
    const shared = ctx.hasSubgroups ? conv3x3(batch, src, layer, { relu: c.relu, form: 'subgroup' }) : null;
    const naive = conv3x3Naive(batch, src, rawW, layer.bias, { relu: c.relu });
    const tiledOut = batch.read(tiled);
    const sharedOut = shared && batch.read(shared);
    const naiveOut = batch.read(naive);
    await batch.submit();
    expect(tiled.shape).toEqual(expected.shape);
    expect(naive.shape).toEqual(expected.shape);
    const got = { tiled: await tiledOut, subgroup: sharedOut && (await sharedOut), naive: await naiveOut };
    for (const t of [src, rawW, tiled, naive, ...(shared ? [shared] : [])]) t.dispose();
    layer.dispose();
    return { got, expected };
  });
}

describe('conv3x3: GPU (tiled and naive) vs CPU reference', () => {
  for (const [i, c] of CASES.entries()) {
    it(`N ${c.n}, ${c.cIn}→${c.cOut} channels, ${c.h}×${c.w}${c.relu ? ', ReLU' : ''}`, async () => {
      const { got, expected } = await runBoth(c, 100 + 10 * i);
      const tol = convTolerance(c.cIn);
      expectClose(got.naive, expected.data, tol, expected.shape, 'naive conv');
      expectClose(got.tiled, expected.data, tol, expected.shape, 'tiled conv');
      // The subgroup form sums the same products in the same order: the staged form's values exactly.
      if (got.subgroup) expect(Array.from(got.subgroup)).toEqual(Array.from(got.tiled));
      if (c.relu) expect(got.tiled.reduce((m, v) => Math.min(m, v), Infinity)).toBeGreaterThanOrEqual(0);
    });
  }
});

describe('conv3x3: devices without subgroups', () => {
  it('refuse the subgroup form and run the staged one by default', async () => {
    const ctx = gpuWithoutSubgroups();
    expect(ctx.hasSubgroups).toBe(false);
    const data = randomFloats(2 * 9 * 10, 3);
    const weight = randomFloats(3 * 2 * 9, 4);
    const bias = randomFloats(3, 5);
    const src = ctx.upload(data, [1, 2, 9, 10], 'src');
    const layer = uploadConv3x3Weights(ctx, weight, bias, 3, 2, 'layer');
    expect(() => conv3x3(ctx.batch('refused'), src, layer, { relu: false, form: 'subgroup' })).toThrow(/needs a device with the "subgroups" feature/);
    const batch = ctx.batch('staged');
    const out = conv3x3(batch, src, layer, { relu: false });
    const read = batch.read(out);
    await batch.submit();
    const expected = ref.conv3x3({ data, shape: [1, 2, 9, 10] }, weight, bias, { relu: false });
    expectClose(await read, expected.data, convTolerance(2), expected.shape, 'staged conv without subgroups');
    [src, out].forEach((t) => t.dispose());
    layer.dispose();
  });
});

describe('conv3x3: analytic cases', () => {
  it('a centre-tap identity kernel copies the input; a constant image sees the zero padding at the border', async () => {
    const ctx = gpu();
    const h = 5;
    const w = 6;
    // channel 0: identity (centre tap 1); channel 1: box sum of a constant 1 image.
    const weight = new Float32Array(2 * 9);
    weight[4] = 1;
    weight.fill(1, 9, 18);
    const bias = Float32Array.from([0.5, -1]);
    const data = Float32Array.from({ length: h * w }, (_, i) => i);
    const ones = new Float32Array(h * w).fill(1);
    await expectNoLeak(ctx, async () => {
      const layer = uploadConv3x3Weights(ctx, weight.slice(0, 18), bias, 2, 1, 'analytic');
      const a = ctx.upload(data, [1, 1, h, w], 'ramp');
      const b = ctx.upload(ones, [1, 1, h, w], 'ones');
      const batch = ctx.batch('analytic');
      const ra = conv3x3(batch, a, layer, { relu: false });
      const rb = conv3x3(batch, b, layer, { relu: false });
      const outA = batch.read(ra);
      const outB = batch.read(rb);
      await batch.submit();
      const va = await outA;
      const vb = await outB;
      expect(Array.from(va.subarray(0, h * w))).toEqual(Array.from(data, (v) => v + 0.5));
      // neighbours inside the image: 9 in the interior, 6 on an edge, 4 in a corner; minus 1 bias
      expect(vb[h * w + 0]).toBe(3);
      expect(vb[h * w + 1]).toBe(5);
      expect(vb[h * w + w + 1]).toBe(8);
      for (const t of [a, b, ra, rb]) t.dispose();
      layer.dispose();
    });
  });

  it('rejects a channel mismatch and bad weight sizes with ShapeError', () => {
    const ctx = gpu();
    expect(() => uploadConv3x3Weights(ctx, new Float32Array(10), new Float32Array(1), 1, 1, 'bad')).toThrow(ShapeError);
    const layer = uploadConv3x3Weights(ctx, new Float32Array(2 * 3 * 9), new Float32Array(2), 2, 3, 'ok');
    const src = ctx.upload(new Float32Array(4 * 16), [1, 4, 4, 4], 'four channels');
    const batch = ctx.batch('bad');
    expect(() => conv3x3(batch, src, layer, { relu: false })).toThrow(/4 channels but the weights expect 3/);
    src.dispose();
    layer.dispose();
  });
});

describe('conv3x3: weight packing', () => {
  it('packs [c_out, c_in, 3, 3] into groups of OC_GROUP output channels, zero-filled', () => {
    const g = convOcGroup();
    expect(g).toBe(8);
    const cOut = 10;
    const cIn = 2;
    const weight = Float32Array.from({ length: cOut * cIn * 9 }, (_, i) => i + 1);
    const packed = packConv3x3Weights(weight, cOut, cIn);
    expect(packed.length).toBe(2 * cIn * 9 * g);
    // oc 9, ci 1, tap 4 → group 1, slot 1
    expect(packed[((1 * cIn + 1) * 9 + 4) * g + 1]).toBe(weight[(9 * cIn + 1) * 9 + 4]);
    // slot 2..7 of group 1 are padding
    expect(packed[((1 * cIn + 0) * 9 + 0) * g + 5]).toBe(0);
  });
});
