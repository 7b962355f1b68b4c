import { describe, expect, it } from 'vitest';
import { blockMeanDownsample } from '../../src/ops/downsample.js';
import * as ref from '../../src/reference/downsample.js';
import { ShapeError } from '../../src/errors.js';
import { SIZES } from '../helpers/grid.js';
import { runUnaryOp, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import { loadCoins } from '../helpers/data.js';

const gpu = useGpu();

// Same summation order on both sides; only WGSL's division (≤ 2.5 ulp) may differ.
const TOL = { atol: 1e-7, rtol: 1e-6 };

async function runGpu(data: Float32Array, shape: number[], factor: number) {
  return runUnaryOp(gpu(), data, shape, (batch, src) => blockMeanDownsample(batch, src, factor));
}

describe('block-mean downsampling: GPU vs CPU reference', () => {
  it(`factors 1, 2, 3, 4, 8 over sizes ${SIZES.join(', ')}`, async () => {
    let seed = 100;
    for (const factor of [1, 2, 3, 4, 8]) {
      for (const h of SIZES) {
        for (const w of SIZES) {
          if (h < factor || w < factor) continue;
          const shape = [3, h, w];
          const data = randomFloats(3 * h * w, seed++, -5, 5);
          const expected = ref.blockMeanDownsample({ data, shape }, factor);
          const got = await runGpu(data, shape, factor);
          expect(got.shape).toEqual(expected.shape);
          expectClose(got.data, expected.data, TOL, expected.shape, `down ${factor} of ${h}x${w}`);
        }
      }
    }
  });

  it('real image (coins, cropped to multiples of 4) by 2 and 4', async () => {
    const coins = loadCoins();
    const [h, w] = [300, 384];
    const data = coins.data.slice(0, h * w);
    for (const factor of [2, 4]) {
      const expected = ref.blockMeanDownsample({ data, shape: [h, w] }, factor);
      const got = await runGpu(data, [h, w], factor);
      expectClose(got.data, expected.data, TOL, expected.shape, `coins down ${factor}`);
    }
  });
});

describe('block-mean downsampling: analytic cases', () => {
  it('constant in, constant out; a ramp averages to its block centre', () => {
    const c = ref.blockMeanDownsample({ data: new Float32Array(64).fill(3.5), shape: [8, 8] }, 4);
    expect(Array.from(c.data)).toEqual([3.5, 3.5, 3.5, 3.5]);
    const ramp = Float32Array.from({ length: 16 }, (_, i) => i % 4); // columns 0 1 2 3
    const r = ref.blockMeanDownsample({ data: ramp, shape: [4, 4] }, 2);
    expect(Array.from(r.data)).toEqual([0.5, 2.5, 0.5, 2.5]);
  });
  it('drops a remainder row/column and rejects bad factors', () => {
    expect(ref.blockMeanDownsample({ data: new Float32Array(35), shape: [5, 7] }, 2).shape).toEqual([2, 3]);
    expect(() => ref.blockMeanDownsample({ data: new Float32Array(4), shape: [2, 2] }, 0)).toThrow(ShapeError);
  });
});
