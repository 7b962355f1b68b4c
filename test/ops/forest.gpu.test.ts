import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/classifiers/gbdt.js';
import { trainRandomForest } from '../../src/classifiers/random-forest.js';
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { DisposedError, ShapeError } from '../../src/errors.js';
import { forestLeaves, predictForest, uploadForest } from '../../src/ops/forest.js';
import type { UploadForestOptions } from '../../src/ops/forest.js';
import { forestLeavesCpu, predictCpu } from '../../src/reference/forest.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { accuracy, loadClassifierRows } from '../classifiers/golden-rows.js';
import { randomFeatures, randomNodeModel, randomObliviousModel, toPlanar } from '../classifiers/random-models.js';

const gpu = useGpu();

/** Probabilities: same f32 sums on both sides; exp and division may differ by a few ulp. */
const PROBA_TOL = { atol: 1e-6, rtol: 0 };

interface GpuResult {
  probas: Float32Array;
  labels: Uint32Array;
  leaves: Uint32Array;
  chunks: number;
}

async function runGpu(model: TreeEnsemble, planar: Float32Array, spatial: number[], upload: UploadForestOptions = {}): Promise<GpuResult> {
  const ctx = gpu();
  return expectNoLeak(ctx, async () => {
    const forest = uploadForest(ctx, model, upload);
    const features = ctx.upload(planar, [model.nFeatures, ...spatial], 'features');
    const batch = ctx.batch('forest test');
    const out = predictForest(batch, forest, features, { labels: true });
    const leaves = forestLeaves(batch, forest, features);
    const p = batch.read(out.probas);
    const l = batch.readU32(out.labels!);
    const lv = batch.readU32(leaves);
    await batch.submit();
    expect(out.probas.shape).toEqual([model.classes.length, ...spatial]);
    expect(out.labels!.shape).toEqual(spatial);
    const result = { probas: await p, labels: await l, leaves: await lv, chunks: forest.chunks.length };
    for (const t of [out.probas, out.labels!, leaves, features]) t.dispose();
    forest.dispose();
    return result;
  });
}

/** GPU vs CPU reference on planar features: exact leaves and labels, probabilities within 1e-6. */
async function expectMatchesCpu(model: TreeEnsemble, planar: Float32Array, spatial: number[], what: string, upload: UploadForestOptions = {}): Promise<GpuResult> {
  const n = spatial.reduce((a, b) => a * b, 1);
  const got = await runGpu(model, planar, spatial, upload);
  const T = model.leafOffset.length - 1;
  expectClose(got.leaves, forestLeavesCpu(model, planar, 'planar'), EXACT, [T, n], `${what}: leaves`);
  const expected = predictCpu(model, planar, 'planar');
  expectClose(got.probas, expected.probas, PROBA_TOL, [model.classes.length, n], `${what}: probabilities`);
  expectClose(got.labels, Uint32Array.from(expected.labels), EXACT, [n], `${what}: labels (class values)`);
  return got;
}

const SHAPES: number[][] = [[1, 1], [7, 31], [64, 64], [257]];

