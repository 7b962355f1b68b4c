/**
 * Stages "prepare" and the extractors (gaussian, ilastik, vgg, vgg-m, vgg-l): the whole-image
 * feature pass on the GPU — exactly GpuEngine.predict's tile loop (upload, reflect-pad, per tile
 * crop → pyramid with only the kept window up-sampled, 16 tiles per submit) without the forest —
 * against CpuEngine.featureImage, the CPU reference over the same tile plan.
 *
 * The CPU reference is slow for VGG, so it runs on a top-left crop of the same image (a side of
 * CPU_SIDE) and its time is scaled by the ratio of the pixels its tile plan would run through the
 * extractor (Σ tile areas, halos included) at the full size and at the crop; the table says so.
 * Before the sizes, a warm-up on a 128² (64² for vgg-m, vgg-l) crop compiles the pipelines (its time is reported) and a
 * second small run predicts the time per size, so sizes that would overrun the budget are skipped.
 */
import type { FeatureExtractor } from '../../src/features/extractor.js';
import type { PyramidOptions } from '../../src/features/plan.js';
import { totalFeatures } from '../../src/features/plan.js';
import { extractPyramidGpu } from '../../src/features/pyramid.js';
import { createExtractor } from '../../src/features/registry.js';
import { aliasParam } from '../../src/model/aliases.js';
import { CpuEngine } from '../../src/engine/cpu-engine.js';
import type { PreparedImage } from '../../src/prepare/prepare.js';
import { paddedGeometry } from '../../src/engine/engine.js';
import type { Param } from '../../src/model/param.js';
import { prepareImages } from '../../src/prepare/prepare.js';
import { autoBlockSize, predictionTiles } from '../../src/engine/tiling.js';
import { cropTile, reflectPad } from '../../src/ops/pad.js';
import type { BenchEnv, Rate, StageResult } from '../lib/env.js';
import { kernelTiming, measureRounds, ratioOfRounds, skipReason } from '../lib/env.js';
import { loadScene } from '../lib/scene.js';
import type { Scene } from '../lib/scene.js';
import { summary, time, timeOnce } from '../lib/timing.js';

export const EXTRACTOR_ALIASES = ['gaussian', 'ilastik', 'vgg', 'vgg-m', 'vgg-l'] as const;

/** Largest side the CPU reference runs at; above it, a crop scaled per padded pixel. */
const CPU_SIDE: Record<string, number> = { gaussian: 1024, ilastik: 1024, vgg: 128, 'vgg-m': 64, 'vgg-l': 64 };
/** Warm-up side: one tile (no halo overhead from tiling), small enough for the deep layer sets. */
const WARMUP_SIDE: Record<string, number> = { gaussian: 128, ilastik: 128, vgg: 128, 'vgg-m': 64, 'vgg-l': 64 };
/** Tiles per submit, as in GpuEngine. */
const TILES_PER_SUBMIT = 16;

export interface AliasModel {
  alias: string;
  param: Param;
  fe: FeatureExtractor;
}

export async function aliasModel(env: BenchEnv, alias: string): Promise<AliasModel> {
  const param = aliasParam(alias);
  const fe = await createExtractor(param.fe_name ?? 'vgg16', { layers: param.fe_layers, weights: env.weights });
  return { alias, param, fe };
}

/** ConvpaintModel's preparation of a grey [H, W] image: dims, normalisation, (no) rescaling. */
export function prepareScene(m: AliasModel, scene: Scene): PreparedImage {
  return prepareImages(scene.image, m.fe, {
    channelMode: m.param.channel_mode ?? 'single',
    normalize: m.param.normalize ?? 2,
    imageDownsample: m.param.image_downsample ?? 1,
  }).images[0];
}

export function pyramidOf(m: AliasModel): PyramidOptions {
  return { scalings: m.param.fe_scalings ?? [1], order: m.param.fe_order ?? 0, useMinFeatures: m.param.fe_use_min_features ?? false, channelMode: m.param.channel_mode ?? 'single' };
}

