/**
 * Classifier stages on the default model's real training rows (the `vgg` features of the
 * scribbled pixels of the bench scene at each size, 192 features, 4 classes):
 *
 * - GBDT train (100 trees, depth 5, lr 0.1: the `vgg` alias's defaults): the WGSL trainer
 *   (gbdt-gpu.ts) against the TypeScript trainer on every core (gbdt-parallel.ts) in the same
 *   rounds — they grow the same trees —
 *   with the histogram rate (row-feature updates per second: every row at level 0, the smaller
 *   children's rows later, × features) against the histogram ceilings of ceilings.ts.
 * - RF train (100 trees): TypeScript on every core (rf-parallel.ts) — the same code on both
 *   paths, so there is no GPU/CPU ratio.
 * - forest eval ("GPU predict"): the trained GBDT (and the RF) evaluated over side² pixels of
 *   planar features on the GPU — tiles of the rows' features, each within one storage binding,
 *   all in one batch, labels included — against the CPU reference evaluator on one tile, scaled
 *   per pixel. Rate: pixels/s; ceiling: reading every pixel's features once at the measured
 *   GPU bandwidth.
 */
import { trainGbdtParallel } from '../../src/classifiers/gbdt-parallel.js';
import { trainGbdtGpu } from '../../src/classifiers/gbdt-gpu.js';
import type { ObliviousTrees } from '../../src/core/tree-ensemble.js';
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { maxTreeDepth, treeCount } from '../../src/core/tree-ensemble.js';
import { trainRandomForestParallel } from '../../src/classifiers/rf-parallel.js';
import { sortRowsLexicographic } from '../../src/classifiers/rows.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { GpuEngine } from '../../src/engine/gpu-engine.js';
import { prepareLabels, prepareImages } from '../../src/prepare/prepare.js';
import { predictForest, uploadForest } from '../../src/ops/forest.js';
import { predictCpu } from '../../src/reference/forest.js';
import type { BenchEnv, StageResult } from '../lib/env.js';
import { kernelTiming, measureRounds, ratioOfRounds, skipReason } from '../lib/env.js';
import { loadScene } from '../lib/scene.js';
import { summary, timeOnce } from '../lib/timing.js';
import { aliasModel, pyramidOf } from './features.js';

export interface Rows {
  x: Float32Array;
  y: Int32Array;
  nFeatures: number;
}

/** The `vgg` model's training rows for the scene at `side`, sorted as ConvpaintModel.train does. */
export async function trainingRows(env: BenchEnv, side: number): Promise<Rows> {
  const m = await aliasModel(env, 'vgg');
  const scene = await loadScene(side);
  const input = prepareImages(scene.image, m.fe, { channelMode: 'single', normalize: m.param.normalize ?? 2, imageDownsample: 1 });
  const labels = prepareLabels(scene.labels, input, 1, []);
  const engine = new GpuEngine(env.ctx, env.budgetBytes);
  const rows = await engine.trainingRows(m.fe, input.images[0], labels[0], pyramidOf(m), true);
  engine.dispose();
  m.fe.dispose();
  const sorted = sortRowsLexicographic(rows.x, rows.y, rows.nFeatures);
  return { x: sorted.x, y: sorted.y, nFeatures: rows.nFeatures };
}

function subset(rows: Rows, n: number): Rows {
  return { x: rows.x.subarray(0, n * rows.nFeatures), y: rows.y.subarray(0, n), nFeatures: rows.nFeatures };
}

const GBDT_DEFAULTS = { iterations: 100, learningRate: 0.1, depth: 5, seed: 0 };
/** The CPU trainers as the model runs them: on every core (the same trees as the one-thread trainers). */
export const trainGbdtDefault = (r: Rows) => trainGbdtParallel(r.x, r.y, r.nFeatures, GBDT_DEFAULTS);
const trainGbdtGpuDefault = (env: BenchEnv, r: Rows) => trainGbdtGpu(env.ctx, r.x, r.y, r.nFeatures, GBDT_DEFAULTS);

/**
 * Row-feature histogram updates a GBDT's training made: per tree, every row at level 0, then at
 * each level the rows of the smaller child of every pair (replayed from the model's splits), × F.
 */
export function histogramUpdates(model: TreeEnsemble, r: Rows): number {
  const n = r.y.length;
  const F = r.nFeatures;
  const trees = model.trees as ObliviousTrees;
  const leaf = new Uint32Array(n);
  let rows = 0;
  for (let t = 0; t + 1 < trees.splitOffset.length; t++) {
    leaf.fill(0);
    const [a, b] = [trees.splitOffset[t], trees.splitOffset[t + 1]];
    for (let level = 0; level < b - a; level++) {
      if (level === 0) rows += n;
      else {
        const counts = new Uint32Array(2 ** level);
        for (let i = 0; i < n; i++) counts[leaf[i]]++;
        const half = 2 ** (level - 1);
        for (let j = 0; j < half; j++) rows += Math.min(counts[j], counts[j + half]);
      }
      const f = trees.splitFeature[a + level];
      const border = trees.splitBorder[a + level];
      for (let i = 0; i < n; i++) if (r.x[i * F + f] > border) leaf[i] |= 1 << level;
    }
  }
  return rows * F;
}
const trainRfDefault = (r: Rows) => trainRandomForestParallel(r.x, r.y, r.nFeatures, { nEstimators: 100, seed: 0 });

