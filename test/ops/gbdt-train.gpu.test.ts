/**
 * The GBDT trainer's kernels (shaders/gbdt-train.wgsl) against their CPU twins
 * (src/reference/gbdt-train.ts), step by step, on random rows and on the reference's VGG rows.
 * Tolerances: bins, partitions, leaf counts and chosen splits exact; derivatives and Newton
 * values float32 (rtol 1e-5); histogram-based scores rtol 1e-4 (float32 sums of up to a few
 * thousand terms against float64).
 */
import { describe, expect, it } from 'vitest';
import { greedyLogSumBorders } from '../../src/classifiers/quantize.js';
import { bootstrapWeightTable, hash3 } from '../../src/classifiers/random.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import {
  binWords,
  derivativeGroups,
  leafSumChunks,
  quantizeRows,
  recordChooseSplit,
  recordDerivatives,
  recordLeaves,
  recordLevel,
  recordPartition,
  TRAIN_BINS,
  trainMaxBorders,
} from '../../src/ops/gbdt-train.js';
import type { FeatureGroupTensors, TrainShape } from '../../src/ops/gbdt-train.js';
import {
  bestSplitReference,
  borderScoresReference,
  derivativesReference,
  leafValuesReference,
  levelHistogramsReference,
  packBins,
  partitionReference,
  quantizeRowsReference,
} from '../../src/reference/gbdt-train.js';
import { loadClassifierRows } from '../classifiers/golden-rows.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats, randomInt, rng } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

function bordersOf(x: Float32Array, n: number, F: number, count = 254): Float32Array[] {
  return Array.from({ length: F }, (_, f) => greedyLogSumBorders(Float32Array.from({ length: n }, (_, r) => x[r * F + f]), count));
}

function bordersTable(borders: readonly Float32Array[]): { table: Float32Array; nbins: Uint32Array } {
  const m = trainMaxBorders();
  const table = new Float32Array(borders.length * m);
  const nbins = new Uint32Array(borders.length);
  borders.forEach((b, f) => {
    table.set(b, f * m);
    nbins[f] = b.length + 1;
  });
  return { table, nbins };
}

/** Uploads, runs `record`, reads the named tensors back (u32 or f32), disposes everything. */
async function run(ctx: GpuContext, tensors: Record<string, GpuTensor>, record: (batch: ReturnType<GpuContext['batch']>) => void, read: string[]): Promise<Record<string, Float32Array | Uint32Array>> {
  const batch = ctx.batch('gbdt kernels test');
  record(batch);
  const reads = read.map((name) => (tensors[name].dtype === 'u32' ? batch.readU32(tensors[name]) : batch.read(tensors[name])));
  await batch.submit();
  const out: Record<string, Float32Array | Uint32Array> = {};
  for (const [i, name] of read.entries()) out[name] = await reads[i];
  Object.values(tensors).forEach((t) => t.dispose());
  return out;
}

