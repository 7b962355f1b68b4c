/**
 * Tree-ensemble benchmark: GBDT training time (default parameters: 100 trees, depth 5, lr 0.1)
 * for 10k / 50k / 200k rows × 192 features, and evaluation throughput (pixels/s) of a 1024×1024
 * image with 192 features on the GPU against the CPU reference evaluator, for a 100-tree depth-5
 * GBDT with K = 4 classes and a 100-tree random forest.
 *
 * Data: the reference's VGG feature rows (../shared/golden/classifier_rows_vgg.safetensors,
 * 30,678 rows with their classes), repeated with a small seeded jitter to reach the row counts,
 * and tiled into the 1024×1024 planar feature image. The evaluated models are trained on the
 * golden training rows, so tree paths are realistic.
 *
 * Timing: one warm-up, then the median (and min/max) of several runs; GPU work is timed as
 * submit-and-wait wall time of one batch. The 1024×1024×192 float32 image (805 MB) exceeds one
 * storage binding on most devices, so it is evaluated in row tiles that each fit one binding —
 * as the engine does — all recorded in the one timed batch. The CPU reference runs on one tile
 * and its throughput is reported per pixel.
 *
 * Usage: npx tsx bench/forest.bench.ts [--quick]
 *   --quick: fewer repetitions (3 for 10k-row training and evaluation, 1 for 50k and 200k rows).
 * Writes bench/results/<date>-<adapter>-forest.json and prints a table.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { trainGbdt } from '../src/classifiers/gbdt.js';
import { trainRandomForest } from '../src/classifiers/random-forest.js';
import type { TreeEnsemble } from '../src/core/tree-ensemble.js';
import { maxTreeDepth } from '../src/core/tree-ensemble.js';
import { sortRowsLexicographic } from '../src/classifiers/rows.js';
import { GpuContext } from '../src/gpu/context.js';
import type { GpuTensor } from '../src/gpu/tensor.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { predictForest, uploadForest } from '../src/ops/forest.js';
import { predictCpu } from '../src/reference/forest.js';
import { time as timeRuns } from './lib/timing.js';
import type { Timing } from './lib/timing.js';
import { rng } from '../test/helpers/random.js'; // the same seeded generator as the tests

const quick = process.argv.includes('--quick');
const root = new URL('../', import.meta.url);
const F = 192;
const SIDE = 1024;

/** One warm-up (unless `warmup` is false), then `runs` timed runs (bench/lib/timing.ts). */
const time = (runs: number, work: () => unknown, warmup = true): Promise<Timing> => timeRuns(work, { runs, warmup });

const golden = readSafetensors(readFileSync(fileURLToPath(new URL('../shared/golden/classifier_rows_vgg.safetensors', root))));
const trainX = golden.getFloat32('train_x');
const trainY = golden.get('train_y').data as Int32Array;
const allX = new Float32Array(trainX.length + golden.getFloat32('eval_x').length);
allX.set(trainX);
allX.set(golden.getFloat32('eval_x'), trainX.length);
const allY = Int32Array.from([...trainY, ...(golden.get('eval_y').data as Int32Array)]);
const allN = allY.length;

/** n rows: the golden rows repeated, each repeat with ±1 % multiplicative jitter. */
function rows(n: number): { x: Float32Array; y: Int32Array } {
  const next = rng(n);
  const x = new Float32Array(n * F);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = i % allN;
    const jitter = i < allN ? 0 : 0.01;
    for (let f = 0; f < F; f++) x[i * F + f] = allX[src * F + f] * (1 + jitter * (2 * next() - 1));
    y[i] = allY[src];
  }
  return { x, y };
}

const results: Record<string, unknown> = {};
const table: string[][] = [];
const fmt = (t: Timing) => `${(t.medianMs / 1000).toFixed(2)} s (min ${(t.minMs / 1000).toFixed(2)}, max ${(t.maxMs / 1000).toFixed(2)}, ${t.runs} runs)`;

