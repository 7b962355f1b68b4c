import { describe, expect, it } from 'vitest';
import { argmaxClasses, majorityFilter } from '../../src/ops/labels.js';
import { gatherRows } from '../../src/ops/gather.js';
import * as ref from '../../src/reference/labels.js';
import { gatherRows as gatherRowsRef } from '../../src/reference/gather.js';
import { SIZES } from '../helpers/grid.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats, rng } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { loadCoins } from '../helpers/data.js';

const gpu = useGpu();

function randomLabels(n: number, classes: number, seed: number): Uint32Array {
  const next = rng(seed);
  return Uint32Array.from({ length: n }, () => Math.floor(next() * classes));
}

describe('argmax over classes: GPU vs CPU reference (exact)', () => {
  it('K = 1..5 over sizes, with ties', async () => {
    const ctx = gpu();
    let seed = 1;
    for (const k of [1, 2, 4, 5]) {
      for (const n of [1, 7, 257, 64 * 64]) {
        // coarse values make ties frequent: ties must pick the first class on both sides
        const probas = randomFloats(k * n, seed++, 0, 1).map((v) => Math.round(v * 4) / 4);
        const expected = ref.argmaxClasses(probas, k);
        await expectNoLeak(ctx, async () => {
          const t = ctx.upload(probas, [k, n], 'probas');
          const batch = ctx.batch('argmax');
          const labels = argmaxClasses(batch, t);
          const result = batch.readU32(labels);
          await batch.submit();
          expectClose(await result, expected, EXACT, [n], `argmax K=${k} n=${n}`);
          t.dispose();
          labels.dispose();
        });
      }
    }
  });
});

describe('majority filter: GPU vs CPU reference (exact)', () => {
  it(`radii 0, 1, 3, 7 over sizes ${SIZES.join(', ')}`, async () => {
    const ctx = gpu();
    let seed = 40;
    for (const r of [0, 1, 3, 7]) {
      for (const h of SIZES) {
        for (const w of [1, 31, 64]) {
          if (h * w > 64 * 64 && r > 3) continue;
          const labels = randomLabels(2 * h * w, 3, seed++);
          const expected = ref.majorityFilter(labels, [2, h, w], 3, r);
          await expectNoLeak(ctx, async () => {
            const t = ctx.upload(labels, [2, h, w], 'labels');
            const batch = ctx.batch('majority');
            const out = majorityFilter(batch, t, 3, r);
            const result = batch.readU32(out);
            await batch.submit();
            expectClose(await result, expected, EXACT, [2, h, w], `majority r=${r} ${h}x${w}`);
            t.dispose();
            out.dispose();
          });
        }
      }
    }
  });

  it('real image: thresholded coins smoothed with radius 2', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const labels = Uint32Array.from(coins.data, (v) => (v > 150 ? 2 : v > 80 ? 1 : 0));
    const expected = ref.majorityFilter(labels, [1, 303, 384], 3, 2);
    const t = ctx.upload(labels, [303, 384], 'coins labels');
    const batch = ctx.batch('majority coins');
    const out = majorityFilter(batch, t, 3, 2);
    const result = batch.readU32(out);
    await batch.submit();
    expectClose(await result, expected, EXACT, [303, 384], 'coins majority');
    t.dispose();
    out.dispose();
  });

  it('analytic: an isolated pixel disappears, radius 0 is the identity, ties go to the smaller class', () => {
    const img = new Uint32Array(25);
    img[12] = 1;
    expect(Array.from(ref.majorityFilter(img, [1, 5, 5], 2, 1)).every((v) => v === 0)).toBe(true);
    expect(Array.from(ref.majorityFilter(img, [1, 5, 5], 2, 0))).toEqual(Array.from(img));
    // 1×2 image [0, 1] with r = 1: each pixel sees one 0 and one 1 → tie → 0
    expect(Array.from(ref.majorityFilter(Uint32Array.from([0, 1]), [1, 1, 2], 2, 1))).toEqual([0, 0]);
  });
});

describe('gather rows: GPU vs CPU reference (exact)', () => {
  it('random features and pixel lists, and real-image features', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const cases = [
      { f: 1, n: 7, data: randomFloats(7, 3) },
      { f: 5, n: 257, data: randomFloats(5 * 257, 4) },
      { f: 2, n: 303 * 384, data: Float32Array.from({ length: 2 * 303 * 384 }, (_, i) => coins.data[i % (303 * 384)] * (i < 303 * 384 ? 1 : -1)) },
    ];
    for (const c of cases) {
      const next = rng(c.n);
      const indices = Uint32Array.from({ length: Math.min(c.n, 300) }, () => Math.floor(next() * c.n));
      const expected = gatherRowsRef(c.data, c.f, c.n, indices);
      await expectNoLeak(ctx, async () => {
        const feats = ctx.upload(c.data, [c.f, c.n], 'features');
        const idx = ctx.upload(indices, [indices.length], 'indices');
        const batch = ctx.batch('gather');
        const rows = gatherRows(batch, feats, idx);
        const result = batch.read(rows);
        await batch.submit();
        expect(rows.shape).toEqual([indices.length, c.f]);
        expectClose(await result, expected, EXACT, [indices.length, c.f], `gather F=${c.f}`);
        [feats, idx, rows].forEach((t) => t.dispose());
      });
    }
  });
});