/** GpuEngine.predict's feature work for the whole image, results dropped on the GPU. */
export async function featurePassGpu(env: BenchEnv, fe: FeatureExtractor, img: PreparedImage, pyramid: PyramidOptions): Promise<void> {
  const { ctx } = env;
  const [c, z, h, w] = img.shape;
  const g = paddedGeometry(fe, pyramid, h, w);
  const jobs = predictionTiles(g, z, autoBlockSize(fe, c, pyramid, g, env.budgetBytes));
  const raw = ctx.upload(img.data, img.shape, 'bench/image');
  const padBatch = ctx.batch('bench/pad');
  const padded = reflectPad(padBatch, raw, g.pads, 'bench/image/padded');
  raw.dispose();
  await padBatch.submit();
  try {
    for (let start = 0; start < jobs.length; start += TILES_PER_SUBMIT) {
      const batch = ctx.batch(`bench/features ${start}`);
      for (const job of jobs.slice(start, start + TILES_PER_SUBMIT)) {
        const tile = cropTile(batch, padded, job.z, job.tile, 'bench/tile');
        const feats = extractPyramidGpu(batch, fe, tile, pyramid, job.window);
        tile.dispose();
        feats.dispose();
      }
      await batch.submit();
    }
  } finally {
    padded.dispose();
  }
}

/** CpuEngine's block: the largest side whose tile of features fits 256 MiB. */
function cpuBlock(fe: FeatureExtractor, features: number, alignment: number): number {
  let side = alignment;
  while (4 * features * (side + alignment) ** 2 <= 256 * 2 ** 20) side += alignment;
  return side;
}

/**
 * Pixels the tile plan runs through the extractor at `side` (Σ tile areas, halos included) —
 * what the feature pass's cost scales with; `engine` picks the GPU's or the CPU's block size.
 */
function tileArea(env: BenchEnv, m: AliasModel, side: number, engine: 'gpu' | 'cpu'): number {
  const pyramid = pyramidOf(m);
  const g = paddedGeometry(m.fe, pyramid, side, side);
  const block = engine === 'gpu' ? autoBlockSize(m.fe, 1, pyramid, g, env.budgetBytes) : cpuBlock(m.fe, totalFeatures(m.fe, 1, pyramid), g.alignment);
  return predictionTiles(g, 1, block).reduce((a, j) => a + (j.tile.y1 - j.tile.y0) * (j.tile.x1 - j.tile.x0), 0);
}

export async function prepareStage(env: BenchEnv, sizes: number[]): Promise<StageResult[]> {
  const m = await aliasModel(env, 'vgg');
  const out: StageResult[] = [];
  for (const side of sizes) {
    const scene = await loadScene(side);
    const t = await time(async () => prepareScene(m, scene), { runs: env.runs });
    out.push({
      stage: 'prepare (normalise, dims; CPU on both paths)',
      size: side,
      status: 'ok',
      cpu: { time: t, measuredOn: `${side}²`, scaled: false },
      rates: [{ what: 'input', value: (side * side * 5) / (t.medianMs / 1000) / 1e9, unit: 'GB/s', ceiling: env.ceilings.cpu.copyGBs }],
    });
    env.log(`prepare ${side}²: ${t.medianMs.toFixed(1)} ms`);
  }
  m.fe.dispose();
  return out;
}

/** Layer sets whose warm-up alone overruns quick mode on a software driver (vgg-l: > 1 min at 64²). */
const NOT_IN_QUICK = new Set(['vgg-l']);

