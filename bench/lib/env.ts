/**
 * What every stage gets (the GPU context, the timer, the settings, the measured ceilings) and what
 * it returns, plus the measuring loop they share: GPU and CPU-reference runs alternated, GPU runs
 * timed by timestamps when the adapter has them, as many rounds as the stage's time budget allows.
 */
import type { GpuContext } from '../../src/gpu/context.js';
import type { Ceilings } from './ceilings.js';
import type { GpuTimer } from './gpu-timer.js';
import { withPeakMemory } from './memory.js';
import type { PeakMemory } from './memory.js';
import { summary } from './timing.js';
import type { Timing } from './timing.js';
import { countWork } from './work-counter.js';
import type { WorkCount } from './work-counter.js';

export interface BenchEnv {
  ctx: GpuContext;
  timer: GpuTimer | null;
  /** Bytes one tile's buffers may use: what ConvpaintModel gives its GpuEngine. */
  budgetBytes: number;
  /** VGG weights (the repository's test weights: same shapes, so the same work, as ImageNet's). */
  weights: string;
  quick: boolean;
  /** Rounds wanted per measurement (quick 3, full 5). */
  runs: number;
  /** Fewest rounds a size is measured with; a size whose predicted time would exceed the budget is skipped. */
  minRuns: number;
  /** Seconds one stage at one size may take (warm-up excluded). */
  budgetS: number;
  ceilings: Ceilings;
  log: (message: string) => void;
}

export interface Rate {
  what: string;
  value: number;
  unit: string;
  /** The machine's ceiling for this kind of work, same unit. */
  ceiling?: number;
}

export interface StageResult {
  stage: string;
  size: number;
  status: 'ok' | 'skipped';
  note?: string;
  /** GPU path: wall time per run (submit-and-wait), kernel time from timestamps when known. */
  gpu?: { wall: Timing; kernel: Timing | null; warmupMs: number; warmupSide: number; pipelinesCompiled: number };
  /** The CPU reference path (or the only path, for CPU-only stages). */
  cpu?: { time: Timing; measuredOn: string; scaled: boolean };
  /** Median over rounds of GPU wall / CPU time, both measured in the same round. */
  gpuOverCpu?: number;
  work?: WorkCount;
  rates: Rate[];
  memory?: { gpuPath?: PeakMemory; cpuPath?: PeakMemory };
  extra?: Record<string, unknown>;
}

export interface PairSeries {
  gpuWall: number[];
  gpuKernel: Array<number | null>;
  cpu: number[];
  /** Work recorded by the first GPU round. */
  work: WorkCount | null;
  /** Peak memory of the first GPU round and of the first CPU round, each on its own. */
  gpuMemory: PeakMemory | null;
  cpuMemory: PeakMemory | null;
}

/**
 * Rounds of `gpu` then `cpu` (either may be absent). `cpu` may return its own time in ms (a time
 * scaled up from a crop); otherwise its wall time counts. Stops after `env.runs` rounds, or
 * earlier (but never before `minRounds`) when another round would overrun `budgetS`. The first
 * round also counts the GPU work and takes each path's peak memory.
 */
export async function measureRounds(env: BenchEnv, gpu: (() => Promise<unknown>) | null, cpu: (() => Promise<number | void>) | null, budgetS = env.budgetS, minRounds = env.minRuns): Promise<PairSeries> {
  const out: PairSeries = { gpuWall: [], gpuKernel: [], cpu: [], work: null, gpuMemory: null, cpuMemory: null };
  const started = performance.now();
  const timeGpu = async (run: () => Promise<unknown>) => {
    if (env.timer) {
      const m = await env.timer.measure(run);
      out.gpuWall.push(m.wallMs);
      out.gpuKernel.push(m.gpu?.kernelMs ?? null);
    } else {
      const g0 = performance.now();
      await run();
      out.gpuWall.push(performance.now() - g0);
      out.gpuKernel.push(null);
    }
  };
  const timeCpu = async (run: () => Promise<number | void>) => {
    const c0 = performance.now();
    const ms = await run();
    out.cpu.push(typeof ms === 'number' ? ms : performance.now() - c0);
  };
  for (let round = 0; round < env.runs; round++) {
    const t0 = performance.now();
    if (gpu && round === 0) {
      const m = await withPeakMemory(env.ctx, () => countWork(() => timeGpu(gpu)));
      out.work = m.result.count;
      out.gpuMemory = m.memory;
    } else if (gpu) await timeGpu(gpu);
    if (cpu && round === 0) out.cpuMemory = (await withPeakMemory(null, () => timeCpu(cpu))).memory;
    else if (cpu) await timeCpu(cpu);
    const roundMs = performance.now() - t0;
    const elapsed = performance.now() - started;
    if (round + 1 >= minRounds && elapsed + roundMs > budgetS * 1000) break;
  }
  return out;
}

/** Kernel-time statistics when every round was timed by timestamps, else null. */
export function kernelTiming(kernel: Array<number | null>): Timing | null {
  return kernel.length > 0 && kernel.every((k) => k !== null) ? summary(kernel as number[]) : null;
}

/** Median of the per-round GPU/CPU ratios. */
export function ratioOfRounds(gpu: number[], cpu: number[]): number | undefined {
  if (gpu.length === 0 || cpu.length === 0) return undefined;
  const n = Math.min(gpu.length, cpu.length);
  return summary(Array.from({ length: n }, (_, i) => gpu[i] / cpu[i])).medianMs;
}

/** Whether a stage predicted to take `roundS` per round fits its budget; the reason if not. */
export function skipReason(env: BenchEnv, roundS: number, budgetS = env.budgetS): string | null {
  if (roundS * env.minRuns <= budgetS * 1.5) return null;
  return `predicted ${roundS.toFixed(0)} s per run × ${env.minRuns} run(s) > ${budgetS} s budget${env.quick ? ' (quick mode)' : ''}`;
}
