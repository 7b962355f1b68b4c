import { describe, expect, it } from 'vitest';
import { maxTreeDepth, treeCount, validateForest } from '../../src/core/tree-ensemble.js';
import { candidateCount, trainRandomForest } from '../../src/classifiers/random-forest.js';
import { sortRowsLexicographic } from '../../src/classifiers/rows.js';
import { forestToSafetensors } from '../../src/classifiers/serialize.js';
import { ValueError } from '../../src/errors.js';
import { predictCpu } from '../../src/reference/forest.js';
import { rng } from '../helpers/random.js';
import { accuracy, loadClassifierRows } from './golden-rows.js';

describe('random forest trainer', () => {
  it('reaches the scikit-learn forest accuracy (within 1 point) on the reference VGG rows', () => {
    const g = loadClassifierRows();
    const rows = sortRowsLexicographic(g.trainX, g.trainY, g.nFeatures);
    const t0 = performance.now();
    const model = trainRandomForest(rows.x, rows.y, g.nFeatures);
    const seconds = (performance.now() - t0) / 1000;
    validateForest(model);
    expect(treeCount(model)).toBe(100);
    const acc = accuracy(predictCpu(model, g.evalX, 'rows').labels, g.evalY);
    console.log(`[rf] ${rows.y.length} rows × ${g.nFeatures} features, 100 trees (max depth ${maxTreeDepth(model)}): eval accuracy ${acc.toFixed(4)} (sklearn ${g.sklearnAccuracy}), training ${seconds.toFixed(1)} s`);
    expect(acc).toBeGreaterThanOrEqual(g.sklearnAccuracy - 0.01);
    // Grown to purity: every training row lands in a leaf that is pure for its own class in
    // every tree whose bootstrap drew it, so the training rows are all classified correctly.
    expect(accuracy(predictCpu(model, rows.x, 'rows').labels, rows.y)).toBe(1);
  });

  it('is deterministic: same seed → byte-identical serialised model; another seed differs', () => {
    const g = loadClassifierRows();
    const n = 3000;
    const x = g.trainX.subarray(0, n * g.nFeatures);
    const y = g.trainY.subarray(0, n);
    const a = forestToSafetensors(trainRandomForest(x, y, g.nFeatures, { nEstimators: 10, seed: 3 }));
    const b = forestToSafetensors(trainRandomForest(x, y, g.nFeatures, { nEstimators: 10, seed: 3 }));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const c = forestToSafetensors(trainRandomForest(x, y, g.nFeatures, { nEstimators: 10, seed: 4 }));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it('leaves hold class fractions summing to 1; pure unless identical rows disagree', () => {
    const next = rng(4);
    const n = 300;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(next() * 4); // many duplicate rows
    const F = 3;
    const mixedLeaves = (y: Int32Array) => {
      const model = trainRandomForest(x, y, F, { nEstimators: 5 });
      validateForest(model);
      let mixed = 0;
      for (let l = 0; l < model.leafValues.length / 2; l++) {
        const v = model.leafValues[2 * l];
        expect(Math.abs(v + model.leafValues[2 * l + 1] - 1)).toBeLessThan(1e-6);
        if (v > 0 && v < 1) mixed++;
      }
      return mixed;
    };
    // Class a function of the row: identical rows agree, so every leaf can be made pure.
    const consistent = Int32Array.from({ length: n }, (_, i) => ((x[i * 3] * 7 + x[i * 3 + 1] * 3 + x[i * 3 + 2]) % 2 === 0 ? 10 : 20));
    expect(mixedLeaves(consistent)).toBe(0);
    // Random classes: identical rows disagree, and only such leaves stay mixed.
    const random = Int32Array.from({ length: n }, () => (next() < 0.5 ? 10 : 20));
    expect(mixedLeaves(random)).toBeGreaterThan(0);
  });

  it('thresholds separate neighbouring float32 values exactly', () => {
    const a = 1;
    const b = Math.fround(1 + 2 ** -23);
    const x = Float32Array.from([a, b, a, b]);
    const model = trainRandomForest(x, [1, 2, 1, 2], 1, { nEstimators: 8 });
    expect(Array.from(predictCpu(model, x, 'rows').labels)).toEqual([1, 2, 1, 2]);
  });

  it('√F candidate features by default; typed errors for bad options and NaN', () => {
    expect(candidateCount(undefined, 192)).toBe(13);
    expect(candidateCount('sqrt', 2)).toBe(1);
    expect(candidateCount('all', 7)).toBe(7);
    expect(() => candidateCount(0, 7)).toThrow(ValueError);
    expect(() => trainRandomForest(new Float32Array(2), [1, 2], 1, { nEstimators: 0 })).toThrow(ValueError);
    expect(() => trainRandomForest(Float32Array.from([NaN, 1]), [1, 2], 1)).toThrow(/NaN/);
  });
});
