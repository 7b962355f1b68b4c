/**
 * The pieces that let the GPU engine segment images larger than any one buffer: tiles cut from
 * the unpadded image (= cropTile of the padded image), and the band plan (bands cover every
 * output row once, carry the majority filter's halo and the restore's source rows, and a plane
 * in one band tiles exactly as the whole-image plan).
 */
import { describe, expect, it } from 'vitest';
import { BufferTooLargeError, HostMemoryError } from '../../src/errors.js';
import { hostArray } from '../../src/engine/engine.js';
import { bandRowsFor } from '../../src/engine/gpu-engine.js';
import { cutPaddedTile } from '../../src/engine/tile-cut.js';
import { predictionBands, predictionTiles } from '../../src/engine/tiling.js';
import type { PaddedGeometry } from '../../src/engine/tiling.js';
import { cropTile, reflectPad } from '../../src/reference/pad.js';
import { sourceRowsRead } from '../../src/reference/resample.js';
import { loadCoins } from '../helpers/data.js';
import { rng } from '../helpers/random.js';

function geometry(h: number, w: number, pad: number, alignment = 4): PaddedGeometry {
  return { pads: { top: pad, bottom: pad + 1, left: pad, right: pad + 2 }, alignment, height: h, width: w, paddedH: h + 2 * pad + 1, paddedW: w + 2 * pad + 2 };
}

describe('cutPaddedTile', () => {
  it('equals cropTile of the reflect-padded image, for random tiles, pads beyond the image and stacks', () => {
    const next = rng(5);
    for (const [c, z, h, w, pad] of [
      [1, 1, 7, 9, 3],
      [3, 2, 5, 4, 11], // pads wider than the image: repeated reflection
      [2, 3, 1, 6, 2], // one row
      [1, 1, 31, 17, 8],
    ]) {
      const data = Float32Array.from({ length: c * z * h * w }, () => next());
      const image = { data, shape: [c, z, h, w] as [number, number, number, number] };
      const pads = { top: pad, bottom: pad + 1, left: pad + 2, right: pad };
      const padded = reflectPad({ data, shape: [c, z, h, w] }, pads);
      const [ph, pw] = [h + 2 * pad + 1, w + 2 * pad + 2];
      for (let t = 0; t < 40; t++) {
        const y0 = Math.floor(next() * ph);
        const x0 = Math.floor(next() * pw);
        const tile = { y0, x0, y1: y0 + 1 + Math.floor(next() * (ph - y0)), x1: x0 + 1 + Math.floor(next() * (pw - x0)) };
        const plane = Math.floor(next() * z);
        expect(cutPaddedTile(image, pads, plane, tile)).toEqual(cropTile(padded, plane, tile).data);
      }
      const whole = { y0: 0, x0: 0, y1: ph, x1: pw };
      expect(cutPaddedTile(image, pads, z - 1, whole)).toEqual(cropTile(padded, z - 1, whole).data);
      expect(() => cutPaddedTile(image, pads, 0, { y0: 0, x0: 0, y1: ph + 1, x1: 2 })).toThrow(/outside the padded image/);
      expect(() => cutPaddedTile(image, pads, z, { y0: 0, x0: 0, y1: 1, x1: 1 })).toThrow(/plane/);
    }
  });

  it('on a real image (coins)', () => {
    const coins = loadCoins();
    const image = { data: coins.data, shape: [1, 1, 303, 384] as [number, number, number, number] };
    const pads = { top: 40, bottom: 45, left: 36, right: 60 };
    const padded = reflectPad({ data: coins.data, shape: [1, 1, 303, 384] }, pads);
    for (const tile of [
      { y0: 0, x0: 0, y1: 120, x1: 130 },
      { y0: 300, x0: 400, y1: 388, x1: 480 },
      { y0: 10, x0: 20, y1: 388, x1: 470 },
    ]) {
      expect(cutPaddedTile(image, pads, 0, tile)).toEqual(cropTile(padded, 0, tile).data);
    }
  });
});

