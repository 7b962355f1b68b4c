/**
 * End to end with the default model (`vgg`: features.0 at scalings 1, 2, 4 → 192 features; GBDT
 * 100 × depth 5): train on the bench scene's scribbles, then segment the whole image — the calls
 * ConvpaintModel.train and .segment make (prepare → GpuEngine.trainingRows → fitClassifier, which
 * sorts the rows and trains where `trainer: 'auto'` says; prepare → GpuEngine.predict), made
 * directly so each piece is timed:
 *
 *   prepare · features (train) · classifier train · features (predict) · forest eval · labels
 *
 * `predict` is one engine call; its features are timed by running the same feature pass
 * (featurePassGpu) on its own right after it in the same round, its labels by the same label
 * batch (argmax, smoothing, readback) on a probability tensor of the same shape, and the forest
 * eval is the rest. A 256² round first warms up (pipelines, JIT) and predicts the time per size.
 *
 * The CPU path is composed, not run (its VGG features would take minutes): the vgg extractor
 * stage's and the forest stage's CPU times per pixel at the same size, the training tiles' share
 * of the image, the same classifier time as the GPU path (see bench/lib/report.ts).
 */
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { fitClassifier, trainerPlace } from '../../src/model/training.js';
import { settingsOf } from '../../src/model/settings.js';
import { totalFeatures } from '../../src/features/plan.js';
import { paddedGeometry } from '../../src/engine/engine.js';
import { GpuEngine } from '../../src/engine/gpu-engine.js';
import { prepareImages, prepareLabels } from '../../src/prepare/prepare.js';
import { autoBlockSize, predictionTiles, trainingTiles } from '../../src/engine/tiling.js';
import { argmaxClasses, majorityFilter } from '../../src/ops/labels.js';
import type { BenchEnv, StageResult } from '../lib/env.js';
import { withPeakMemory } from '../lib/memory.js';
import type { PeakMemory } from '../lib/memory.js';
import { loadScene } from '../lib/scene.js';
import type { Scene } from '../lib/scene.js';
import { summary } from '../lib/timing.js';
import type { Timing } from '../lib/timing.js';
import { aliasModel, featurePassGpu, pyramidOf } from './features.js';
import type { AliasModel } from './features.js';

export const E2E_PIECES = ['prepare', 'features (train)', 'classifier train', 'features (predict)', 'forest eval', 'labels'] as const;
export type E2ePiece = (typeof E2E_PIECES)[number];

export interface EndToEnd {
  size: number;
  status: 'ok' | 'skipped';
  note?: string;
  scribbled: number;
  rows?: number;
  total?: Timing;
  pieces?: Record<E2ePiece, Timing>;
  memory?: PeakMemory;
  /** Training tiles' padded area / prediction tiles' padded area. */
  trainAreaShare?: number;
  cpuComposed?: { totalMs: number; pieces: Partial<Record<E2ePiece, number>>; from: string } | null;
  warmup?: { side: number; ms: number };
}