/** GBDT and RF training at each size; returns the results and the models trained at the first size. */
export async function trainStages(env: BenchEnv, sizes: number[], which: Array<'gbdt' | 'rf'>): Promise<{ results: StageResult[]; models: Partial<Record<'gbdt' | 'rf', TreeEnsemble>> }> {
  const results: StageResult[] = [];
  const models: Partial<Record<'gbdt' | 'rf', TreeEnsemble>> = {};
  const lastMeasured: Partial<Record<'gbdt' | 'rf', { n: number; ms: number }>> = {};
  for (const side of sizes) {
    const rows = await trainingRows(env, side);
    const n = rows.y.length;
    for (const kind of which) {
      const train = kind === 'gbdt' ? trainGbdtDefault : trainRfDefault;
      const stage = kind === 'gbdt' ? 'GBDT train (100 × depth 5)' : 'RF train (100 trees)';
      // Warm-up (JIT) on a slice. The prediction scales the last measured size (else the slice)
      // by rows^k: GBDT's histogram passes are ~linear in rows, RF's sorts and deeper trees are not.
      const slice = Math.min(n, 2000);
      const warmMs = await timeOnce(async () => (models[kind] ??= await train(subset(rows, slice))));
      const k = kind === 'gbdt' ? 1 : 1.5;
      const from = lastMeasured[kind] ?? { n: slice, ms: warmMs };
      // (The GBDT trains twice per round: the GPU trainer, then the CPU one, about as long.)
      const predicted = ((kind === 'gbdt' ? 2 : 1) * from.ms * (n / from.n) ** k) / 1000;
      // Twice the budget: one training run is the unit here, and the default model's must be shown.
      const skip = skipReason(env, predicted, 2 * env.budgetS);
      if (skip) {
        results.push({ stage, size: side, status: 'skipped', note: `${n.toLocaleString('en')} rows: ${skip}`, rates: [] });
        env.log(`${stage} ${side}²: skipped (${skip})`);
        continue;
      }
      let model: TreeEnsemble | null = null;
      // The GBDT trains on both paths: the WGSL trainer (GPU column) and the TypeScript one.
      const gpuRun = kind === 'gbdt' ? async () => void (await trainGbdtGpuDefault(env, rows)) : null;
      if (gpuRun) await gpuRun(); // warm-up: the trainer's pipelines
      const rounds = await measureRounds(env, gpuRun, async () => void (model = await train(rows)));
      if (side === sizes[0]) models[kind] = model!;
      const t = summary(rounds.cpu);
      lastMeasured[kind] = { n, ms: t.medianMs };
      const rates: StageResult['rates'] = [{ what: 'rows', value: n / (t.medianMs / 1000), unit: 'rows/s' }];
      let gpu: StageResult['gpu'];
      if (gpuRun) {
        const wall = summary(rounds.gpuWall);
        const kernel = kernelTiming(rounds.gpuKernel);
        gpu = { wall, kernel, warmupMs: NaN, warmupSide: side, pipelinesCompiled: 0 };
        const updates = histogramUpdates(model!, rows);
        rates.push(
          { what: 'histogram (GPU trainer)', value: updates / (wall.medianMs / 1000) / 1e6, unit: 'M updates/s', ceiling: env.ceilings.gpu ? env.ceilings.gpu.histogramUpdatesPerS / 1e6 : undefined },
          { what: 'histogram (CPU trainer)', value: updates / (t.medianMs / 1000) / 1e6, unit: 'M updates/s', ceiling: env.ceilings.cpu.histogramUpdatesPerS / 1e6 },
        );
      }
      results.push({
        stage,
        size: side,
        status: 'ok',
        gpu,
        cpu: { time: t, measuredOn: `${n.toLocaleString('en')} rows × ${rows.nFeatures}`, scaled: false },
        gpuOverCpu: gpuRun ? ratioOfRounds(rounds.gpuWall, rounds.cpu) : undefined,
        rates,
        memory: { gpuPath: rounds.gpuMemory ?? undefined, cpuPath: rounds.cpuMemory ?? undefined },
        extra: { rows: n, features: rows.nFeatures },
      });
      env.log(`${stage} ${side}² (${n} rows): CPU ${(t.medianMs / 1000).toFixed(2)} s${gpu ? `, GPU trainer ${(gpu.wall.medianMs / 1000).toFixed(2)} s` : ''}, ${rounds.cpu.length} run(s)`);
    }
  }
  return { results, models };
}

