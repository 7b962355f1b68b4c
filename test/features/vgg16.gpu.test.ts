import { describe, expect, it } from 'vitest';
import { createVgg16 } from '../../src/features/vgg16.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import { TEST_WEIGHTS } from './vgg16-helpers.js';

const gpu = useGpu();

/** Errors compound through layers; bound them by a small fraction of the map's magnitude. */
function tolerance(expected: Float32Array) {
  let max = 0;
  for (const v of expected) max = Math.max(max, Math.abs(v));
  return { atol: 2e-6 * max, rtol: 1e-4 };
}

describe('vgg16 extractor: GPU vs CPU reference (test weights)', () => {
  for (const { layers, shape } of [
    { layers: [0], shape: [1, 3, 7, 9] },
    { layers: [0, 1, 2], shape: [2, 3, 12, 18] },
    { layers: [6, 3, 1], shape: [1, 3, 20, 36] }, // features.14 deepest, listed first
  ]) {
    it(`layers [${layers}] on [${shape}]`, async () => {
      const ctx = gpu();
      const data = randomFloats(shape.reduce((a, b) => a * b, 1), 31);
      await expectNoLeak(ctx, async () => {
        const fe = await createVgg16({ weights: TEST_WEIGHTS, layers });
        const expected = fe.extractCpu({ data, shape });
        const input = ctx.upload(data, shape, 'input');
        const batch = ctx.batch('vgg16');
        const maps = fe.extractGpu(batch, input);
        const reads = maps.map((m) => batch.read(m));
        await batch.submit();
        expect(maps.map((m) => m.shape)).toEqual(expected.map((e) => e.shape));
        for (const [i, e] of expected.entries()) expectClose(await reads[i], e.data, tolerance(e.data), e.shape, `layer ${layers[i]}`);
        for (const m of maps) m.dispose();
        input.dispose();
        fe.dispose();
      });
    });
  }

  it('uploads weights once per device, reuses them, and dispose() returns them', async () => {
    const ctx = gpu();
    const before = ctx.pool.stats().liveBytes;
    const fe = await createVgg16({ weights: TEST_WEIGHTS, layers: [1] });
    const input = ctx.upload(randomFloats(3 * 8 * 8, 2), [1, 3, 8, 8], 'input');
    const run = async () => {
      const batch = ctx.batch('vgg16');
      const [map] = fe.extractGpu(batch, input);
      const out = batch.read(map);
      await batch.submit();
      map.dispose();
      return out;
    };
    const first = await run();
    const withWeights = ctx.pool.stats().liveBytes;
    expect(withWeights).toBeGreaterThan(before + 4 * 8 * 8 * 3); // the input plus the weights
    const second = await run();
    expect(ctx.pool.stats().liveBytes).toBe(withWeights);
    expect(Array.from(second)).toEqual(Array.from(first));
    fe.dispose();
    fe.dispose(); // idempotent
    input.dispose();
    expect(ctx.pool.stats().liveBytes).toBe(before);
    expect(() => fe.extractGpu(ctx.batch('after'), input)).toThrow();
  });
});
