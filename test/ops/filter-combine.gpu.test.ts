import { describe, expect, it } from 'vitest';
import { combinePlanes } from '../../src/ops/filter-combine.js';
import type { CombineOp } from '../../src/ops/filter-combine.js';
import * as ref from '../../src/reference/filter-combine.js';
import { KernelDescriptorError } from '../../src/errors.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

const OPS: CombineOp[] = ['add', 'gauss_dog', 'magnitude', 'tensor_products', 'eigen_sym2'];
// Sums, differences and single products round once on both sides: exact. The square roots (and a
// possibly fused a·a + b·b) may differ by a few ulp of values of order one.
const TOL: Record<CombineOp, { atol: number; rtol: number }> = {
  add: EXACT,
  gauss_dog: EXACT,
  tensor_products: EXACT,
  magnitude: { atol: 1e-6, rtol: 1e-6 },
  eigen_sym2: { atol: 1e-6, rtol: 1e-6 },
};

async function runGpu(op: CombineOp, inputs: Float32Array[], shape: [number, number, number]): Promise<Float32Array> {
  const ctx = gpu();
  const [planes, height, width] = shape;
  const tensors = inputs.map((d, i) => ctx.upload(d, shape, `in${i}`));
  const batch = ctx.batch(op);
  const out = combinePlanes(batch, op, { planes, height, width }, tensors.map((tensor) => ({ tensor })));
  const result = batch.read(out);
  await batch.submit();
  for (const t of [...tensors, out]) t.dispose();
  return result;
}

describe('filter-combine: GPU vs CPU reference', () => {
  for (const op of OPS) {
    it(`${op} over sizes 1×1, 7×31, 64×257 (2 planes)`, async () => {
      const ctx = gpu();
      await expectNoLeak(ctx, async () => {
        let seed = 1;
        for (const [h, w] of [[1, 1], [7, 31], [64, 257]] as const) {
          const shape: [number, number, number] = [2, h, w];
          const inputs = Array.from({ length: ref.COMBINE_ARITY[op].inputs }, () => randomFloats(2 * h * w, seed++, -3, 3));
          const expected = ref.combinePlanes(op, inputs.map((data) => ({ data, shape })));
          expectClose(await runGpu(op, inputs, shape), expected.data, TOL[op], expected.shape, `${op} ${h}×${w}`);
        }
      });
    });
  }
});

describe('filter-combine: semantics', () => {
  it('2×2 symmetric eigenvalues of known tensors, larger first', async () => {
    // [[a, b], [b, c]] → (larger, smaller)
    const cases: Array<[number, number, number, number, number]> = [
      [2, 1, 2, 3, 1],
      [5, 0, -2, 5, -2],
      [-2, 0, 5, 5, -2],
      [0, 1, 0, 1, -1],
      [0, 0, 0, 0, 0],
      [1, 2, 4, 5, 0], // singular: det = 0
      [3, 4, -3, 5, -5],
    ];
    const col = (i: number) => Float32Array.from(cases, (c) => c[i]);
    const shape: [number, number, number] = [1, 1, cases.length];
    const got = await runGpu('eigen_sym2', [col(0), col(1), col(2)], shape);
    const cpu = ref.combinePlanes('eigen_sym2', [0, 1, 2].map((i) => ({ data: col(i), shape })));
    const want = [...col(3), ...col(4)];
    expectClose(got, want, { atol: 1e-6, rtol: 1e-6 }, [2, cases.length], 'GPU eigenvalues');
    expectClose(cpu.data, want, { atol: 1e-6, rtol: 1e-6 }, [2, cases.length], 'CPU eigenvalues');
  });

  it('operands and outputs as plane ranges: operands share one buffer, outputs land in feature slots', async () => {
    const ctx = gpu();
    const [h, w] = [5, 9];
    const plane = h * w;
    // one buffer holding [xx, xy, yy] for 2 images; outputs to slots 1 and 3 of 4 maps per image
    const data = randomFloats(6 * plane, 42);
    await expectNoLeak(ctx, async () => {
      const tensor = ctx.upload(data, [3, 2, h, w], 'tensor');
      const batch = ctx.batch('strided');
      const stack = batch.tensor([2, 4, h, w], 'stack');
      const ops = [0, 1, 2].map((block) => ({ tensor, offset: block * 2 * plane }));
      combinePlanes(batch, 'eigen_sym2', { planes: 2, height: h, width: w }, ops, { tensor: stack, offsets: [plane, 3 * plane], stride: 4 * plane });
      const result = batch.read(stack);
      await batch.submit();
      const got = await result;
      const blk = (b: number) => ({ data: data.slice(b * 2 * plane, (b + 1) * 2 * plane), shape: [2, h, w] });
      const expected = ref.combinePlanes('eigen_sym2', [blk(0), blk(1), blk(2)]);
      for (let img = 0; img < 2; img++) {
        expectClose(got.subarray((img * 4 + 1) * plane, (img * 4 + 2) * plane), expected.data.subarray(img * plane, (img + 1) * plane), TOL.eigen_sym2, [h, w], `larger, image ${img}`);
        expectClose(got.subarray((img * 4 + 3) * plane, (img * 4 + 4) * plane), expected.data.subarray((2 + img) * plane, (3 + img) * plane), TOL.eigen_sym2, [h, w], `smaller, image ${img}`);
        // slots 0 and 2 were not written: still NaN from the poisoned allocation
        expect(Number.isNaN(got[img * 4 * plane])).toBe(true);
      }
      tensor.dispose();
      stack.dispose();
    });
  });

  it('refuses an operand that is also the output, and a wrong operand count', () => {
    const ctx = gpu();
    const t = ctx.upload(new Float32Array(8), [2, 2, 2], 't');
    const batch = ctx.batch('errors');
    const g = { planes: 1, height: 2, width: 2 };
    expect(() => combinePlanes(batch, 'add', g, [{ tensor: t }, { tensor: t }], { tensor: t, offsets: [4] })).toThrow(KernelDescriptorError);
    expect(() => combinePlanes(batch, 'eigen_sym2', g, [{ tensor: t }, { tensor: t }])).toThrow(/3 operands/);
    expect(() => combinePlanes(batch, 'add', g, [{ tensor: t, offset: 6 }, { tensor: t }])).toThrow(/overrun/);
    t.dispose();
  });
});
