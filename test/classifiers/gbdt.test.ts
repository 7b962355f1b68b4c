import { describe, expect, it } from 'vitest';
import { validateForest } from '../../src/core/tree-ensemble.js';
import { trainGbdt } from '../../src/classifiers/gbdt.js';
import { sortRowsLexicographic } from '../../src/classifiers/rows.js';
import { forestToSafetensors } from '../../src/classifiers/serialize.js';
import { ShapeError, ValueError } from '../../src/errors.js';
import { predictCpu } from '../../src/reference/forest.js';
import { rng } from '../helpers/random.js';
import { accuracy, loadClassifierRows } from './golden-rows.js';

/** Two Gaussian blobs per class in F dimensions, classes given by value. */
function blobs(n: number, F: number, classes: number[], seed: number): { x: Float32Array; y: Int32Array } {
  const next = rng(seed);
  const x = new Float32Array(n * F);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes.length;
    y[i] = classes[k];
    for (let f = 0; f < F; f++) x[i * F + f] = (f % classes.length === k ? 1.5 : 0) + (next() + next() + next() - 1.5);
  }
  return { x, y };
}

describe('GBDT trainer', () => {
  it('reaches the scikit-learn forest accuracy (within 1 point) on the reference VGG rows, default parameters', () => {
    const g = loadClassifierRows();
    const rows = sortRowsLexicographic(g.trainX, g.trainY, g.nFeatures);
    const t0 = performance.now();
    const model = trainGbdt(rows.x, rows.y, g.nFeatures);
    const seconds = (performance.now() - t0) / 1000;
    validateForest(model);
    expect(model.kind).toBe('gbdt');
    expect(model.postprocess).toBe('softmax');
    expect(Array.from(model.classes)).toEqual([1, 49, 67, 91]);
    expect(model.leafOffset.length).toBe(101);
    expect(model.trees.layout === 'oblivious' && model.trees.splitFeature.length).toBe(500);
    const acc = accuracy(predictCpu(model, g.evalX, 'rows').labels, g.evalY);
    console.log(`[gbdt] ${rows.y.length} rows × ${g.nFeatures} features, 100 trees depth 5: eval accuracy ${acc.toFixed(4)} (sklearn RF ${g.sklearnAccuracy}), training ${seconds.toFixed(1)} s`);
    expect(acc).toBeGreaterThanOrEqual(g.sklearnAccuracy - 0.01);
  });

  it('is deterministic: the same rows and seed give byte-identical serialised models; another seed differs', () => {
    const g = loadClassifierRows();
    const n = 2000;
    const x = g.trainX.subarray(0, n * g.nFeatures);
    const y = g.trainY.subarray(0, n);
    const options = { iterations: 20, seed: 7 };
    const a = forestToSafetensors(trainGbdt(x, y, g.nFeatures, options));
    const b = forestToSafetensors(trainGbdt(x, y, g.nFeatures, options));
    expect(b.length).toBe(a.length);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    const c = forestToSafetensors(trainGbdt(x, y, g.nFeatures, { ...options, seed: 8 }));
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
  });

  it('two classes use Logloss: one raw score per leaf, sigmoid, class values kept', () => {
    const { x, y } = blobs(600, 4, [5, 200], 1);
    const model = trainGbdt(x, y, 4, { iterations: 30, depth: 3 });
    expect(model.postprocess).toBe('sigmoid');
    expect(model.nOutputs).toBe(1);
    expect(Array.from(model.classes)).toEqual([5, 200]);
    const test = blobs(600, 4, [5, 200], 2);
    expect(accuracy(predictCpu(model, test.x, 'rows').labels, test.y)).toBeGreaterThan(0.9);
  });

  it('learns non-contiguous classes 1, 49, 67, 91 on separable data, probabilities summing to 1', () => {
    const classes = [1, 49, 67, 91];
    const { x, y } = blobs(800, 6, classes, 3);
    const model = trainGbdt(x, y, 6, { iterations: 40, depth: 4 });
    const test = blobs(800, 6, classes, 4);
    const p = predictCpu(model, test.x, 'rows');
    expect(accuracy(p.labels, test.y)).toBeGreaterThan(0.85);
    for (let i = 0; i < 800; i += 13) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += p.probas[k * 800 + i];
      expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    }
  });

  it('fits a single informative feature with a threshold among noise features', () => {
    const n = 400;
    const next = rng(9);
    const x = new Float32Array(n * 3);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 3] = next();
      x[i * 3 + 1] = next();
      x[i * 3 + 2] = next();
      y[i] = x[i * 3 + 1] > 0.3 ? 2 : 1;
    }
    const model = trainGbdt(x, y, 3, { iterations: 20, depth: 2, randomStrength: 0 });
    expect(model.trees.layout === 'oblivious' && model.trees.splitFeature[0]).toBe(1);
    expect(accuracy(predictCpu(model, x, 'rows').labels, y)).toBe(1);
  });

  it('constant features: trees stop early rather than split on nothing', () => {
    const x = new Float32Array(20).fill(1);
    const y = Int32Array.from({ length: 20 }, (_, i) => (i % 2) + 1);
    const model = trainGbdt(x, y, 1, { iterations: 3 });
    validateForest(model);
    expect(model.trees.layout === 'oblivious' && model.trees.splitFeature.length).toBe(0);
    expect(model.leafOffset[3]).toBe(3);
  });

  it('rejects bad options and inputs with typed errors', () => {
    const x = new Float32Array(4);
    expect(() => trainGbdt(x, [1, 2], 2, { depth: 0 })).toThrow(ValueError);
    expect(() => trainGbdt(x, [1, 2], 2, { depth: 17 })).toThrow(ValueError);
    expect(() => trainGbdt(x, [1, 2], 2, { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => trainGbdt(x, [1, 2], 2, { iterations: 1.5 })).toThrow(/iterations/);
    expect(() => trainGbdt(x, [1, 1], 2)).toThrow(/at least 2 distinct classes/);
    expect(() => trainGbdt(x, [1, 2, 3], 2)).toThrow(ShapeError);
  });

  it('reports progress once per tree', () => {
    const { x, y } = blobs(100, 2, [1, 2, 3], 5);
    const seen: number[] = [];
    trainGbdt(x, y, 2, { iterations: 4, depth: 2, onProgress: (p) => p.stage === 'gbdt' && seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
