/**
 * The tile plan's memory model holds: for every built-in extractor, one tile of the size
 * `autoBlockSize` picks for a budget, run through the pyramid, keeps the pool's high-water mark
 * within that budget. Work is only recorded (buffers are taken while recording), never
 * submitted, so this is quick on any driver.
 */
import { describe, expect, it } from 'vitest';
import { alignment } from '../../src/features/plan.js';
import { extractPyramidGpu } from '../../src/features/pyramid.js';
import { createExtractor } from '../../src/features/registry.js';
import { paddedGeometry } from '../../src/engine/engine.js';
import { autoBlockSize, predictionTiles } from '../../src/engine/tiling.js';
import { sharedPath } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const WEIGHTS = sharedPath('weights/vgg16-test-random-init.safetensors');

const CASES = [
  { alias: 'vgg', fe: 'vgg16', layers: [0], scalings: [1, 2, 4], budgets: [16, 64] },
  { alias: 'vgg-m', fe: 'vgg16', layers: [0, 1, 2], scalings: [1, 2, 4], budgets: [32, 128] },
  { alias: 'vgg-l', fe: 'vgg16', layers: [0, 1, 2, 3, 4], scalings: [1, 2, 4, 8], budgets: [128, 256] },
  { alias: 'gaussian', fe: 'gaussian_features', layers: null, scalings: [1], budgets: [4, 16] },
  { alias: 'ilastik', fe: 'ilastik_2d', layers: null, scalings: [1], budgets: [16, 64] },
];

describe('tile sizing keeps a tile within its memory budget', () => {
  for (const c of CASES) {
    it(`${c.alias}: budgets ${c.budgets.join(' and ')} MiB`, async () => {
      const ctx = gpu();
      const fe = await createExtractor(c.fe, { weights: WEIGHTS, layers: c.layers });
      const opts = { scalings: c.scalings, order: 0, useMinFeatures: false, channelMode: 'single' as const };
      const g = paddedGeometry(fe, opts, 3000, 3000);
      expect(g.alignment).toBe(alignment(fe, c.scalings));
      for (const mib of c.budgets) {
        const budget = mib * 2 ** 20;
        const block = autoBlockSize(fe, 1, opts, g, budget);
        // An interior tile: the largest one the plan makes for this block.
        const job = predictionTiles(g, 1, block).find((j) => j.kept.y0 > 0 && j.kept.x0 > 0 && j.kept.y1 - j.kept.y0 === block && j.kept.x1 - j.kept.x0 === block)!;
        const tile = ctx.tensor([1, 1, job.tile.y1 - job.tile.y0, job.tile.x1 - job.tile.x0], 'tile');
        ctx.pool.resetHighWater();
        const before = ctx.pool.stats().liveBytes;
        const out = extractPyramidGpu(ctx.batch('record only'), fe, tile, opts, job.window);
        const used = ctx.pool.stats().highWaterBytes - before;
        out.dispose();
        tile.dispose();
        console.log(`[tile memory] ${c.alias}: ${mib} MiB budget → ${block}-px blocks, tile ${job.tile.y1 - job.tile.y0}², ${(used / 2 ** 20).toFixed(1)} MiB used`);
        expect(used).toBeLessThanOrEqual(budget);
        // …and not wastefully small: the next block size up would not fit.
        expect(used).toBeGreaterThan(budget / 4);
      }
      fe.dispose();
    });
  }
});
