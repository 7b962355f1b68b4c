import { describe, expect, it } from 'vitest';
import { resample } from '../../src/ops/resample.js';
import type { ResampleMode } from '../../src/ops/resample.js';
import * as ref from '../../src/reference/resample.js';
import { SIZES } from '../helpers/grid.js';
import { runUnaryOp, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { loadCoins } from '../helpers/data.js';

const gpu = useGpu();

// Nearest is a pure copy: exact. Bilinear uses the same f32 formula; a GPU may fuse a multiply-add
// (one rounding instead of two), so allow a few ulp of the values (inputs are within ±1).
const TOL: Record<ResampleMode, { atol: number; rtol: number }> = {
  nearest: EXACT,
  bilinear: { atol: 1e-6, rtol: 1e-6 },
};
const REF = { nearest: ref.upsampleNearest, bilinear: ref.upsampleBilinear };

async function runGpu(data: Float32Array, shape: number[], outH: number, outW: number, mode: ResampleMode) {
  return runUnaryOp(gpu(), data, shape, (batch, src) => resample(batch, src, outH, outW, mode));
}

describe('upsampling: GPU vs CPU reference', () => {
  for (const mode of ['nearest', 'bilinear'] as const) {
    it(`${mode}: factors 1, 2, 4, 8 over sizes ${SIZES.join(', ')}`, async () => {
      let seed = 7;
      for (const f of [1, 2, 4, 8]) {
        for (const h of SIZES) {
          for (const w of SIZES) {
            if (h * w * f * f > 300_000) continue;
            const shape = [2, h, w];
            const data = randomFloats(2 * h * w, seed++);
            const expected = REF[mode]({ data, shape }, h * f, w * f);
            const got = await runGpu(data, shape, h * f, w * f, mode);
            expect(got.shape).toEqual(expected.shape);
            expectClose(got.data, expected.data, TOL[mode], expected.shape, `${mode} ×${f} of ${h}x${w}`);
          }
        }
      }
    });

    it(`${mode}: real image (coins) quarter-size back up ×4, and non-integer ratios`, async () => {
      const coins = loadCoins();
      const small = { data: coins.data.slice(0, 75 * 96), shape: [75, 96] };
      for (const [oh, ow] of [
        [300, 384],
        [303, 384],
        [80, 101],
      ]) {
        const expected = REF[mode](small, oh, ow);
        const got = await runGpu(small.data, small.shape, oh, ow, mode);
        expectClose(got.data, expected.data, { atol: TOL[mode].atol * 255, rtol: TOL[mode].rtol }, expected.shape, `coins ${mode} → ${oh}x${ow}`);
      }
    });
  }

  it('writes into a slot of a larger stack with a plane stride (the pyramid path)', async () => {
    const ctx = gpu();
    const data = randomFloats(2 * 3 * 4, 5);
    const src = ctx.upload(data, [2, 3, 4], 'src');
    const stack = ctx.tensor([5, 6, 8], 'stack');
    const batch = ctx.batch('slot');
    // planes of src go to stack planes 1 and 3 (stride 2 planes)
    resample(batch, src, 6, 8, 'nearest', { target: { tensor: stack, offset: 48, planeStride: 96 } });
    const result = batch.read(stack);
    await batch.submit();
    const got = await result;
    const expected = ref.upsampleNearest({ data, shape: [2, 3, 4] }, 6, 8);
    expectClose(got.subarray(48, 96), expected.data.subarray(0, 48), EXACT, [6, 8], 'plane 0 → slot 1');
    expectClose(got.subarray(144, 192), expected.data.subarray(48, 96), EXACT, [6, 8], 'plane 1 → slot 3');
    src.dispose();
    stack.dispose();
  });

  it('computes only a window of the full output, identical to cutting the full result', async () => {
    const ctx = gpu();
    const data = randomFloats(2 * 5 * 6, 8);
    const src = ctx.upload(data, [2, 5, 6], 'src');
    for (const mode of ['nearest', 'bilinear'] as const) {
      const window = { y0: 3, x0: 7, height: 9, width: 10 };
      const batch = ctx.batch('window');
      const out = resample(batch, src, 20, 24, mode, { window });
      const result = batch.read(out);
      await batch.submit();
      expect(out.shape).toEqual([2, 9, 10]);
      const full = REF[mode]({ data, shape: [2, 5, 6] }, 20, 24);
      const cut = new Float32Array(2 * 9 * 10);
      for (let p = 0; p < 2; p++) for (let y = 0; y < 9; y++) for (let x = 0; x < 10; x++) cut[(p * 9 + y) * 10 + x] = full.data[(p * 20 + y + 3) * 24 + x + 7];
      expectClose(await result, cut, TOL[mode], [2, 9, 10], `${mode} window`);
      expectClose(REF[mode]({ data, shape: [2, 5, 6] }, 20, 24, window).data, cut, EXACT, [2, 9, 10], `${mode} reference window`);
      out.dispose();
    }
    src.dispose();
  });

  it('reads a band of source rows (restoring a huge image band by band), identical to the whole', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const [h, w] = [75, 96];
    const whole = { data: coins.data.slice(0, h * w), shape: [1, h, w] };
    for (const mode of ['nearest', 'bilinear'] as const) {
      for (const [oh, window] of [
        [300, { y0: 40, x0: 0, height: 57, width: 384 }],
        [163, { y0: 0, x0: 5, height: 20, width: 300 }],
        [163, { y0: 150, x0: 0, height: 13, width: 384 }],
      ] as const) {
        const [first, last] = ref.sourceRowsRead(mode, h, oh, window.y0, window.height);
        const band = { data: whole.data.slice(first * w, (last + 1) * w), shape: [1, last + 1 - first, w] };
        const rows = { y0: first, fullHeight: h };
        const expected = REF[mode](whole, oh, 384, window);
        expectClose(REF[mode](band, oh, 384, window, rows).data, expected.data, EXACT, expected.shape, `${mode} reference band`);
        const src = ctx.upload(band.data, band.shape, 'band');
        const batch = ctx.batch('band');
        const out = resample(batch, src, oh, 384, mode, { window, rows });
        const result = batch.read(out);
        await batch.submit();
        expectClose(await result, expected.data, { atol: TOL[mode].atol * 255, rtol: TOL[mode].rtol }, expected.shape, `${mode} band → ${oh} rows`);
        // A band one row short of what the window reads is refused, not read out of bounds.
        const short = ctx.upload(band.data.slice(w), [1, last - first, w], 'short band');
        expect(() => resample(ctx.batch('short'), short, oh, 384, mode, { window, rows: { y0: first + 1, fullHeight: h } })).toThrow(/rows/);
        expect(() => REF[mode]({ data: band.data.slice(w), shape: [1, last - first, w] }, oh, 384, window, { y0: first + 1, fullHeight: h })).toThrow(/rows/);
        short.dispose();
        src.dispose();
        out.dispose();
      }
    }
  });

  it('reads a region of source rows and columns (one region of an image restored), identical to the whole', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const [h, w] = [75, 96];
    const whole = { data: coins.data.slice(0, h * w), shape: [1, h, w] };
    const [oh, ow] = [300, 384];
    for (const mode of ['nearest', 'bilinear'] as const) {
      for (const window of [
        { y0: 40, x0: 100, height: 57, width: 70 },
        { y0: 0, x0: 0, height: 20, width: 33 },
        { y0: 250, x0: 320, height: 50, width: 64 },
      ]) {
        const [r0, r1] = ref.sourceRowsRead(mode, h, oh, window.y0, window.height);
        const [c0, c1] = ref.sourceRowsRead(mode, w, ow, window.x0, window.width);
        const sh = r1 + 1 - r0;
        const sw = c1 + 1 - c0;
        const region = new Float32Array(sh * sw);
        for (let y = 0; y < sh; y++) region.set(whole.data.subarray((r0 + y) * w + c0, (r0 + y) * w + c0 + sw), y * sw);
        const rows = { y0: r0, fullHeight: h };
        const cols = { x0: c0, fullWidth: w };
        const expected = REF[mode](whole, oh, ow, window);
        expectClose(REF[mode]({ data: region, shape: [1, sh, sw] }, oh, ow, window, rows, cols).data, expected.data, EXACT, expected.shape, `${mode} reference region`);
        const src = ctx.upload(region, [1, sh, sw], 'region');
        const batch = ctx.batch('region');
        const out = resample(batch, src, oh, ow, mode, { window, rows, cols });
        const result = batch.read(out);
        await batch.submit();
        expectClose(await result, expected.data, { atol: TOL[mode].atol * 255, rtol: TOL[mode].rtol }, expected.shape, `${mode} region ${JSON.stringify(window)}`);
        // A region one column short of what the window reads is refused.
        expect(() => resample(ctx.batch('short'), src, oh, ow, mode, { window, rows, cols: { x0: c0 + 1, fullWidth: w } })).toThrow(/columns/);
        src.dispose();
        out.dispose();
      }
    }
  });

  it('many planes: every plane of each invocation\'s group, and the partial last group, into a strided slot', async () => {
    // 70 planes = two whole groups of PLANES (32) and 6 more; from plane 3 of a 75-plane source.
    const ctx = gpu();
    const data = randomFloats(75 * 5 * 6, 8);
    const src = ctx.upload(data, [75, 5, 6], 'src');
    for (const mode of ['nearest', 'bilinear'] as const) {
      const stack = ctx.tensor([141, 11, 13], 'stack');
      const batch = ctx.batch(`planes ${mode}`);
      resample(batch, src, 11, 13, mode, { source: { first: 3, planes: 70 }, target: { tensor: stack, offset: 11 * 13, planeStride: 2 * 11 * 13 } });
      const result = batch.read(stack);
      await batch.submit();
      const got = await result;
      const expected = REF[mode]({ data: data.slice(3 * 30, 73 * 30), shape: [70, 5, 6] }, 11, 13);
      const slots = new Float32Array(70 * 143);
      for (let p = 0; p < 70; p++) slots.set(got.subarray((1 + 2 * p) * 143, (2 + 2 * p) * 143), p * 143);
      expectClose(slots, expected.data, TOL[mode], [70, 11, 13], `${mode}, 70 planes`);
      stack.dispose();
    }
    src.dispose();
  });

  it('reads a sub-range of source planes', async () => {
    const ctx = gpu();
    const data = randomFloats(4 * 2 * 3, 6);
    const src = ctx.upload(data, [4, 2, 3], 'src');
    const batch = ctx.batch('sub-range');
    const out = resample(batch, src, 4, 6, 'bilinear', { source: { first: 1, planes: 2 } });
    const result = batch.read(out);
    await batch.submit();
    expect(out.shape).toEqual([2, 4, 6]);
    const expected = ref.upsampleBilinear({ data: data.slice(6, 18), shape: [2, 2, 3] }, 4, 6);
    expectClose(await result, expected.data, TOL.bilinear, [2, 4, 6], 'planes 1..2');
    src.dispose();
    out.dispose();
  });
});

describe('upsampling: analytic cases (CPU reference)', () => {
  it('nearest ×2 replicates each pixel into a 2×2 block', () => {
    const out = ref.upsampleNearest({ data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, 4, 4);
    expect(Array.from(out.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
  it('bilinear ×2 of a ramp follows PyTorch align_corners=False with edge clamp', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0., 1., 2.]]]]), size=(1, 6), mode="bilinear")
    // = [0, 0.25, 0.75, 1.25, 1.75, 2]
    const out = ref.upsampleBilinear({ data: Float32Array.from([0, 1, 2]), shape: [1, 3] }, 1, 6);
    expectClose(out.data, [0, 0.25, 0.75, 1.25, 1.75, 2], { atol: 1e-7, rtol: 0 });
  });
  it('constant stays constant', () => {
    const out = ref.upsampleBilinear({ data: new Float32Array(12).fill(-2.5), shape: [3, 4] }, 9, 7);
    expect(out.data.every((v) => v === -2.5)).toBe(true);
  });
});
