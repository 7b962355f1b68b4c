/**
 * The training plan: the reference's tiles (one per scribble component) unless blocks over the
 * labelled region compute features for fewer pixels — then blocks, with the rows put back in the
 * reference plan's order. And the CPU engine's rows are identical either way.
 */
import { describe, expect, it } from 'vitest';
import { concatRows, gridTrainingRule, paddedGeometry } from '../../src/engine/engine.js';
import { CpuEngine } from '../../src/engine/cpu-engine.js';
import { gridTrainingTiles, tileArea, trainingPlan, trainingTiles } from '../../src/engine/tiling.js';
import type { PaddedGeometry } from '../../src/engine/tiling.js';
import { createExtractor } from '../../src/features/registry.js';
import type { Labels3D } from '../../src/prepare/dims.js';
import { rng } from '../helpers/random.js';

function geometry(h: number, w: number, pad: number): PaddedGeometry {
  return { pads: { top: pad, bottom: pad, left: pad, right: pad }, alignment: 1, height: h, width: w, paddedH: h + 2 * pad, paddedW: w + 2 * pad };
}

/** Labels with `dots` isolated labelled pixels (classes 1..3) on a [1, h, w] plane. */
function dots(h: number, w: number, count: number, seed: number): Labels3D {
  const next = rng(seed);
  const data = new Int32Array(h * w);
  for (let i = 0; i < count; i++) data[Math.floor(next() * h) * w + Math.floor(next() * w)] = 1 + (i % 3);
  return { data, shape: [1, h, w] };
}

describe('training plan', () => {
  it('many small scribbles under a wide halo: blocks, rows in the reference order', () => {
    const labels = dots(60, 80, 40, 3);
    const g = geometry(60, 80, 20);
    const reference = trainingTiles(labels, g, true, 32);
    const plan = trainingPlan(labels, g, true, 32);
    expect(plan.order).not.toBeNull();
    expect(tileArea(plan.tiles)).toBeLessThan(tileArea(reference));
    const rows = (tiles: typeof reference, order: Uint32Array | null) =>
      concatRows(tiles.map((t) => ({ x: Float32Array.from(t.coords), y: t.labels, coords: t.coords })), 1, order);
    const a = rows(reference, null);
    const b = rows(plan.tiles, plan.order);
    expect(Array.from(b.coords)).toEqual(Array.from(a.coords));
    expect(Array.from(b.y)).toEqual(Array.from(a.y));
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
  });

  it('with a feature cache: the grid when the image is one block, the cache holds its tiles or it costs ≤ 2× the cheapest plan, else the cheaper tiles', () => {
    const data = new Int32Array(200 * 300);
    for (let x = 100; x < 140; x++) data[50 * 300 + x] = 1 + (x % 2);
    const labels: Labels3D = { data, shape: [1, 200, 300] };
    const g = geometry(200, 300, 8);
    const key = (t: { kept: object }) => JSON.stringify(t.kept);
    const gridKeys = (block: number) => gridTrainingTiles(labels, g, block).map(key);
    // One block holds the image: the segmentation that follows needs that tile anyway.
    const one = trainingPlan(labels, g, true, 512, gridTrainingRule(g, 512, () => false));
    expect(one.tiles.map(key)).toEqual(gridKeys(512));
    // 64-pixel blocks, nothing cached: the stroke's own tile (far smaller than its block).
    const cold = trainingPlan(labels, g, true, 64, gridTrainingRule(g, 64, () => false));
    expect(cold.order).toBeNull();
    expect(tileArea(cold.tiles)).toBeLessThan(tileArea(gridTrainingTiles(labels, g, 64)));
    // Scribbles all over the image: the grid costs little more than the cheapest plan (and the
    // segmentation that follows needs it), so the grid even when nothing is cached.
    const spread = new Int32Array(200 * 300);
    for (let y = 5; y < 200; y += 20) for (let x = 0; x < 300; x++) spread[y * 300 + x] = 1 + (y % 2);
    const everywhere: Labels3D = { data: spread, shape: [1, 200, 300] };
    const wide = trainingPlan(everywhere, g, true, 64, gridTrainingRule(g, 64, () => false));
    expect(wide.tiles.map(key)).toEqual(gridTrainingTiles(everywhere, g, 64).map(key));
    // The same with the grid's tiles cached: those, computing nothing.
    const held = new Set(gridKeys(64));
    const warm = trainingPlan(labels, g, true, 64, gridTrainingRule(g, 64, (job) => held.has(key(job))));
    expect(warm.tiles.map(key)).toEqual(gridKeys(64));
  });

  it('one compact scribble, or tile_annotations off: the reference plan itself', () => {
    const data = new Int32Array(60 * 80);
    for (let y = 20; y < 30; y++) for (let x = 30; x < 45; x++) data[y * 80 + x] = 1 + (x % 2);
    const labels: Labels3D = { data, shape: [1, 60, 80] };
    expect(trainingPlan(labels, geometry(60, 80, 20), true, 32).order).toBeNull();
    expect(trainingPlan(dots(60, 80, 40, 3), geometry(60, 80, 20), false, 32).order).toBeNull();
  });

  it('the CPU engine gathers the same rows with either plan (ilastik, 40-pixel halo)', async () => {
    const fe = await createExtractor('ilastik_2d');
    const [h, w] = [48, 56];
    const next = rng(9);
    const image = { data: Float32Array.from({ length: h * w }, () => next()), shape: [1, 1, h, w] as [number, number, number, number] };
    const labels = dots(h, w, 25, 4);
    const pyramid = { scalings: [1], order: 0, useMinFeatures: false, channelMode: 'single' as const };
    const g = paddedGeometry(fe, pyramid, h, w);
    expect(trainingPlan(labels, g, true, 1024).order).not.toBeNull();
    const engine = new CpuEngine();
    const byComponents = await engine.trainingRows(fe, image, labels, pyramid, true);
    const byBlocks = await engine.trainingRows(fe, image, labels, pyramid, false);
    // tile_annotations on (cheaper plan, reordered) equals the reference plan's rows; off orders by raster.
    expect(byComponents.y.length).toBe(labels.data.filter((v) => v > 0).length);
    const pos = new Map(Array.from(byBlocks.coords, (c, i) => [c, i]));
    const F = byComponents.nFeatures;
    for (let i = 0; i < byComponents.y.length; i++) {
      const j = pos.get(byComponents.coords[i])!;
      expect(Array.from(byComponents.x.subarray(i * F, (i + 1) * F))).toEqual(Array.from(byBlocks.x.subarray(j * F, (j + 1) * F)));
    }
    const expectedOrder = trainingTiles(labels, g, true, 1024).flatMap((t) => Array.from(t.coords));
    expect(Array.from(byComponents.coords)).toEqual(expectedOrder);
    fe.dispose();
  });
});
