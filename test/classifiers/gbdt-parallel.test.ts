/**
 * The parallel CPU GBDT trainer (worker threads over shared memory) grows exactly the trees of the
 * sequential one: byte-identical models for 2 and 3 threads on the reference's VGG rows.
 */
import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/classifiers/gbdt.js';
import { featureRanges, PARALLEL_MIN_CELLS, trainGbdtParallel } from '../../src/classifiers/gbdt-parallel.js';
import { serializeForest } from '../../src/classifiers/serialize.js';
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { loadClassifierRows } from './golden-rows.js';

function bytes(m: TreeEnsemble): number[] {
  return Object.values(serializeForest(m).tensors).flatMap((t) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

describe('parallel GBDT trainer', () => {
  it('2 and 3 threads give the sequential trainer’s model, byte for byte (reference VGG rows, 12 trees)', async () => {
    const rows = loadClassifierRows();
    expect(rows.trainY.length * rows.nFeatures).toBeGreaterThan(PARALLEL_MIN_CELLS);
    const options = { iterations: 12, depth: 5 };
    const sequential = bytes(trainGbdt(rows.trainX, rows.trainY, rows.nFeatures, options));
    for (const threads of [2, 3]) {
      const parallel = await trainGbdtParallel(rows.trainX, rows.trainY, rows.nFeatures, { ...options, threads });
      expect(bytes(parallel), `${threads} threads`).toEqual(sequential);
    }
  }, 120_000);

  it('feature ranges cover every feature once, in order, balanced by bins', () => {
    const binOffset = Uint32Array.from([0, 10, 12, 100, 101, 200, 210]);
    const ranges = featureRanges(binOffset, 6, 3);
    expect(ranges[0][0]).toBe(0);
    expect(ranges.at(-1)![1]).toBe(6);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
    expect(featureRanges(binOffset, 6, 10).length).toBeLessThanOrEqual(6);
  });
});