export async function extractorStage(env: BenchEnv, alias: string, sizes: number[]): Promise<StageResult[]> {
  if (env.quick && NOT_IN_QUICK.has(alias) && env.ctx.adapter.architecture === 'software') {
    const note = 'not in quick mode on a software driver (its 64² warm-up alone takes over a minute); run without --quick';
    env.log(`features: ${alias}: ${note}`);
    return sizes.map((size) => ({ stage: `features: ${alias}`, size, status: 'skipped', note, rates: [] }));
  }
  const m = await aliasModel(env, alias);
  const pyramid = pyramidOf(m);
  const out: StageResult[] = [];
  const cpuEngine = new CpuEngine();
  const stage = `features: ${alias}`;

  // Warm-up (pipeline compilation), then one small run to predict the cost per padded pixel.
  const warmSide = WARMUP_SIDE[alias];
  const small = prepareScene(m, await loadScene(warmSide));
  const compiledBefore = env.ctx.pipelinesCompiled;
  const warmupMs = await timeOnce(() => featurePassGpu(env, m.fe, small, pyramid));
  const pipelinesCompiled = env.ctx.pipelinesCompiled - compiledBefore;
  const smallGpuMs = await timeOnce(() => featurePassGpu(env, m.fe, small, pyramid));
  const cpuSideMax = CPU_SIDE[alias];
  const cpuWarm = prepareScene(m, await loadScene(Math.min(64, cpuSideMax)));
  const smallCpuMs = await timeOnce(() => cpuEngine.featureImage(m.fe, cpuWarm, pyramid, false));
  const perGpuPx = smallGpuMs / tileArea(env, m, warmSide, 'gpu');
  const perCpuPx = smallCpuMs / tileArea(env, m, Math.min(64, cpuSideMax), 'cpu');

  for (const side of sizes) {
    const cpuSide = Math.min(side, cpuSideMax);
    const predicted = (perGpuPx * tileArea(env, m, side, 'gpu') + perCpuPx * tileArea(env, m, cpuSide, 'cpu')) / 1000;
    const skip = skipReason(env, predicted);
    if (skip) {
      out.push({ stage, size: side, status: 'skipped', note: skip, rates: [] });
      env.log(`${stage} ${side}²: skipped (${skip})`);
      continue;
    }
    const img = prepareScene(m, await loadScene(side));
    const cpuImg = cpuSide === side ? img : prepareScene(m, await loadScene(cpuSide));
    const scale = tileArea(env, m, side, 'cpu') / tileArea(env, m, cpuSide, 'cpu');
    const rounds = await measureRounds(
      env,
      () => featurePassGpu(env, m.fe, img, pyramid),
      async () => {
        const t0 = performance.now();
        await cpuEngine.featureImage(m.fe, cpuImg, pyramid, false);
        return (performance.now() - t0) * scale;
      },
    );
    const wall = summary(rounds.gpuWall);
    const kernel = kernelTiming(rounds.gpuKernel);
    const gpuS = (kernel ?? wall).medianMs / 1000;
    const cpu = summary(rounds.cpu);
    const work = rounds.work!;
    const gpuBw = Math.max(env.ceilings.gpu?.copyGBs ?? 0, env.ceilings.gpu?.copyKernelGBs ?? 0, env.ceilings.gpu?.readKernelGBs ?? 0);
    const rates: Rate[] = [];
    if (work.convFlops > 0) {
      rates.push({ what: 'conv', value: work.convFlops / gpuS / 1e9, unit: 'GFLOP/s', ceiling: env.ceilings.gpu?.fmaGflops });
      rates.push({ what: 'conv (CPU ref)', value: work.convFlops / (cpu.medianMs / 1000) / 1e9, unit: 'GFLOP/s', ceiling: env.ceilings.cpu.fmaGflops });
    }
    rates.push({ what: 'passes', value: work.passBytes / gpuS / 1e9, unit: 'GB/s', ceiling: gpuBw });
    const features = totalFeatures(m.fe, img.shape[0], pyramid);
    const movedBytes = work.passBytes + work.convBytes;
    const boundS = gpuBw > 0 ? movedBytes / (gpuBw * 1e9) : NaN;
    out.push({
      stage,
      size: side,
      status: 'ok',
      gpu: { wall, kernel, warmupMs, warmupSide: warmSide, pipelinesCompiled },
      cpu: { time: cpu, measuredOn: `${cpuSide}²`, scaled: cpuSide !== side },
      gpuOverCpu: ratioOfRounds(kernel ? (rounds.gpuKernel as number[]) : rounds.gpuWall, rounds.cpu),
      work,
      rates,
      memory: { gpuPath: rounds.gpuMemory ?? undefined, cpuPath: rounds.cpuMemory ?? undefined },
      extra: { features, tilePixels: tileArea(env, m, side, 'gpu'), movedBytes, bandwidthBoundS: boundS, overBound: gpuS / boundS, cpuScale: scale },
    });
    env.log(`${stage} ${side}²: GPU ${(wall.medianMs / 1000).toFixed(2)} s wall${kernel ? `, ${(kernel.medianMs / 1000).toFixed(2)} s kernels` : ''}; CPU ${(cpu.medianMs / 1000).toFixed(2)} s${cpuSide !== side ? ` (scaled from ${cpuSide}²)` : ''}; ${rounds.gpuWall.length} run(s)`);
  }
  m.fe.dispose();
  return out;
}