describe('prediction bands', () => {
  it('one band per plane tiles exactly as the whole-image plan', () => {
    const g = geometry(50, 70, 6);
    const bands = predictionBands(g, 2, 16, [50, 70], 50, 2);
    expect(bands.map((b) => [b.z, b.rows, b.computed, b.source])).toEqual([
      [0, [0, 50], [0, 50], [0, 50]],
      [1, [0, 50], [0, 50], [0, 50]],
    ]);
    expect(bands.flatMap((b) => b.jobs)).toEqual(predictionTiles(g, 2, 16));
  });

  it('several bands cover every output row once, with the halo computed and every source row tiled', () => {
    for (const [h, outH, bandRows, halo, block] of [
      [100, 100, 32, 0, 16],
      [100, 100, 32, 3, 16],
      [97, 97, 10, 5, 7],
      [50, 100, 16, 2, 8], // restore ×2: source rows are the bilinear rows the output band reads
      [61, 183, 40, 1, 16],
    ]) {
      const g = geometry(h, 40, 5);
      const bands = predictionBands(g, 1, block, [outH, (40 * outH) / h], bandRows, halo);
      const delivered = new Uint8Array(outH);
      for (const b of bands) {
        for (let y = b.rows[0]; y < b.rows[1]; y++) delivered[y]++;
        expect(b.computed).toEqual([Math.max(0, b.rows[0] - halo), Math.min(outH, b.rows[1] + halo)]);
        const [first, last] = outH === h ? [b.computed[0], b.computed[1] - 1] : sourceRowsRead('bilinear', h, outH, b.computed[0], b.computed[1] - b.computed[0]);
        expect(b.source).toEqual([first, last + 1]);
        // Jobs cover source rows × all columns exactly once.
        const covered = new Uint8Array((b.source[1] - b.source[0]) * g.width);
        for (const j of b.jobs) {
          expect(j.kept.y1 - j.kept.y0).toBeLessThanOrEqual(block);
          for (let y = j.kept.y0; y < j.kept.y1; y++) for (let x = j.kept.x0; x < j.kept.x1; x++) covered[(y - b.source[0]) * g.width + x]++;
        }
        expect(covered.every((v) => v === 1)).toBe(true);
      }
      expect(delivered.every((v) => v === 1)).toBe(true);
    }
  });
});

describe('band height', () => {
  it('is the whole plane when it fits, whole blocks otherwise, and a clear error when one row does not fit', () => {
    expect(bandRowsFor(512 * 2 ** 20, 2, [1024, 1024], [1024, 1024], 512, 0)).toBe(1024);
    // 8192² with two classes on a 128 MiB device: 128 MiB per band / (4·(2 + 2)·8192 B per row) = 1024 rows.
    expect(bandRowsFor(128 * 2 ** 20, 2, [8192, 8192], [8192, 8192], 512, 0)).toBe(1024);
    expect(bandRowsFor(128 * 2 ** 20, 2, [8192, 8192], [8192, 8192], 5000, 3)).toBe(1024 - 6);
    // Restoring ×2 (4096² → 8192²): 4·(2·4096·½ + 2·8192 + 2·8192) B per row, less three source rows.
    expect(bandRowsFor(128 * 2 ** 20, 2, [4096, 4096], [8192, 8192], 512, 0)).toBe(512);
    expect(() => bandRowsFor(4096, 40, [10, 100], [10, 100], 8, 0)).toThrow(BufferTooLargeError);
  });
});

describe('host result arrays', () => {
  it('a whole-image result beyond what one JS array holds is a HostMemoryError saying how large', () => {
    expect(hostArray(Float32Array, 10, 'x')).toHaveLength(10);
    // vgg-l's 2,560 features over 8192² pixels: 640 GiB.
    expect(() => hostArray(Float32Array, 2560 * 8192 * 8192, 'the feature image')).toThrow(HostMemoryError);
    expect(() => hostArray(Float32Array, 2560 * 8192 * 8192, 'the feature image')).toThrow(/the feature image needs 640\.0 GiB/);
  });
});

describe('region tiling', () => {
  const g = geometry(1000, 1200, 6);
  const region = { z: 0, y0: 410, x0: 530, height: 90, width: 70 };
  const covered = (jobs: ReturnType<typeof predictionTiles>) => jobs.reduce((n, j) => n + (j.kept.y1 - j.kept.y0) * (j.kept.x1 - j.kept.x0), 0);

  it('on the grid: the whole-image blocks that meet the region; own: only the rows and columns it needs', () => {
    const halo = 3;
    const [grid] = predictionBands(g, 1, 256, [1000, 1200], 1000, halo, region, 'grid');
    const [own] = predictionBands(g, 1, 256, [1000, 1200], 1000, halo, region, 'own');
    // The region + the filter halo lies inside blocks 256–512 × 512–768: one whole block.
    const whole = new Set(predictionTiles(g, 1, 256).map((j) => JSON.stringify(j)));
    expect(grid.jobs.every((j) => whole.has(JSON.stringify(j)))).toBe(true);
    expect(covered(grid.jobs)).toBe(256 * 256);
    expect(own.source).toEqual([region.y0 - halo, region.y0 + region.height + halo]);
    expect(own.sourceCols).toEqual([region.x0 - halo, region.x0 + region.width + halo]);
    expect(covered(own.jobs)).toBe((region.height + 2 * halo) * (region.width + 2 * halo));
    // Both deliver the same output rows and columns.
    for (const key of ['rows', 'cols', 'computed', 'computedCols'] as const) expect(own[key]).toEqual(grid[key]);
  });

  it('a region larger than a block is cut into blocks from its own corner', () => {
    const big = { z: 0, y0: 100, x0: 37, height: 300, width: 520 };
    const [own] = predictionBands(g, 1, 256, [1000, 1200], 1000, 0, big, 'own');
    expect(own.jobs.length).toBe(2 * 3);
    expect(own.jobs[0].kept).toMatchObject({ y0: 100, x0: 37 });
    expect(covered(own.jobs)).toBe(300 * 520);
  });
});