// ---- GBDT training ----
for (const n of [10_000, 50_000, 200_000]) {
  const data = rows(n);
  const runs = quick ? (n === 10_000 ? 3 : 1) : 5;
  // The 10k warm-up also warms the JIT for the larger sizes, which are too slow to repeat in quick mode.
  const t = await time(runs, () => trainGbdt(data.x, data.y, F), n === 10_000 || !quick);
  results[`gbdt_train_${n}`] = t;
  table.push([`GBDT training, ${n.toLocaleString('en')} rows × ${F}`, fmt(t)]);
  console.log(table[table.length - 1].join(': '));
}

// ---- evaluation ----
const sorted = sortRowsLexicographic(trainX, trainY, F);
const gbdt = trainGbdt(sorted.x, sorted.y, F);
const rf = trainRandomForest(sorted.x, sorted.y, F);
const ctx = await GpuContext.create();
const adapter = ctx.adapter.description;
const maxBinding = ctx.pool.maxBufferBytes;
const tileRows = Math.min(SIDE, 2 ** Math.floor(Math.log2(maxBinding / (F * SIDE * 4))));
const tiles = SIDE / tileRows;
const tilePixels = tileRows * SIDE;
// One planar [F, tileRows, SIDE] tile of golden rows; every tile holds a different slice of them.
const tileData: Float32Array[] = [];
for (let t = 0; t < tiles; t++) {
  const data = new Float32Array(F * tilePixels);
  for (let p = 0; p < tilePixels; p++) {
    const src = (t * tilePixels + p) % allN;
    for (let f = 0; f < F; f++) data[f * tilePixels + p] = allX[src * F + f];
  }
  tileData.push(data);
}
const featureTiles: GpuTensor[] = tileData.map((d, t) => ctx.upload(d, [F, tileRows, SIDE], `bench/features tile ${t}`));

for (const [name, model] of [
  ['GBDT 100 trees depth 5, K=4', gbdt],
  ['random forest 100 trees', rf],
] as Array<[string, TreeEnsemble]>) {
  const forest = uploadForest(ctx, model);
  const runs = quick ? 3 : 5;
  const gpu = await time(runs, async () => {
    const batch = ctx.batch('bench forest');
    const outs = featureTiles.map((features) => predictForest(batch, forest, features, { labels: true }));
    await batch.submit();
    for (const o of outs) {
      o.probas.dispose();
      o.labels?.dispose();
    }
  });
  const cpu = await time(quick ? 1 : 5, () => predictCpu(model, tileData[0], 'planar'));
  const gpuRate = (SIDE * SIDE) / (gpu.medianMs / 1000);
  const cpuRate = tilePixels / (cpu.medianMs / 1000);
  const key = model.kind;
  results[`${key}_eval`] = {
    model: name,
    maxDepth: maxTreeDepth(model),
    gpu: { ...gpu, pixels: SIDE * SIDE, tiles, pixelsPerSecond: gpuRate },
    cpu: { ...cpu, pixels: tilePixels, pixelsPerSecond: cpuRate },
    speedup: gpuRate / cpuRate,
  };
  table.push([`${name}: GPU, ${SIDE}×${SIDE} in ${tiles} tiles`, `${(gpuRate / 1e6).toFixed(2)} Mpx/s (median ${gpu.medianMs.toFixed(0)} ms, min ${gpu.minMs.toFixed(0)}, max ${gpu.maxMs.toFixed(0)}, ${gpu.runs} runs)`]);
  table.push([`${name}: CPU reference, ${tilePixels} px`, `${(cpuRate / 1e6).toFixed(2)} Mpx/s (median ${cpu.medianMs.toFixed(0)} ms, ${cpu.runs} runs); GPU/CPU ${(gpuRate / cpuRate).toFixed(1)}×`]);
  console.log(table[table.length - 2].join(': '));
  console.log(table[table.length - 1].join(': '));
  forest.dispose();
}
for (const t of featureTiles) t.dispose();
ctx.dispose();

const date = new Date().toISOString().slice(0, 10);
const slug = adapter.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown';
const dir = fileURLToPath(new URL('bench/results/', root));
mkdirSync(dir, { recursive: true });
const file = `${dir}${date}-${slug}-forest.json`;
writeFileSync(file, JSON.stringify({ date, adapter, quick, node: process.version, results }, null, 2) + '\n');
console.log(`\n| measurement | result |\n| --- | --- |\n${table.map((r) => `| ${r[0]} | ${r[1]} |`).join('\n')}\n\nadapter: ${adapter}; wrote ${file}`);
