import { describe, expect, it } from 'vitest';
import { maxPool2x2 } from '../../src/ops/maxpool.js';
import * as ref from '../../src/reference/maxpool.js';
import { ShapeError } from '../../src/errors.js';
import { SIZES } from '../helpers/grid.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

describe('maxpool 2×2: GPU vs CPU reference (exact)', () => {
  it(`sizes ${SIZES.filter((s) => s > 1).join(', ')} (odd ones drop the last row/column), 3 planes`, async () => {
    const ctx = gpu();
    let seed = 7;
    for (const h of SIZES.filter((s) => s > 1)) {
      for (const w of SIZES.filter((s) => s > 1)) {
        const shape = [3, h, w];
        const data = randomFloats(3 * h * w, seed++);
        const expected = ref.maxPool2x2({ data, shape });
        const got = await expectNoLeak(ctx, async () => {
          const src = ctx.upload(data, shape, 'src');
          const batch = ctx.batch('maxpool');
          const out = maxPool2x2(batch, src);
          const result = batch.read(out);
          await batch.submit();
          expect(out.shape).toEqual([3, Math.floor(h / 2), Math.floor(w / 2)]);
          const values = await result;
          src.dispose();
          out.dispose();
          return values;
        });
        expectClose(got, expected.data, EXACT, expected.shape, `maxpool ${h}x${w}`);
      }
    }
  });

  it('CPU reference: each output is the max of its block; 1-pixel sides are refused', () => {
    const out = ref.maxPool2x2({ data: Float32Array.from([1, 5, 2, 0, -3, 4, 9, 1, 7]), shape: [3, 3] });
    expect(out.shape).toEqual([1, 1]);
    expect(out.data[0]).toBe(5);
    expect(() => ref.maxPool2x2({ data: new Float32Array(3), shape: [1, 3] })).toThrow(ShapeError);
  });
});