describe('gbdt-train kernels: GPU vs CPU reference', () => {
  it('quantize: bins of random rows (with NaN and ties) and of the reference VGG rows, exact', async () => {
    const ctx = gpu();
    const golden = loadClassifierRows();
    const cases = [
      { n: 37, F: 7, x: randomFloats(37 * 7, 3).map((v, i) => (i % 11 === 0 ? NaN : i % 5 === 0 ? 0.25 : v)) },
      { n: 2000, F: golden.nFeatures, x: golden.trainX.subarray(0, 2000 * golden.nFeatures) },
    ];
    for (const { n, F, x } of cases) {
      const borders = bordersOf(x, n, F, n < 100 ? 9 : 254);
      const { table, nbins } = bordersTable(borders);
      await expectNoLeak(ctx, async () => {
        const t = {
          x: ctx.upload(Float32Array.from(x), [n, F], 'x'),
          borders: ctx.upload(table, [table.length], 'borders'),
          nbins: ctx.upload(nbins, [F], 'nbins'),
          bins: ctx.tensor([n * binWords(F)], 'bins', 'u32'),
        };
        const got = await run(ctx, t, (b) => quantizeRows(b, t.x, t.borders, t.nbins, t.bins, 0), ['bins']);
        const expected = packBins(quantizeRowsReference(Float32Array.from(x), n, F, borders), n, F);
        expect(Array.from(got.bins)).toEqual(Array.from(expected));
      });
    }
  });

  for (const D of [1, 3, 4, 6]) {
    it(`one tree of D = ${D}: derivatives, every level's best split and partition, leaf values — as the references`, async () => {
      const ctx = gpu();
      const n = 900;
      const F = 10;
      const depth = 3;
      const S = D === 1 ? 2 : D;
      const sv = S > 4 ? 2 : 1;
      const next = rng(40 + D);
      const x = randomFloats(n * F, 7 + D);
      const target = Uint32Array.from({ length: n }, () => randomInt(next, D === 1 ? 2 : D));
      const score = randomFloats(n * D, 9 + D, -0.5, 0.5);
      const borders = bordersOf(x, n, F, 31);
      const { table, nbins } = bordersTable(borders);
      const bins = quantizeRowsReference(x, n, F, borders);
      const shape: TrainShape = { n, features: F, dims: D, stats: S, sv, implicitLast: D > 1, depth };
      const iteration = 3;
      const weightKey = 12345;
      const weightTable = bootstrapWeightTable(1);
      const weight = Float32Array.from({ length: n }, (_, r) => weightTable[hash3(weightKey, iteration, r) >>> 16]);
      const leaves = 2 ** depth;
      await expectNoLeak(ctx, async () => {
        const lastLeaves = 2 ** (depth - 1);
        const t = {
          target: ctx.upload(target, [n], 'target'),
          score: ctx.upload(score, [n * D], 'score'),
          weightTable: ctx.upload(weightTable, [65536], 'weights'),
          normalTable: ctx.upload(new Float32Array(65536), [65536], 'normals'),
          stats: ctx.tensor([n * sv * 4], 'stats'),
          newton: ctx.tensor([n * 2 * D], 'newton'),
          leaf: ctx.tensor([n], 'leaf', 'u32'),
          partialSums: ctx.tensor([2 * derivativeGroups(n)], 'partial'),
          treeSums: ctx.tensor([4], 'tree sums'),
          counts: ctx.upload(new Uint32Array(32), [32], 'counts'),
          borderScores: ctx.tensor([F * trainMaxBorders()], 'border scores'),
          splits: ctx.tensor([2 * (iteration + 1) * depth], 'splits', 'u32'),
          leafValues: ctx.tensor([(iteration + 1) * leaves * D], 'values'),
          leafPart: ctx.tensor([leafSumChunks(n) * leaves * 2 * D], 'leaf part'),
          bins: ctx.upload(packBins(bins, n, F), [n * binWords(F)], 'bins'),
          nbins: ctx.upload(nbins, [F], 'nbins'),
          part: ctx.tensor([2 * F * Math.max(1, lastLeaves / 2) * TRAIN_BINS * sv * 4], 'part'),
          histA: ctx.tensor([F * lastLeaves * TRAIN_BINS * sv * 4], 'hist a'),
          histB: ctx.tensor([F * lastLeaves * TRAIN_BINS * sv * 4], 'hist b'),
          contrib: ctx.tensor([F * lastLeaves * TRAIN_BINS * 2], 'contrib'),
          borders: ctx.upload(table, [table.length], 'borders'),
        };
        const group: FeatureGroupTensors = { base: 0, features: F, bins: t.bins, nbins: t.nbins, part: t.part, histA: t.histA, histB: t.histB, contrib: t.contrib };
        const l2 = 3;
        const got = await run(
          ctx,
          t,
          (batch) => {
            recordDerivatives(batch, shape, iteration, weightKey, t);
            for (let level = 0; level < depth; level++) {
              // two row chunks: the partial histograms must add up as one
              recordLevel(batch, shape, group, level, iteration, 2, { key: 1, strength: 0 }, t, l2);
              recordChooseSplit(batch, shape, iteration, level, t.borderScores, t.splits);
              recordPartition(batch, shape, [group], iteration, level, t);
            }
            recordLeaves(batch, shape, iteration, 0.1, l2, t);
          },
          ['stats', 'newton', 'treeSums', 'splits', 'leaf', 'leafValues', 'score'],
        );
        const ref = derivativesReference(score, target, weight, n, D, S);
        const stats = new Float32Array(n * S);
        for (let r = 0; r < n; r++) for (let s = 0; s < S; s++) stats[r * S + s] = (got.stats as Float32Array)[r * sv * 4 + s];
        expectClose(stats, ref.stats, { atol: 1e-6, rtol: 1e-5 }, [n, S], 'split statistics');
        expectClose(got.newton as Float32Array, ref.newton, { atol: 1e-6, rtol: 1e-5 }, [n, 2 * D], 'Newton terms');
        const weightSum = weight.reduce((a, b) => a + b, 0);
        expect(got.treeSums[0]).toBeCloseTo(weightSum, 2);
        const lambda = l2 * (weightSum / n);

        // Replay the levels on the CPU with the GPU's choices, checking each choice.
        let leaf: Uint32Array = new Uint32Array(n);
        for (let level = 0; level < depth; level++) {
          const hist = levelHistogramsReference(bins, n, F, ref.stats, S, leaf, level);
          const scores = borderScoresReference(hist, F, level, S, nbins, lambda, D > 1);
          const best = bestSplitReference(scores, F);
          const i = iteration * depth + level;
          const [f, b] = [got.splits[2 * i], got.splits[2 * i + 1]];
          // the GPU's choice scores as high as the best, within float32 rounding
          expect(scores[f * 255 + b]).toBeGreaterThanOrEqual(best.score - 1e-4 * Math.abs(best.score));
          expect([f, b], `level ${level}`).toEqual([best.feature, best.border]);
          leaf = partitionReference(bins, n, F, leaf, level, f, b).leaf;
        }
        expect(Array.from(got.leaf)).toEqual(Array.from(leaf));
        const values = leafValuesReference(ref.newton, n, D, leaf, depth, 0.1, lambda);
        expectClose((got.leafValues as Float32Array).subarray(iteration * leaves * D), values, { atol: 1e-6, rtol: 1e-4 }, [leaves, D], 'leaf values');
        const moved = Float32Array.from(score, (v, k) => v + values[leaf[Math.floor(k / D)] * D + (k % D)]);
        expectClose(got.score as Float32Array, moved, { atol: 1e-6, rtol: 1e-6 }, [n, D], 'updated scores');
      });
    });
  }

  it('partition counts the next level’s leaves, also beyond the 32 counted in workgroup memory', async () => {
    const ctx = gpu();
    const n = 3000;
    const F = 5;
    const depth = 7;
    const level = 5; // 64 next-level leaves: global counting
    const next = rng(77);
    const bins = Uint8Array.from({ length: n * F }, () => randomInt(next, 200));
    const leaf0 = Uint32Array.from({ length: n }, () => randomInt(next, 32));
    const expected = partitionReference(bins, n, F, leaf0, level, 3, 100);
    const shape: TrainShape = { n, features: F, dims: 1, stats: 2, sv: 1, implicitLast: false, depth };
    await expectNoLeak(ctx, async () => {
      const splits = new Uint32Array(2 * depth);
      splits.set([3, 100], 2 * level);
      const t = {
        bins: ctx.upload(packBins(bins, n, F), [n * binWords(F)], 'bins'),
        splits: ctx.upload(splits, [splits.length], 'splits'),
        leaf: ctx.upload(leaf0, [n], 'leaf'),
        counts: ctx.upload(new Uint32Array(128).fill(7), [128], 'counts'),
        nbins: ctx.upload(new Uint32Array(F), [F], 'nbins'),
      };
      const group = { base: 0, features: F, bins: t.bins, nbins: t.nbins } as FeatureGroupTensors;
      const got = await run(ctx, t, (b) => recordPartition(b, shape, [group], 0, level, t), ['leaf', 'counts']);
      expect(Array.from(got.leaf)).toEqual(Array.from(expected.leaf));
      expect(Array.from(got.counts.subarray(0, 64))).toEqual(Array.from(expected.counts));
    });
  });
});
