import { describe, expect, it } from 'vitest';
import { concatChannels, copyPlanes } from '../../src/ops/concat.js';
import * as ref from '../../src/reference/concat.js';
import { ShapeError } from '../../src/errors.js';
import { SIZES } from '../helpers/grid.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { loadCoins } from '../helpers/data.js';

const gpu = useGpu();

describe('channel concatenation: GPU vs CPU reference (exact)', () => {
  it(`1–3 parts of 1–4 channels over sizes ${SIZES.join(', ')}`, async () => {
    const ctx = gpu();
    let seed = 50;
    for (const h of SIZES) {
      for (const w of [1, 7, 257]) {
        const channels = [1, 4, 2].slice(0, 1 + (h % 3));
        const parts = channels.map((c) => ({ data: randomFloats(c * h * w, seed++), shape: [c, h, w] }));
        const expected = ref.concatChannels(parts);
        await expectNoLeak(ctx, async () => {
          const gpuParts = parts.map((p, i) => ctx.upload(p.data, p.shape, `part${i}`));
          const batch = ctx.batch('concat test');
          const out = concatChannels(batch, gpuParts);
          const result = batch.read(out);
          await batch.submit();
          expect(out.shape).toEqual(expected.shape);
          expectClose(await result, expected.data, EXACT, expected.shape, `concat ${channels} of ${h}x${w}`);
          gpuParts.forEach((t) => t.dispose());
          out.dispose();
        });
      }
    }
  });

  it('real image: coins ++ its negation, 4-D [C,Z,H,W]', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const neg = coins.data.map((v) => -v);
    const a = { data: coins.data, shape: [1, 1, 303, 384] };
    const b = { data: neg, shape: [1, 1, 303, 384] };
    const expected = ref.concatChannels([a, b]);
    const ta = ctx.upload(a.data, a.shape, 'a');
    const tb = ctx.upload(b.data, b.shape, 'b');
    const batch = ctx.batch('concat coins');
    const out = concatChannels(batch, [ta, tb]);
    const result = batch.read(out);
    await batch.submit();
    expect(out.shape).toEqual([2, 1, 303, 384]);
    expectClose(await result, expected.data, EXACT, expected.shape, 'coins concat');
    [ta, tb, out].forEach((t) => t.dispose());
  });

  it('copyPlanes places planes with a stride (per-Z planes into an [F,Z,H,W] stack)', async () => {
    const ctx = gpu();
    const feats = randomFloats(3 * 20, 9); // [F=3, H*W=20] of plane z=1
    const src = ctx.upload(feats, [3, 4, 5], 'feats z1');
    const stack = ctx.upload(new Float32Array(3 * 2 * 20), [3, 2, 4, 5], 'stack');
    const batch = ctx.batch('strided');
    copyPlanes(batch, src, stack, { planes: 3, planeSize: 20, srcOffset: 0, srcPlaneStride: 20, dstOffset: 20, dstPlaneStride: 40 });
    const result = batch.read(stack);
    await batch.submit();
    const got = await result;
    for (let f = 0; f < 3; f++) {
      expectClose(got.subarray(f * 40, f * 40 + 20), new Float32Array(20), EXACT, [20], `z0 of feature ${f} untouched`);
      expectClose(got.subarray(f * 40 + 20, f * 40 + 40), feats.subarray(f * 20, f * 20 + 20), EXACT, [20], `z1 of feature ${f}`);
    }
    src.dispose();
    stack.dispose();
  });

  it('mismatched shapes are a ShapeError', () => {
    expect(() => ref.concatChannels([
      { data: new Float32Array(4), shape: [1, 2, 2] },
      { data: new Float32Array(6), shape: [1, 2, 3] },
    ])).toThrow(ShapeError);
  });
});
