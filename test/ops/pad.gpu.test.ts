import { describe, expect, it } from 'vitest';
import { crop, cropTile, reflectPad, zeroPad } from '../../src/ops/pad.js';
import * as ref from '../../src/reference/pad.js';
import { ShapeError } from '../../src/errors.js';
import { SIZES } from '../helpers/grid.js';
import { runUnaryOp, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { loadCoins } from '../helpers/data.js';

const gpu = useGpu();

// Pads smaller than, equal to and (for reflect) much larger than the image: numpy reflects repeatedly.
const PADS: ref.Pads[] = [
  { top: 0, bottom: 0, left: 0, right: 0 },
  { top: 1, bottom: 2, left: 3, right: 0 },
  { top: 12, bottom: 5, left: 0, right: 40 },
];

async function runGpu(op: typeof reflectPad, data: Float32Array, shape: number[], pads: ref.Pads) {
  return runUnaryOp(gpu(), data, shape, (batch, src) => op(batch, src, pads));
}

describe('pad: GPU vs CPU reference (exact)', () => {
  for (const [name, gpuOp, refOp] of [
    ['reflect', reflectPad, ref.reflectPad],
    ['zero', zeroPad, ref.zeroPad],
  ] as const) {
    it(`${name} padding over sizes ${SIZES.join(', ')} and several pads, 2 planes`, async () => {
      let seed = 1;
      for (const h of SIZES) {
        for (const w of SIZES) {
          for (const pads of PADS) {
            const shape = [2, h, w];
            const data = randomFloats(2 * h * w, seed++);
            const expected = refOp({ data, shape }, pads);
            const got = await runGpu(gpuOp, data, shape, pads);
            expect(got.shape).toEqual(expected.shape);
            expectClose(got.data, expected.data, EXACT, expected.shape, `${name} pad ${h}x${w} ${JSON.stringify(pads)}`);
          }
        }
      }
    });
  }

  it('reflect padding of a real image (coins) by 48 on every side, 4-D stack', async () => {
    const coins = loadCoins();
    const pads = { top: 48, bottom: 48, left: 48, right: 48 };
    const shape = [1, 1, ...coins.shape];
    const expected = ref.reflectPad({ data: coins.data, shape }, pads);
    const got = await runGpu(reflectPad, coins.data, shape, pads);
    expect(got.shape).toEqual([1, 1, 303 + 96, 384 + 96]);
    expectClose(got.data, expected.data, EXACT, expected.shape, 'coins reflect pad');
  });
});

describe('crop: GPU vs CPU reference (exact)', () => {
  it(`crops over sizes ${SIZES.join(', ')}, and undoes a pad`, async () => {
    let seed = 500;
    for (const h of SIZES) {
      for (const w of SIZES) {
        const pads = { top: Math.floor(h / 3), bottom: Math.floor(h / 4), left: Math.floor(w / 5), right: Math.floor(w / 2) };
        const shape = [2, h, w];
        const data = randomFloats(2 * h * w, seed++);
        const expected = ref.crop({ data, shape }, pads);
        const got = await runGpu((b, t, p) => crop(b, t, p), data, shape, pads);
        expect(got.shape).toEqual(expected.shape);
        expectClose(got.data, expected.data, EXACT, expected.shape, `crop ${h}x${w}`);
        const padded = ref.reflectPad({ data, shape }, pads);
        expectClose(ref.crop(padded, pads).data, data, EXACT, shape, 'crop ∘ pad = identity');
      }
    }
  });
});

describe('crop pasted into a larger image', () => {
  it('writes the crop at an offset with plane and row strides, leaving the rest untouched', async () => {
    const ctx = gpu();
    const data = randomFloats(2 * 6 * 7, 77);
    const src = ctx.upload(data, [2, 6, 7], 'src');
    const big = ctx.upload(new Float32Array(3 * 10 * 12).fill(-9), [3, 10, 12], 'big');
    const batch = ctx.batch('paste');
    const pads = { top: 1, bottom: 2, left: 2, right: 1 }; // → 3×4 crop
    crop(batch, src, pads, { tensor: big, offset: 120 + 2 * 12 + 5, planeStride: 120, rowStride: 12 });
    const result = batch.read(big);
    await batch.submit();
    const got = await result;
    const cropped = ref.crop({ data, shape: [2, 6, 7] }, pads);
    const expected = new Float32Array(3 * 10 * 12).fill(-9);
    for (let p = 0; p < 2; p++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 4; x++) expected[120 + 2 * 12 + 5 + p * 120 + y * 12 + x] = cropped.data[(p * 3 + y) * 4 + x];
      }
    }
    expectClose(got, expected, EXACT, [3, 10, 12], 'pasted crop');
    src.dispose();
    big.dispose();
  });
});

describe('cropTile: GPU vs CPU reference (exact)', () => {
  it('cuts one plane of every channel of a [C,Z,H,W] stack', async () => {
    const ctx = gpu();
    const shape = [3, 4, 31, 64];
    const data = randomFloats(3 * 4 * 31 * 64, 91);
    const src = ctx.upload(data, shape, 'stack');
    for (const [z, box] of [
      [0, { y0: 0, x0: 0, y1: 31, x1: 64 }],
      [2, { y0: 5, x0: 7, y1: 12, x1: 40 }],
      [3, { y0: 30, x0: 63, y1: 31, x1: 64 }],
    ] as const) {
      const expected = ref.cropTile({ data, shape }, z, box);
      const batch = ctx.batch('tile');
      const out = cropTile(batch, src, z, box);
      const result = batch.read(out);
      await batch.submit();
      expect(out.shape).toEqual(expected.shape);
      expectClose(await result, expected.data, EXACT, expected.shape, `tile z=${z}`);
      out.dispose();
    }
    src.dispose();
  });
});

describe('pad: CPU reference semantics', () => {
  it('matches numpy reflect for pads larger than the image', () => {
    // np.pad(np.arange(3), 7, mode="reflect") = [1 2 1 0 1 2 1 | 0 1 2 | 1 0 1 2 1 0 1]
    const out = ref.reflectPad({ data: Float32Array.from([0, 1, 2]), shape: [1, 3] }, { top: 0, bottom: 0, left: 7, right: 7 });
    expect(Array.from(out.data)).toEqual([1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1]);
  });
  it('a size-1 axis repeats its pixel', () => {
    const out = ref.reflectPad({ data: Float32Array.from([5]), shape: [1, 1] }, { top: 2, bottom: 0, left: 1, right: 1 });
    expect(Array.from(out.data)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5]);
  });
  it('rejects negative or fractional pads with ShapeError', () => {
    expect(() => ref.reflectPad({ data: new Float32Array(4), shape: [2, 2] }, { top: -1, bottom: 0, left: 0, right: 0 })).toThrow(ShapeError);
    expect(() => ref.zeroPad({ data: new Float32Array(4), shape: [2, 2] }, { top: 0.5, bottom: 0, left: 0, right: 0 })).toThrow(/non-negative integer/);
  });
});
