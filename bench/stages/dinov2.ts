/**
 * Stage "dinov2": the DINOv2 ViT-S/14-reg4 feature pass (the patch grid, what training and
 * segmentation need — GpuEngine's one transformer pass per plane) at the bench sizes (512² pads
 * to 518², the network's native 37×37 grid; 1024² to 1036², 74×74), on a synthetic normalised
 * image, with the seeded test weights (same shapes, so the same work, as the real ones).
 *
 * Reported: wall time, the pass's FLOP rate (counted analytically: the matmuls and attention)
 * against the FMA ceiling, the matmul kernel alone at the pass's biggest shape (fc1: M = tokens,
 * K = 384, N = 1536) as a share of that ceiling, and peak memory. The CPU reference (scalar
 * TypeScript) runs on a 224² crop (256 patches) only, its time scaled by FLOPs to the size.
 * Sizes whose predicted time exceeds the budget are skipped, saying so.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { createExtractor } from '../../src/features/registry.js';
import type { FeatureExtractor } from '../../src/features/extractor.js';
import { dinov2PatchTokensCpu } from '../../src/features/dinov2-backbone-cpu.js';
import { linear, uploadLinearWeights } from '../../src/ops/linear.js';
import { readDinov2Weights, DINOV2_SMALL } from '../../src/weights/dinov2-weights.js';
import type { BenchEnv, StageResult } from '../lib/env.js';
import { kernelTiming, measureRounds, skipReason } from '../lib/env.js';
import { summary, timeOnce } from '../lib/timing.js';

const WEIGHTS = fileURLToPath(new URL('../../../shared/golden/dinov2/dinov2_vits14_reg_test_random.safetensors', import.meta.url));
const CPU_SIDE = 224;

/** FLOPs of one forward pass over `patches` patches: patch embedding, 12 blocks' matmuls and attention. */
export function dinov2Flops(patches: number): { total: number; matmul: number; attention: number } {
  const { dim, depth, mlpDim } = DINOV2_SMALL;
  const n = patches + 5;
  const matmul = 2 * patches * 588 * dim + depth * 2 * n * dim * (3 * dim + dim + 2 * mlpDim);
  const attention = depth * 2 * 2 * n * n * dim;
  return { total: matmul + attention, matmul, attention };
}

function input(side: number): Float32Array {
  // A smooth pattern with detail, normalised like an image (values of order 1).
  const data = new Float32Array(3 * side * side);
  for (let c = 0; c < 3; c++) for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data[(c * side + y) * side + x] = Math.sin(x * 0.05 + c) * Math.cos(y * 0.07) + 0.1 * Math.sin(x * y * 0.001);
  return data;
}

export async function dinov2Stage(env: BenchEnv, sizes: number[]): Promise<StageResult[]> {
  const bytes = readFileSync(WEIGHTS);
  const fe: FeatureExtractor = await createExtractor('dinov2_small-reg', { weights: bytes });
  const params = readDinov2Weights(bytes, WEIGHTS);
  const results: StageResult[] = [];
  const pass = async (side: number) => {
    const batch = env.ctx.batch('bench/dinov2');
    const x = batch.upload(input(side), [1, 3, side, side], 'bench/dinov2/input');
    const [grid] = fe.extractGpu(batch, x);
    const read = batch.read(grid);
    x.dispose();
    grid.dispose();
    await batch.submit();
    await read;
  };
  // Warm-up: pipelines and the weights upload.
  const warmupMs = await timeOnce(() => pass(112));
  // The CPU reference once on a crop; its rate scales to every size by FLOPs.
  const cpuMs = await timeOnce(() => dinov2PatchTokensCpu(params, { data: input(CPU_SIDE), shape: [1, 3, CPU_SIDE, CPU_SIDE] }));
  const cpuFlopRate = dinov2Flops((CPU_SIDE / 14) ** 2).total / (cpuMs / 1000);
  let gpuFlopRate = dinov2Flops(64).total / (warmupMs / 1000);
  for (const size of sizes) {
    const side = Math.ceil(size / 14) * 14;
    const patches = (side / 14) ** 2;
    const flops = dinov2Flops(patches);
    const predictedS = flops.total / gpuFlopRate;
    const skip = skipReason(env, predictedS);
    if (skip) {
      results.push({ stage: 'features: dinov2', size, status: 'skipped', note: `${skip} (${patches} patches, ${(flops.total / 1e9).toFixed(0)} GFLOP)`, rates: [] });
      continue;
    }
    env.log(`dinov2 ${size}² (${side}², ${patches} patches): predicted ${predictedS.toFixed(1)} s per run`);
    const series = await measureRounds(env, () => pass(side), null);
    const wall = summary(series.gpuWall);
    gpuFlopRate = flops.total / (wall.medianMs / 1000);
    // The fc1 matmul alone at this token count, ten times in one batch (no readback).
    const tokens = patches + 5;
    const fc1 = uploadLinearWeights(env.ctx, params.blocks[0].fc1Weight, params.blocks[0].fc1Bias, DINOV2_SMALL.mlpDim, DINOV2_SMALL.dim, 'bench/fc1');
    const xs = env.ctx.upload(new Float32Array(tokens * DINOV2_SMALL.dim).map((_, i) => Math.sin(i)), [tokens, DINOV2_SMALL.dim], 'bench/fc1/x');
    const repeats = 10;
    const runMatmul = async () => {
      const batch = env.ctx.batch('bench/fc1');
      for (let r = 0; r < repeats; r++) linear(batch, xs, fc1, { kind: 'gelu' }).dispose();
      await batch.submit();
    };
    await runMatmul();
    const mm = await measureRounds(env, runMatmul, null, Math.min(env.budgetS, 20));
    fc1.dispose();
    xs.dispose();
    const mmFlops = repeats * 2 * tokens * DINOV2_SMALL.dim * DINOV2_SMALL.mlpDim;
    const mmRate = mmFlops / (summary(mm.gpuWall).medianMs / 1000) / 1e9;
    const ceiling = env.ceilings.gpu?.fmaGflops;
    const cpuScaledMs = (flops.total / cpuFlopRate) * 1000;
    results.push({
      stage: 'features: dinov2',
      size,
      status: 'ok',
      note: `${side}² padded, ${patches} patches (${tokens} tokens); ${(flops.total / 1e9).toFixed(1)} GFLOP (${((100 * flops.attention) / flops.total).toFixed(0)} % attention); CPU reference measured at ${CPU_SIDE}² and scaled by FLOPs`,
      gpu: { wall, kernel: kernelTiming(series.gpuKernel), warmupMs, warmupSide: 112, pipelinesCompiled: 0 },
      cpu: { time: summary([cpuScaledMs]), measuredOn: `${CPU_SIDE}²`, scaled: true },
      gpuOverCpu: wall.medianMs / cpuScaledMs,
      rates: [
        { what: 'pass FLOP rate', value: flops.total / (wall.medianMs / 1000) / 1e9, unit: 'GFLOP/s', ceiling },
        { what: `matmul fc1 [${tokens}×384]·[384×1536] + GELU`, value: mmRate, unit: 'GFLOP/s', ceiling },
      ],
      memory: { gpuPath: series.gpuMemory ?? undefined },
      extra: { matmulShareOfFmaCeiling: ceiling ? mmRate / ceiling : null, passShareOfFmaCeiling: ceiling ? flops.total / (wall.medianMs / 1000) / 1e9 / ceiling : null },
    });
  }
  fe.dispose();
  return results;
}