async function oneRound(env: BenchEnv, m: AliasModel, scene: Scene): Promise<{ pieces: Record<E2ePiece, number>; rows: number; model: TreeEnsemble }> {
  const engine = new GpuEngine(env.ctx, env.budgetBytes);
  const pyramid = pyramidOf(m);
  const settings = { channelMode: m.param.channel_mode ?? 'single', normalize: m.param.normalize ?? 2, imageDownsample: 1 } as const;
  const clock = () => performance.now();

  let t = clock();
  const input = prepareImages(scene.image, m.fe, settings);
  const labels = prepareLabels(scene.labels, input, 1, []);
  let prepare = clock() - t;

  t = clock();
  const rows = await engine.trainingRows(m.fe, input.images[0], labels[0], pyramid, m.param.tile_annotations ?? true);
  const featuresTrain = clock() - t;

  t = clock();
  // As ConvpaintModel.train: the trainer `auto` picks (GPU on hardware adapters, else every core).
  const model = await fitClassifier(rows.x, rows.y, rows.nFeatures, settingsOf(m.param), false, trainerPlace('auto', env.ctx), () => undefined);
  const classifier = clock() - t;

  t = clock();
  const img = prepareImages(scene.image, m.fe, settings).images[0];
  prepare += clock() - t;

  t = clock();
  const [, , h, w] = img.shape;
  const smoothing = m.param.seg_smoothening ?? 1;
  await engine.predict(m.fe, model, img, pyramid, { tileImage: m.param.tile_image ?? false, smoothing, outputSize: [h, w], wantLabels: true, wantProbas: false });
  const predict = clock() - t;

  t = clock();
  await featurePassGpu(env, m.fe, img, pyramid);
  const featuresPredict = clock() - t;

  const k = model.classes.length;
  const probas = env.ctx.tensor([k, 1, h, w], 'bench/probas');
  t = clock();
  const batch = env.ctx.batch('bench/labels');
  let idx = argmaxClasses(batch, probas);
  if (smoothing > 1) {
    const smooth = majorityFilter(batch, idx, k, smoothing);
    idx.dispose();
    idx = smooth;
  }
  const read = batch.readU32(idx);
  await batch.submit();
  const classIndex = await read;
  const out = new Uint8Array(classIndex.length);
  for (let i = 0; i < out.length; i++) out[i] = model.classes[classIndex[i]];
  const labelsMs = clock() - t;
  idx.dispose();
  probas.dispose();
  engine.dispose();

  return {
    pieces: {
      prepare,
      'features (train)': featuresTrain,
      'classifier train': classifier,
      'features (predict)': featuresPredict,
      'forest eval': Math.max(0, predict - featuresPredict - labelsMs),
      labels: labelsMs,
    },
    rows: rows.y.length,
    model,
  };
}

/** Training tiles' padded area over the whole image's prediction tiles' padded area. */
async function trainAreaShare(env: BenchEnv, m: AliasModel, scene: Scene): Promise<number> {
  const input = prepareImages(scene.image, m.fe, { channelMode: 'single', normalize: 2, imageDownsample: 1 });
  const labels = prepareLabels(scene.labels, input, 1, [])[0];
  const pyramid = pyramidOf(m);
  const g = paddedGeometry(m.fe, pyramid, scene.side, scene.side);
  const block = autoBlockSize(m.fe, 1, pyramid, g, env.budgetBytes);
  const area = (jobs: Array<{ tile: { y0: number; x0: number; y1: number; x1: number } }>) => jobs.reduce((a, j) => a + (j.tile.y1 - j.tile.y0) * (j.tile.x1 - j.tile.x0), 0);
  return area(trainingTiles(labels, g, true, block)) / area(predictionTiles(g, 1, block));
}

export interface CpuPerPixel {
  /** CPU vgg feature pass, ms per image pixel, by size. */
  features: Map<number, number>;
  /** CPU GBDT evaluation, ms per pixel, by size. */
  forest: Map<number, number>;
}

