/**
 * VGG16 extractor benchmark: the default `vgg` layer set (features.0, scalings [1, 2, 4]) and
 * `vgg-l` (features.0 … features.10, scalings [1, 2, 4, 8]) on 1024² and 2048² images, GPU path
 * against the CPU reference, with GFLOP/s.
 *
 * What is timed: the extractor's forward passes over the whole scale pyramid — for each scaling s
 * the (H/s)² three-channel input, processed in tiles of at most 512² plus a halo of the FE's
 * padding (a whole 2048² features.2 map, 1 GiB, would not fit a 128 MiB storage binding), all
 * recorded into one batch, submitted and waited for. Block-mean downsampling, up-sampling and
 * concatenation (shared pyramid code, cheap next to the convolutions) are not included. Weights:
 * the test weights (same shapes as ImageNet's for these layers, so the same work).
 * FLOPs: 2 · C_out · C_in · 9 per output pixel of every conv run, halos included.
 * CPU reference (single thread, slow): timed on a smaller image and extrapolated per pixel.
 * GPU cases that would take longer than --budget seconds (default 150) are extrapolated per pixel
 * from the largest measured size; the output says which numbers are extrapolated.
 *
 * Usage: npx tsx bench/vgg.bench.ts [--quick] [--runs=N] [--budget=S]
 *   --quick: 1 run after warm-up, CPU on 64² only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FeatureExtractor } from '../src/features/extractor.js';
import { createVgg16 } from '../src/features/vgg16.js';
import { VGG16_CONV_LAYERS } from '../src/core/vgg16-layers.js';
import { GpuContext } from '../src/gpu/context.js';
import type { GpuTensor } from '../src/gpu/tensor.js';
import { summary } from './lib/timing.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const arg = (name: string, fallback: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const RUNS = arg('runs', QUICK ? 1 : 3);
const BUDGET_S = arg('budget', 150);
const SIDES = [1024, 2048];
const TILE = 512;
const WEIGHTS = fileURLToPath(new URL('../weights/vgg16-test-random-init.safetensors', import.meta.url));

const CASES = [
  { name: 'vgg', layers: [0], scalings: [1, 2, 4], cpuSide: QUICK ? 64 : 256 },
  { name: 'vgg-l', layers: [0, 1, 2, 3, 4], scalings: [1, 2, 4, 8], cpuSide: 64 },
];

/** FLOPs of one forward pass on an h × w input (up to the deepest selected layer). */
function forwardFlops(fe: FeatureExtractor, h: number, w: number): number {
  const deepest = Math.max(...(fe as unknown as { selected: Array<{ index: number }> }).selected.map((l) => l.index));
  let flops = 0;
  for (const l of VGG16_CONV_LAYERS.slice(0, deepest + 1)) flops += 2 * l.cOut * l.cIn * 9 * (h / l.stride) * (w / l.stride);
  return flops;
}

interface Tile {
  h: number;
  w: number;
  count: number;
}

/** Tiles covering a side × side input at one scale: ≤ TILE² cores plus a halo, on the patch grid. */
function tiles(side: number, fe: FeatureExtractor): Tile[] {
  const halo = Math.ceil(fe.padding / fe.patchSize) * fe.patchSize;
  if (side <= TILE) return [{ h: side, w: side, count: 1 }];
  const n = Math.ceil(side / TILE);
  // interior tiles have a halo on both sides; treat every tile as the largest (an upper bound)
  const t = TILE + 2 * halo;
  return [{ h: t, w: t, count: n * n }];
}

function pyramidWork(fe: FeatureExtractor, side: number, scalings: number[]): { tiles: Tile[]; flops: number } {
  const all: Tile[] = [];
  let flops = 0;
  for (const s of scalings) {
    for (const t of tiles(side / s, fe)) {
      all.push(t);
      flops += t.count * forwardFlops(fe, t.h, t.w);
    }
  }
  return { tiles: all, flops };
}

