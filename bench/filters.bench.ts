/**
 * Filter-bank benchmark: the ilastik_2d extractor (56 maps) on a 1024×1024 image, GPU path
 * against the CPU reference path, plus gaussian_features and one separable pass for scale.
 *
 * Image: coins.png mirrored out to 1024×1024 and z-scored, as the model would hand it over.
 * GPU: one batch per run — reflect-pad by the FE padding (48), then the padded image in 2×2 tiles
 * of 512² plus a 48-pixel halo (one tile's 56 maps, 608²·56·4 B = 83 MB, fits a 128 MiB storage
 * binding; the whole image's 281 MB would not), extract, crop the halo. Timed as record + submit +
 * wait, once without and once with reading the 56×1024² features back to host memory.
 * CPU: `featureImageCpu` on the whole image (pad → extract → crop), single thread.
 * Each case: one warm-up, then the median (min–max) of N runs, GPU and CPU alternated.
 *
 * Usage: npx tsx bench/filters.bench.ts [--runs=N] (default 5)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureExtractor } from '../src/features/extractor.js';
import { featureImageCpu } from '../src/features/feature-image.js';
import { derivativeOfGaussian } from '../src/core/filter-kernels.js';
import { createExtractor } from '../src/features/registry.js';
import type { GpuBatch } from '../src/gpu/batch.js';
import { GpuContext } from '../src/gpu/context.js';
import type { GpuTensor } from '../src/gpu/tensor.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { normalizeImage } from '../src/prepare/normalize.js';
import { crop, reflectPad } from '../src/ops/pad.js';
import { convolve1d, GpuKernelSet } from '../src/ops/separable.js';
import { reflectIndex } from '../src/reference/pad.js';
import { convolve1d as convolveCpu } from '../src/reference/separable.js';
import { alternate as alternateRuns } from './lib/timing.js';
import type { Timing } from './lib/timing.js';

const SIDE = 1024;
const TILE = 512;
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice('--runs='.length)) : 5;

/** One warm-up of each, then `RUNS` alternating runs of `a` and `b`. */
const alternate = (a: () => Promise<unknown>, b: () => Promise<unknown>) => alternateRuns(a, b, { runs: RUNS });

function coins1024(): Float32Array {
  const file = readSafetensors(readFileSync(fileURLToPath(new URL('../../shared/golden/gaussian_gray2d.safetensors', import.meta.url))));
  const coins = file.getFloat32('image');
  const [h, w] = [303, 384];
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) out[y * SIDE + x] = coins[reflectIndex(y, h) * w + reflectIndex(x, w)];
  return normalizeImage(out, [1, 1, SIDE, SIDE], 2, 'default', 'single').data;
}

/** Records the tiled whole-image features of `image` [1, 1, SIDE, SIDE]; returns read promises or nothing. */
function recordTiled(batch: GpuBatch, fe: FeatureExtractor, image: GpuTensor, read: boolean): Array<Promise<Float32Array>> {
  const p = fe.padding;
  const padded = reflectPad(batch, image, { top: p, bottom: p, left: p, right: p }, 'bench/padded');
  const full = SIDE + 2 * p;
  const reads: Array<Promise<Float32Array>> = [];
  for (let ty = 0; ty < SIDE / TILE; ty++) {
    for (let tx = 0; tx < SIDE / TILE; tx++) {
      const span = TILE + 2 * p;
      const window = crop(batch, padded, { top: ty * TILE, left: tx * TILE, bottom: full - ty * TILE - span, right: full - tx * TILE - span }, undefined, `bench/tile${ty}${tx}`);
      const [maps] = fe.extractGpu(batch, window);
      window.dispose();
      const core = crop(batch, maps, { top: p, bottom: p, left: p, right: p }, undefined, `bench/tile${ty}${tx}/features`);
      maps.dispose();
      if (read) reads.push(batch.read(core));
      core.dispose();
    }
  }
  padded.dispose();
  return reads;
}

function fmt(t: Timing): string {
  const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  return `${s(t.medianMs)} (${s(t.minMs)}–${s(t.maxMs)})`;
}

async function main(): Promise<void> {
  const ctx = await GpuContext.create();
  const adapter = `${ctx.adapter.description} (${ctx.adapter.vendor || 'unknown vendor'})`;
  console.log(`adapter: ${adapter}; ${RUNS} runs after one warm-up; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const data = coins1024();
  const image = ctx.upload(data, [1, 1, SIDE, SIDE], 'bench/image');
  const rows: string[][] = [];
  const opts = { scalings: [1], order: 0, useMinFeatures: false, channelMode: 'single' as const };

  for (const name of ['ilastik_2d', 'gaussian_features']) {
    const fe = await createExtractor(name);
    const features = fe.featuresPerLayer[0];
    const gpuRun = (read: boolean) => async () => {
      const batch = ctx.batch(`bench ${name}`);
      const reads = recordTiled(batch, fe, image, read);
      await batch.submit();
      await Promise.all(reads);
    };
    const cpuRun = async () => featureImageCpu(fe, { data, shape: [1, 1, SIDE, SIDE] }, opts);
    const [gpu, cpu] = await alternate(gpuRun(false), cpuRun);
    const [gpuRead] = await alternate(gpuRun(true), async () => undefined);
    rows.push([`${name} (${features} maps), GPU compute`, fmt(gpu), fmt(cpu), `${(cpu.medianMs / gpu.medianMs).toFixed(1)}×`]);
    rows.push([`${name}, GPU incl. readback of ${((features * SIDE * SIDE * 4) / 2 ** 20).toFixed(0)} MiB`, fmt(gpuRead), fmt(cpu), `${(cpu.medianMs / gpuRead.medianMs).toFixed(1)}×`]);
    fe.dispose();
  }

  // One pass of the widest kernel (second derivative at σ = 10, 81 taps) along the height.
  const k = derivativeOfGaussian(2, 10);
  const set = new GpuKernelSet([k], 'bench');
  const passGpu = async () => {
    const batch = ctx.batch('bench pass');
    const out = convolve1d(batch, image, set.ref(ctx, k), 'h');
    await batch.submit();
    out.dispose();
  };
  const passCpu = async () => convolveCpu({ data, shape: [1, 1, SIDE, SIDE] }, k, 'h');
  const [pg, pc] = await alternate(passGpu, passCpu);
  const taps = (ms: number) => `${((SIDE * SIDE * (2 * k.radius + 1)) / (ms / 1000) / 1e9).toFixed(2)} Gtap/s`;
  rows.push([`one pass, radius 40, along H (GPU ${taps(pg.medianMs)}, CPU ${taps(pc.medianMs)})`, fmt(pg), fmt(pc), `${(pc.medianMs / pg.medianMs).toFixed(1)}×`]);
  set.dispose();
  image.dispose();
  ctx.dispose();

  console.log(`\n| case (1024×1024) | GPU, median (min–max) | CPU reference | CPU / GPU |\n| --- | --- | --- | --- |`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

await main();
