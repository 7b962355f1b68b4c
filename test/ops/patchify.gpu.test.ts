import { describe, expect, it } from 'vitest';
import { patchify } from '../../src/ops/patchify.js';
import { linear, uploadLinearWeights } from '../../src/ops/linear.js';
import * as ref from '../../src/reference/patchify.js';
import { linear as refLinear } from '../../src/reference/linear.js';
import { ShapeError } from '../../src/errors.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { dinov2Golden, dinov2TestWeights, maxAbsDiff } from '../features/dinov2-golden.js';

const gpu = useGpu();

describe('patchify: GPU vs CPU reference (a copy: exact)', () => {
  const cases = [
    { n: 1, c: 1, h: 1, w: 1, p: 1 },
    { n: 2, c: 3, h: 6, w: 4, p: 2 },
    { n: 3, c: 3, h: 28, w: 42, p: 14 },
    { n: 1, c: 2, h: 15, w: 10, p: 5 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`[${c.n}, ${c.c}, ${c.h}, ${c.w}], patch ${c.p}: every image`, async () => {
      const ctx = gpu();
      const data = randomFloats(c.n * c.c * c.h * c.w, 300 + i);
      const expected = ref.patchify({ data, shape: [c.n, c.c, c.h, c.w] }, c.p);
      const perImage = expected.rows / c.n;
      await expectNoLeak(ctx, async () => {
        const src = ctx.upload(data, [c.n, c.c, c.h, c.w], 'image');
        const batch = ctx.batch('patchify test');
        const outs = Array.from({ length: c.n }, (_, b) => patchify(batch, src, c.p, b));
        const reads = outs.map((o) => batch.read(o));
        await batch.submit();
        for (let b = 0; b < c.n; b++) {
          expect(outs[b].shape).toEqual([perImage, expected.cols]);
          expectClose(await reads[b], expected.data.subarray(b * perImage * expected.cols, (b + 1) * perImage * expected.cols), EXACT, [perImage, expected.cols], `image ${b}`);
        }
        src.dispose();
        outs.forEach((o) => o.dispose());
      });
    });
  }

  it('rejects an image that is not a multiple of the patch', () => {
    const ctx = gpu();
    const src = ctx.upload(new Float32Array(3 * 15 * 14), [1, 3, 15, 14], 'odd');
    expect(() => patchify(ctx.batch('bad'), src, 14)).toThrow(ShapeError);
    src.dispose();
  });
});

describe('patchify + linear: the DINOv2 patch embedding (golden data)', () => {
  it('backbone/input [1, 3, 56, 70] → patch_embed [20, 384]', async () => {
    const ctx = gpu();
    const params = dinov2TestWeights();
    const input = dinov2Golden('backbone/input');
    const expected = dinov2Golden('backbone/patch_embed');
    const rows = ref.patchify({ data: input, shape: [1, 3, 56, 70] }, 14);
    const cpu = refLinear(rows.data, rows.rows, rows.cols, params.patchWeight, 384, params.patchBias);
    const got = await expectNoLeak(ctx, async () => {
      const src = ctx.upload(input, [1, 3, 56, 70], 'input');
      const layer = uploadLinearWeights(ctx, params.patchWeight, params.patchBias, 384, 588, 'patch_embed');
      const batch = ctx.batch('patch embed');
      const patches = patchify(batch, src, 14);
      const emb = linear(batch, patches, layer);
      const read = batch.read(emb);
      await batch.submit();
      const out = await read;
      for (const t of [src, layer, patches, emb]) t.dispose();
      return out;
    });
    console.log(`[patch embed golden] max |gpu − torch| ${maxAbsDiff(got, expected).toExponential(2)}, max |gpu − cpu| ${maxAbsDiff(got, cpu).toExponential(2)}`);
    // K = 588 products (linear's tolerance), and PyTorch's conv sums in its own order.
    expectClose(got, cpu, { atol: 1e-6 * Math.sqrt(588), rtol: 1e-4 }, [20, 384], 'vs CPU');
    expectClose(got, expected, { atol: 2e-5, rtol: 0 }, [20, 384], 'vs PyTorch');
  });
});
