/** The parallel random forest (trees on worker threads) is the sequential forest, tree for tree. */
import { describe, expect, it } from 'vitest';
import { trainRandomForest } from '../../src/classifiers/random-forest.js';
import { trainRandomForestParallel } from '../../src/classifiers/rf-parallel.js';
import { serializeForest } from '../../src/classifiers/serialize.js';
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { loadClassifierRows } from './golden-rows.js';

function bytes(m: TreeEnsemble): number[] {
  return serializeForest(m).tensors.flatMap((t) => Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}

describe('parallel random forest', () => {
  it('2 and 3 threads give the sequential forest, byte for byte (reference VGG rows, 7 trees)', async () => {
    const rows = loadClassifierRows();
    const n = 3000;
    const x = rows.trainX.subarray(0, n * rows.nFeatures);
    const y = rows.trainY.subarray(0, n);
    const sequential = bytes(trainRandomForest(x, y, rows.nFeatures, { nEstimators: 7 }));
    for (const threads of [2, 3]) {
      const done: number[] = [];
      const parallel = await trainRandomForestParallel(x, y, rows.nFeatures, { nEstimators: 7, threads, onProgress: (p) => done.push(p.done) });
      expect(bytes(parallel), `${threads} threads`).toEqual(sequential);
      expect(done).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
  }, 120_000);
});
