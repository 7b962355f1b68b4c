/**
 * The GPU GBDT trainer against the CPU trainer (its oracle). Both draw the same counter-based
 * bootstrap weights and noise, so on small cases they grow the same trees: every split equal,
 * leaf values within float32 rounding (rtol 1e-4 — the GPU sums in float32, the CPU in float64).
 * On the reference's VGG rows (100 trees) a split may differ where two candidates score within
 * float32 rounding of each other; there the bar is accuracy (within 1 point of the CPU model,
 * and of scikit-learn's forest) and prediction agreement.
 */
import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/classifiers/gbdt.js';
import { trainGbdtGpu } from '../../src/classifiers/gbdt-gpu.js';
import type { ObliviousTrees, TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { ValueError } from '../../src/errors.js';
import { GpuContext } from '../../src/gpu/context.js';
import { predictCpu } from '../../src/reference/forest.js';
import { useGpu } from '../helpers/gpu.js';
import { randomFloats, randomInt, rng } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import { accuracy, loadClassifierRows } from './golden-rows.js';

const gpu = useGpu();

/** Rows whose class depends on a few features (so trees have something to find), plus noise. */
function scene(n: number, F: number, K: number, seed: number): { x: Float32Array; y: Int32Array } {
  const x = randomFloats(n * F, seed);
  const next = rng(seed + 1);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const v = x[r * F] + 0.7 * x[r * F + 2] - 0.4 * x[r * F + 5 % F] + 0.3 * (next() - 0.5);
    y[r] = 10 + Math.min(K - 1, Math.max(0, Math.floor(((v + 1.5) / 3) * K)));
    if (randomInt(next, 20) === 0) y[r] = 10 + randomInt(next, K);
  }
  for (let k = 0; k < K; k++) y[k] = 10 + k; // every class present
  return { x, y };
}

function splits(m: TreeEnsemble): ObliviousTrees {
  if (m.trees.layout !== 'oblivious') throw new Error('not an oblivious-tree model');
  return m.trees;
}

function expectSameModel(g: TreeEnsemble, c: TreeEnsemble, what: string): void {
  expect(Array.from(g.classes), what).toEqual(Array.from(c.classes));
  expect(g.postprocess).toBe(c.postprocess);
  expect(Array.from(splits(g).splitFeature), `${what}: split features`).toEqual(Array.from(splits(c).splitFeature));
  expect(Array.from(splits(g).splitBorder), `${what}: split borders`).toEqual(Array.from(splits(c).splitBorder));
  expectClose(g.leafValues, c.leafValues, { atol: 1e-6, rtol: 1e-4 }, [g.leafValues.length], `${what}: leaf values`);
}

function predictedClasses(model: TreeEnsemble, x: Float32Array, n: number): Int32Array {
  const p = predictCpu(model, x, 'rows').probas;
  const K = model.classes.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[k * n + i] > p[best * n + i]) best = k;
    out[i] = model.classes[best];
  }
  return out;
}

describe('GPU GBDT trainer vs the CPU trainer', () => {
  for (const K of [2, 3, 4, 6]) {
    it(`${K} classes, bootstrap and noise on: the same trees (splits exact, leaves rtol 1e-4)`, async () => {
      const { x, y } = scene(700, 9, K, 20 + K);
      const options = { iterations: 6, depth: 4, seed: K };
      const g = await trainGbdtGpu(gpu(), x, y, 9, options);
      expectSameModel(g, trainGbdt(x, y, 9, options), `K=${K}`);
    });
  }

  it('is deterministic: the same rows and seed give identical models; another seed differs', async () => {
    const { x, y } = scene(500, 6, 4, 3);
    const a = await trainGbdtGpu(gpu(), x, y, 6, { iterations: 4, seed: 1 });
    const b = await trainGbdtGpu(gpu(), x, y, 6, { iterations: 4, seed: 1 });
    const c = await trainGbdtGpu(gpu(), x, y, 6, { iterations: 4, seed: 2 });
    expect(Array.from(a.leafValues)).toEqual(Array.from(b.leafValues));
    expect(Array.from(splits(a).splitFeature)).toEqual(Array.from(splits(b).splitFeature));
    expect(Array.from(a.leafValues)).not.toEqual(Array.from(c.leafValues));
  });

  it('feature groups (forced by small buffers) give the same model as one group', async () => {
    const { x, y } = scene(600, 10, 4, 9);
    const options = { iterations: 3, depth: 4 };
    const small = await GpuContext.create({ limits: { maxStorageBufferBindingSize: 262144 } });
    try {
      const grouped = await trainGbdtGpu(small, x, y, 10, options);
      expectSameModel(grouped, await trainGbdtGpu(gpu(), x, y, 10, options), 'grouped vs whole');
    } finally {
      small.dispose();
    }
  });

  it('constant features only: the CPU trainer’s depth-0 trees; more than 8 classes: a clear error', async () => {
    const x = new Float32Array(40 * 3).fill(1.5);
    const y = Int32Array.from({ length: 40 }, (_, i) => 1 + (i % 3));
    const g = await trainGbdtGpu(gpu(), x, y, 3, { iterations: 2 });
    expectSameModel(g, trainGbdt(x, y, 3, { iterations: 2 }), 'constant');
    const many = scene(200, 4, 9, 5);
    await expect(trainGbdtGpu(gpu(), many.x, many.y, 4, { iterations: 1 })).rejects.toThrow(ValueError);
  });

  it('the reference VGG rows, defaults (100 trees, depth 5): accuracy within 1 point of the CPU model and of scikit-learn', async () => {
    const rows = loadClassifierRows();
    const g = await trainGbdtGpu(gpu(), rows.trainX, rows.trainY, rows.nFeatures);
    const c = trainGbdt(rows.trainX, rows.trainY, rows.nFeatures);
    const n = rows.evalY.length;
    const pg = predictedClasses(g, rows.evalX, n);
    const pc = predictedClasses(c, rows.evalX, n);
    const [ag, ac] = [accuracy(pg, rows.evalY), accuracy(pc, rows.evalY)];
    let agree = 0;
    for (let i = 0; i < n; i++) if (pg[i] === pc[i]) agree++;
    let sameSplits = 0;
    const [sg, sc] = [splits(g), splits(c)];
    for (let i = 0; i < sg.splitFeature.length; i++) if (sg.splitFeature[i] === sc.splitFeature[i] && sg.splitBorder[i] === sc.splitBorder[i]) sameSplits++;
    console.log(`[gbdt-gpu] eval accuracy GPU ${ag.toFixed(4)}, CPU ${ac.toFixed(4)}, sklearn ${rows.sklearnAccuracy}; agreement ${(agree / n).toFixed(4)}; same splits ${sameSplits}/${sg.splitFeature.length}`);
    expect(ag).toBeGreaterThanOrEqual(ac - 0.01);
    expect(ag).toBeGreaterThanOrEqual(rows.sklearnAccuracy - 0.01);
    expect(agree / n).toBeGreaterThan(0.98);
  }, 300_000);
});
