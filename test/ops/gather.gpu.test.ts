import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { gatherRows } from '../../src/ops/gather.js';
import * as ref from '../../src/reference/gather.js';
import { SIZES } from '../helpers/grid.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { loadCoins } from '../helpers/data.js';
import { randomFloats, randomInt, rng } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

/** Gathers on the GPU, inside a leak check; returns the rows and their shape. */
async function gatherOnGpu(ctx: GpuContext, features: Float32Array, shape: number[], pixels: Uint32Array): Promise<{ data: Float32Array; shape: number[] }> {
  return expectNoLeak(ctx, async () => {
    const src = ctx.upload(features, shape, 'features');
    const idx = ctx.upload(pixels, [pixels.length], 'pixels');
    const batch = ctx.batch('gather test');
    const rows = gatherRows(batch, src, idx);
    const read = pixels.length > 0 ? batch.read(rows) : Promise.resolve(new Float32Array(0));
    await batch.submit();
    const out = { data: await read, shape: [...rows.shape] };
    [src, idx, rows].forEach((t) => t.dispose());
    return out;
  });
}

describe('gather rows: GPU vs CPU reference (exact: a copy)', () => {
  it(`random features [F, H, W] and pixel lists (repeats, any order) over sizes ${SIZES.join(', ')}`, async () => {
    const ctx = gpu();
    let seed = 70;
    for (const h of SIZES) {
      for (const f of [1, 3, 64, 193]) {
        const w = 1 + (h * 7) % 31;
        const n = h * w;
        const features = randomFloats(f * n, seed++);
        const next = rng(seed++);
        const count = 1 + randomInt(next, 2 * n);
        const pixels = Uint32Array.from({ length: count }, () => randomInt(next, n));
        const expected = ref.gatherRows(features, f, n, pixels);
        const got = await gatherOnGpu(ctx, features, [f, h, w], pixels);
        expect(got.shape).toEqual([count, f]);
        expectClose(got.data, expected, EXACT, [count, f], `gather ${count} of [${f},${h},${w}]`);
      }
    }
  });

  it('an empty pixel list gives [0, F] and records no work', async () => {
    const ctx = gpu();
    const got = await gatherOnGpu(ctx, randomFloats(4 * 6, 1), [4, 2, 3], new Uint32Array(0));
    expect(got.shape).toEqual([0, 4]);
  });

  it('real image: rows of coins and two derived maps at every 7th pixel, planes of a [F, Z, H, W] stack', async () => {
    const ctx = gpu();
    const coins = loadCoins();
    const n = coins.data.length;
    const features = new Float32Array(3 * n);
    features.set(coins.data, 0);
    for (let i = 0; i < n; i++) {
      features[n + i] = coins.data[i] * coins.data[i];
      features[2 * n + i] = -coins.data[i];
    }
    const pixels = Uint32Array.from({ length: Math.floor(n / 7) }, (_, i) => (i * 7 * 13) % n);
    const expected = ref.gatherRows(features, 3, n, pixels);
    const got = await gatherOnGpu(ctx, features, [3, 1, ...coins.shape], pixels);
    expectClose(got.data, expected, EXACT, [pixels.length, 3], 'coins rows');
    // Spot check against the image itself: row i, feature 0 is the pixel's value.
    expect(got.data[5 * 3]).toBe(coins.data[pixels[5]]);
  });

  it('refuses features without a spatial axis and indices that are not 1-D u32', () => {
    const ctx = gpu();
    const flat = ctx.upload(new Float32Array(4), [4], 'flat');
    const feats = ctx.upload(new Float32Array(8), [2, 4], 'feats');
    const floatIdx = ctx.upload(new Float32Array(2), [2], 'float indices');
    const idx2d = ctx.upload(new Uint32Array(4), [2, 2], '2-D indices');
    const idx = ctx.upload(new Uint32Array(2), [2], 'indices');
    const batch = ctx.batch('gather errors');
    expect(() => gatherRows(batch, flat, idx)).toThrow(ShapeError);
    expect(() => gatherRows(batch, feats, floatIdx)).toThrow(ShapeError);
    expect(() => gatherRows(batch, feats, idx2d)).toThrow(ShapeError);
    [flat, feats, floatIdx, idx2d, idx].forEach((t) => t.dispose());
  });

  it('the CPU reference refuses pixels outside the image', () => {
    expect(() => ref.gatherRows(new Float32Array(6), 2, 3, [0, 3])).toThrow(ShapeError);
  });
});