async function timeGpu(ctx: GpuContext, fe: FeatureExtractor, work: Tile[]): Promise<number[]> {
  const inputs = new Map<string, GpuTensor>();
  for (const t of work) {
    const key = `${t.h}x${t.w}`;
    if (!inputs.has(key)) {
      const data = Float32Array.from({ length: 3 * t.h * t.w }, (_, i) => Math.sin(i * 0.37));
      inputs.set(key, ctx.upload(data, [1, 3, t.h, t.w], `bench ${key}`));
    }
  }
  const once = async () => {
    const batch = ctx.batch('vgg bench');
    let last: Promise<Float32Array> | null = null;
    for (const t of work) {
      for (let k = 0; k < t.count; k++) {
        const maps = fe.extractGpu(batch, inputs.get(`${t.h}x${t.w}`)!);
        last = batch.read(maps[maps.length - 1], 0, 1);
        for (const m of maps) m.dispose();
      }
    }
    await batch.submit();
    await last;
  };
  await once(); // warm-up: pipelines, weight upload
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  for (const t of inputs.values()) t.dispose();
  return times;
}

function timeCpu(fe: FeatureExtractor, side: number, scalings: number[]): number {
  let total = 0;
  for (const s of scalings) {
    const n = side / s;
    const data = Float32Array.from({ length: 3 * n * n }, (_, i) => Math.sin(i * 0.37));
    const t0 = performance.now();
    fe.extractCpu({ data, shape: [1, 3, n, n] });
    total += (performance.now() - t0) / 1000;
  }
  return total;
}

const median = (xs: number[]) => summary(xs).medianMs;

const ctx = await GpuContext.create();
const adapter = `${ctx.adapter.description} (${ctx.adapter.vendor || '?'})`;
console.log(`adapter: ${adapter}; runs: ${RUNS} after a warm-up; tile ${TILE}² + halo`);
const rows: Array<Record<string, unknown>> = [];
for (const c of CASES) {
  const fe = await createVgg16({ weights: WEIGHTS, layers: c.layers });
  // CPU reference on a small image, per pixel
  const cpuS = timeCpu(fe, c.cpuSide, c.scalings);
  const cpuFlops = pyramidWork(fe, c.cpuSide, c.scalings).flops;
  let measured: { side: number; seconds: number; flops: number } | null = null;
  for (const side of SIDES) {
    const { tiles: work, flops } = pyramidWork(fe, side, c.scalings);
    let seconds: number;
    let extrapolated = false;
    let min = NaN;
    const predicted = measured ? (measured.seconds * flops) / measured.flops : 0;
    if (measured && predicted > BUDGET_S) {
      seconds = predicted;
      extrapolated = true;
    } else {
      const times = await timeGpu(ctx, fe, work);
      seconds = median(times);
      min = Math.min(...times);
      measured = { side, seconds, flops };
    }
    const cpuSeconds = (cpuS * flops) / cpuFlops;
    const row = {
      case: c.name,
      side,
      gflop: flops / 1e9,
      gpu_s: seconds,
      gpu_min_s: min,
      gpu_extrapolated: extrapolated,
      gpu_gflops: flops / 1e9 / seconds,
      gpu_mpx_s: (side * side) / 1e6 / seconds,
      cpu_s_extrapolated: cpuSeconds,
      cpu_measured_on: `${c.cpuSide}²`,
      cpu_gflops: cpuFlops / 1e9 / cpuS,
      speedup: cpuSeconds / seconds,
    };
    rows.push(row);
    console.log(
      `${c.name.padEnd(6)} ${side}²: ${row.gflop.toFixed(1)} GFLOP | GPU ${seconds.toFixed(2)} s${extrapolated ? ' (extrapolated)' : ''} ` +
        `= ${row.gpu_gflops.toFixed(2)} GFLOP/s, ${row.gpu_mpx_s.toFixed(3)} Mpx/s | CPU ref ${cpuSeconds.toFixed(1)} s ` +
        `(extrapolated from ${c.cpuSide}², ${row.cpu_gflops.toFixed(2)} GFLOP/s) | GPU/CPU ${row.speedup.toFixed(1)}×`,
    );
  }
  fe.dispose();
}
ctx.dispose();

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
const slug = ctx.adapter.description.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const file = `${dir}${new Date().toISOString().slice(0, 10)}-${slug}-vgg${QUICK ? '-quick' : ''}.json`;
writeFileSync(file, JSON.stringify({ adapter, runs: RUNS, tile: TILE, node: process.version, rows }, null, 2));
console.log(`raw numbers: ${file}`);