/** Planar feature tiles [F, tileRows, side] filled with the rows' features (cycled). */
function featureTiles(rows: Rows, side: number, tileRows: number, count: number): Float32Array[] {
  const F = rows.nFeatures;
  const n = rows.y.length;
  const px = tileRows * side;
  return Array.from({ length: count }, (_, t) => {
    const data = new Float32Array(F * px);
    for (let p = 0; p < px; p++) {
      const src = ((t * px + p) * 7919) % n; // a stride through the rows: realistic tree paths, no long runs
      for (let f = 0; f < F; f++) data[f * px + p] = rows.x[src * F + f];
    }
    return data;
  });
}

export async function forestEvalStage(env: BenchEnv, sizes: number[], models: Partial<Record<'gbdt' | 'rf', TreeEnsemble>>, rows: Rows): Promise<StageResult[]> {
  const { ctx } = env;
  const F = rows.nFeatures;
  const out: StageResult[] = [];
  const gpuBw = Math.max(env.ceilings.gpu?.copyGBs ?? 0, env.ceilings.gpu?.copyKernelGBs ?? 0, env.ceilings.gpu?.readKernelGBs ?? 0);
  for (const [kind, model] of Object.entries(models) as Array<['gbdt' | 'rf', TreeEnsemble]>) {
    const stage = kind === 'gbdt' ? 'GPU predict: GBDT eval' : 'GPU predict: RF eval';
    const forest = uploadForest(ctx, model);
    let perPxGpu = NaN;
    let perPxCpu = NaN;
    for (const side of sizes) {
      const tileRows = Math.max(1, Math.min(side, 2 ** Math.floor(Math.log2(Math.min(env.budgetBytes, ctx.pool.maxBufferBytes) / (F * side * 4)))));
      const tiles = Math.ceil(side / tileRows);
      const data = featureTiles(rows, side, tileRows, Math.min(2, tiles));
      const gpuTiles: GpuTensor[] = data.map((d, i) => ctx.upload(d, [F, tileRows, side], `bench/forest tile ${i}`));
      const tilePx = tileRows * side;
      const gpuRun = async () => {
        const batch = ctx.batch('bench/forest');
        const outs = Array.from({ length: tiles }, (_, t) => predictForest(batch, forest, gpuTiles[t % gpuTiles.length], { labels: true }));
        await batch.submit();
        for (const o of outs) {
          o.probas.dispose();
          o.labels?.dispose();
        }
      };
      const cpuRun = async () => {
        const t0 = performance.now();
        predictCpu(model, data[0], 'planar');
        return ((performance.now() - t0) * side * side) / tilePx;
      };
      if (Number.isNaN(perPxGpu)) {
        await gpuRun(); // warm-up: pipelines, forest upload
        perPxGpu = (await timeOnce(gpuRun)) / (side * side);
        perPxCpu = (await cpuRun()) / (side * side);
      }
      const skip = skipReason(env, ((perPxGpu + perPxCpu) * side * side) / 1000);
      if (skip) {
        out.push({ stage, size: side, status: 'skipped', note: skip, rates: [] });
        env.log(`${stage} ${side}²: skipped (${skip})`);
      } else {
        const rounds = await measureRounds(env, gpuRun, cpuRun);
        const wall = summary(rounds.gpuWall);
        const kernel = kernelTiming(rounds.gpuKernel);
        const gpuS = (kernel ?? wall).medianMs / 1000;
        const cpu = summary(rounds.cpu);
        out.push({
          stage,
          size: side,
          status: 'ok',
          gpu: { wall, kernel, warmupMs: NaN, warmupSide: side, pipelinesCompiled: 0 },
          cpu: { time: cpu, measuredOn: `${tilePx.toLocaleString('en')} px`, scaled: tilePx !== side * side },
          gpuOverCpu: ratioOfRounds(kernel ? (rounds.gpuKernel as number[]) : rounds.gpuWall, rounds.cpu),
          work: rounds.work ?? undefined,
          rates: [
            { what: 'trees', value: (side * side) / gpuS / 1e6, unit: 'Mpx/s', ceiling: gpuBw > 0 ? (gpuBw * 1e9) / (F * 4) / 1e6 : undefined },
            { what: 'trees (CPU ref)', value: (side * side) / (cpu.medianMs / 1000) / 1e6, unit: 'Mpx/s', ceiling: (env.ceilings.cpu.copyGBs * 1e9) / (F * 4) / 1e6 },
          ],
          memory: { gpuPath: rounds.gpuMemory ?? undefined, cpuPath: rounds.cpuMemory ?? undefined },
          extra: { tiles, tileRows, features: F, trees: treeCount(model), maxDepth: maxTreeDepth(model) },
        });
        env.log(`${stage} ${side}²: GPU ${(wall.medianMs / 1000).toFixed(2)} s; CPU ${(cpu.medianMs / 1000).toFixed(2)} s (scaled from ${tilePx} px)`);
      }
      for (const t of gpuTiles) t.dispose();
    }
    forest.dispose();
  }
  return out;
}
