/**
 * How much GPU memory one tile's feature pass holds besides its kept feature stack, per pixel of
 * the padded tile, for each built-in extractor: the figures `internalFloatsPerPixel`
 * (src/model/tiling.ts) is calibrated on. Work is only recorded, never submitted (the pool's
 * high-water mark is reached while recording), so this runs in seconds on any adapter.
 *
 * Usage: npx tsx bench/tile-memory.ts
 */
import { totalFeatures, alignment } from '../src/features/plan.js';
import { extractPyramidGpu } from '../src/features/pyramid.js';
import { createExtractor } from '../src/features/registry.js';
import { GpuContext } from '../src/gpu/context.js';
import { internalFloatsPerPixel } from '../src/engine/tiling.js';

const WEIGHTS = new URL('../weights/vgg16-test-random-init.safetensors', import.meta.url).pathname;
const CASES = [
  { alias: 'vgg', fe: 'vgg16', layers: [0], scalings: [1, 2, 4], tiles: [128, 256] },
  { alias: 'vgg-m', fe: 'vgg16', layers: [0, 1, 2], scalings: [1, 2, 4], tiles: [64, 96] },
  { alias: 'vgg-l', fe: 'vgg16', layers: [0, 1, 2, 3, 4], scalings: [1, 2, 4, 8], tiles: [64, 96] },
  { alias: 'gaussian', fe: 'gaussian_features', layers: null, scalings: [1], tiles: [128, 256] },
  { alias: 'ilastik', fe: 'ilastik_2d', layers: null, scalings: [1], tiles: [128, 256] },
];

const ctx = await GpuContext.create();
for (const c of CASES) {
  const fe = await createExtractor(c.fe, { weights: WEIGHTS, layers: c.layers });
  const opts = { scalings: c.scalings, order: 0, useMinFeatures: false, channelMode: 'single' as const };
  const a = alignment(fe, c.scalings);
  for (const t of c.tiles) {
    const side = Math.ceil(t / a) * a;
    const image = ctx.tensor([1, 1, side, side], 'tile');
    ctx.pool.resetHighWater();
    const before = ctx.pool.stats().liveBytes;
    const window = { y0: 16, x0: 16, height: side - 32, width: side - 32 };
    const out = extractPyramidGpu(ctx.batch('probe'), fe, image, opts, window);
    const kept = 4 * totalFeatures(fe, 1, opts) * window.height * window.width;
    const internal = (ctx.pool.stats().highWaterBytes - before - kept) / 4 / (side * side);
    console.log(`${c.alias.padEnd(8)} tile ${String(side).padStart(3)}²: ${internal.toFixed(1).padStart(6)} floats/px held besides the kept stack; estimate ${internalFloatsPerPixel(fe, 1)}`);
    out.dispose();
    image.dispose();
  }
  fe.dispose();
}
ctx.dispose();