export async function endToEndStage(env: BenchEnv, sizes: number[], budgetS: number): Promise<{ runs: EndToEnd[]; results: StageResult[] }> {
  const m = await aliasModel(env, 'vgg');
  const runs: EndToEnd[] = [];
  const results: StageResult[] = [];
  const warmSide = 256;
  const warmScene = await loadScene(warmSide);
  const w0 = performance.now();
  const warm = await oneRound(env, m, warmScene);
  const warmMs = performance.now() - w0;
  // Per-pixel prediction from the warm-up (pessimistic: it includes compilation).
  const perPx = warmMs / (warmSide * warmSide);
  env.log(`end to end: warm-up at ${warmSide}² took ${(warmMs / 1000).toFixed(1)} s (${warm.rows} rows)`);

  for (const side of sizes) {
    const scene = await loadScene(side);
    const predictedS = (perPx * side * side) / 1000;
    // 1024² is the headline case: always measured (at least once), whatever the budget.
    if (side > 1024 && predictedS * env.minRuns > budgetS * 1.5) {
      const note = `predicted ${predictedS.toFixed(0)} s per run > ${budgetS} s budget${env.quick ? ' (quick mode)' : ''}`;
      runs.push({ size: side, status: 'skipped', note, scribbled: scene.scribbled });
      env.log(`end to end ${side}²: skipped (${note})`);
      continue;
    }
    const samples: Array<Record<E2ePiece, number>> = [];
    const totals: number[] = [];
    let memory: PeakMemory | undefined;
    let rows = 0;
    const started = performance.now();
    for (let r = 0; r < env.runs; r++) {
      const t0 = performance.now();
      const round = r === 0 ? await withPeakMemory(env.ctx, () => oneRound(env, m, scene)) : { result: await oneRound(env, m, scene), memory: undefined };
      if (round.memory) memory = round.memory;
      rows = round.result.rows;
      samples.push(round.result.pieces);
      totals.push(Object.values(round.result.pieces).reduce((a, b) => a + b, 0));
      const roundMs = performance.now() - t0;
      if (r + 1 >= env.minRuns && performance.now() - started + roundMs > budgetS * 1000) break;
    }
    const pieces = Object.fromEntries(E2E_PIECES.map((p) => [p, summary(samples.map((s) => s[p]))])) as Record<E2ePiece, Timing>;
    const total = summary(totals);
    const share = await trainAreaShare(env, m, scene);
    runs.push({ size: side, status: 'ok', scribbled: scene.scribbled, rows, total, pieces, memory, trainAreaShare: share, cpuComposed: null, warmup: { side: warmSide, ms: warmMs } });
    results.push({
      stage: 'end to end: vgg train + segment',
      size: side,
      status: 'ok',
      gpu: { wall: total, kernel: null, warmupMs: warmMs, warmupSide: warmSide, pipelinesCompiled: 0 },
      rates: [{ what: 'image', value: (side * side) / (total.medianMs / 1000) / 1e6, unit: 'Mpx/s' }],
      memory: { gpuPath: memory },
      extra: { rows, scribbled: scene.scribbled, features: totalFeatures(m.fe, 1, pyramidOf(m)) },
    });
    env.log(`end to end ${side}²: ${(total.medianMs / 1000).toFixed(2)} s (${E2E_PIECES.map((p) => `${p} ${(pieces[p].medianMs / 1000).toFixed(2)}`).join(', ')}); ${totals.length} run(s)`);
  }
  m.fe.dispose();
  return { runs, results };
}

/**
 * Fills in the CPU path of each end-to-end run from the stage table (run after the stages): the
 * vgg feature pass and the GBDT evaluation, CPU ms per pixel at the same size.
 */
export function composeCpuPath(runs: EndToEnd[], results: StageResult[], cpu: CpuPerPixel): void {
  for (const e of runs) {
    if (e.status !== 'ok' || !e.pieces || !e.total) continue;
    const cpuFeat = cpu.features.get(e.size);
    const cpuForest = cpu.forest.get(e.size);
    if (cpuFeat === undefined || cpuForest === undefined) continue;
    const px = e.size * e.size;
    const parts: Partial<Record<E2ePiece, number>> = {
      prepare: e.pieces.prepare.medianMs,
      'features (train)': cpuFeat * px * (e.trainAreaShare ?? 1),
      'classifier train': e.pieces['classifier train'].medianMs,
      'features (predict)': cpuFeat * px,
      'forest eval': cpuForest * px,
    };
    const totalMs = Object.values(parts).reduce((a, b) => a + b, 0);
    e.cpuComposed = { totalMs, pieces: parts, from: `vgg feature stage and GBDT eval stage CPU times per pixel at ${e.size}² (or the nearest measured size), training tiles ${((e.trainAreaShare ?? 1) * 100).toFixed(0)} % of the image's tile area` };
    const r = results.find((x) => x.stage.startsWith('end to end') && x.size === e.size);
    if (r) {
      r.cpu = { time: summary([totalMs]), measuredOn: 'composed from stage CPU times', scaled: true };
      r.gpuOverCpu = e.total.medianMs / totalMs;
    }
  }
}