describe('forest evaluator: GPU vs CPU reference on random models', () => {
  const models: Array<[string, () => TreeEnsemble]> = [
    ['oblivious softmax, K=4 (1, 49, 67, 91), depths 0..6', () => randomObliviousModel({ trees: 40, nFeatures: 9, classes: [1, 49, 67, 91], maxDepth: 6, minDepth: 0, seed: 1 })],
    ['oblivious sigmoid, K=2', () => randomObliviousModel({ trees: 25, nFeatures: 5, classes: [3, 200], maxDepth: 5, seed: 2 })],
    ['oblivious softmax, K=11 (two output blocks)', () => randomObliviousModel({ trees: 12, nFeatures: 6, classes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], maxDepth: 4, seed: 3 })],
    ['node trees average, K=3', () => randomNodeModel({ trees: 30, nFeatures: 8, classes: [2, 5, 9], maxDepth: 12, seed: 4 })],
    ['node trees softmax, K=4', () => randomNodeModel({ trees: 20, nFeatures: 4, classes: [1, 2, 3, 4], maxDepth: 9, postprocess: 'softmax', seed: 5 })],
  ];
  for (const [name, make] of models) {
    it(name, async () => {
      const model = make();
      let seed = 100;
      for (const spatial of SHAPES) {
        const n = spatial.reduce((a, b) => a * b, 1);
        const planar = randomFeatures(model.nFeatures * n, seed++);
        await expectMatchesCpu(model, planar, spatial, `${name} on [${spatial.join('×')}]`);
      }
    });
  }

  it('trees split over many chunks give the same leaves and bit-identical probabilities', async () => {
    for (const model of [
      randomObliviousModel({ trees: 30, nFeatures: 6, classes: [1, 2, 3], maxDepth: 4, minDepth: 1, seed: 7 }),
      randomNodeModel({ trees: 30, nFeatures: 6, classes: [1, 2], maxDepth: 7, seed: 8 }),
    ]) {
      const planar = randomFeatures(6 * 31 * 7, 9);
      const whole = await expectMatchesCpu(model, planar, [31, 7], 'one chunk');
      const split = await expectMatchesCpu(model, planar, [31, 7], 'small chunks', { maxBindingBytes: 1024 });
      expect(whole.chunks).toBe(1);
      expect(split.chunks).toBeGreaterThan(2);
      expectClose(split.probas, whole.probas, EXACT, [model.classes.length, 217], 'chunked vs whole');
    }
  });

  it('without labels only probabilities are produced', async () => {
    const ctx = gpu();
    const model = randomObliviousModel({ trees: 5, nFeatures: 3, classes: [1, 2, 3], maxDepth: 3, seed: 10 });
    const planar = randomFeatures(3 * 50, 11);
    await expectNoLeak(ctx, async () => {
      const forest = uploadForest(ctx, model);
      const features = ctx.upload(planar, [3, 5, 10], 'features');
      const batch = ctx.batch('probas only');
      const out = predictForest(batch, forest, features);
      expect(out.labels).toBeUndefined();
      const p = batch.read(out.probas);
      await batch.submit();
      expectClose(await p, predictCpu(model, planar, 'planar').probas, PROBA_TOL, [3, 50], 'probas only');
      out.probas.dispose();
      features.dispose();
      forest.dispose();
    });
  });
});

describe('forest evaluator: trained models on the reference VGG rows', () => {
  it('GBDT (100 trees, depth 5, K=4) and random forest (100 trees) agree with the CPU on 20,000 eval rows', async () => {
    const g = loadClassifierRows();
    const STEP = 6;
    // Every 6th training row (rows are in raster order, so a prefix would miss parts of the
    // image) keeps training short; the evaluation uses every eval row.
    const n = Math.ceil(g.trainY.length / STEP);
    const x = new Float32Array(n * g.nFeatures);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x.set(g.trainX.subarray(STEP * i * g.nFeatures, (STEP * i + 1) * g.nFeatures), i * g.nFeatures);
      y[i] = g.trainY[STEP * i];
    }
    const evalPlanar = toPlanar(g.evalX, g.evalY.length, g.nFeatures);
    for (const [name, model] of [
      ['gbdt', trainGbdt(x, y, g.nFeatures)],
      ['rf', trainRandomForest(x, y, g.nFeatures)],
    ] as const) {
      const got = await expectMatchesCpu(model, evalPlanar, [g.evalY.length], `trained ${name}`);
      const acc = accuracy(Int32Array.from(got.labels), g.evalY);
      expect(acc).toBeGreaterThan(0.93);
    }
  });
});

describe('forest evaluator: errors and resources', () => {
  it('refuses a feature tensor with the wrong feature count (ShapeError) and a disposed forest (DisposedError)', async () => {
    const ctx = gpu();
    const model = randomNodeModel({ trees: 3, nFeatures: 4, classes: [1, 2], maxDepth: 3, seed: 12 });
    await expectNoLeak(ctx, async () => {
      const forest = uploadForest(ctx, model);
      const features = ctx.upload(new Float32Array(3 * 16), [3, 4, 4], 'features');
      const batch = ctx.batch('errors');
      expect(() => predictForest(batch, forest, features)).toThrow(ShapeError);
      expect(() => predictForest(batch, forest, features)).toThrow(/trained on 4 features/);
      forest.dispose();
      forest.dispose();
      expect(forest.disposed).toBe(true);
      expect(() => forestLeaves(batch, forest, features)).toThrow(DisposedError);
      await batch.submit();
      features.dispose();
    });
  });
});
