/**
 * Peak memory of a stage: the process's peak resident set (Linux `VmHWM`, reset through
 * `/proc/self/clear_refs` before the stage, so the peak is the stage's own; elsewhere the RSS
 * sampled after the stage) and the high-water mark of our GPU buffer pool. On a software driver
 * (lavapipe, SwiftShader) the "GPU" buffers live in the same process, so RSS includes them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { GpuContext } from '../../src/gpu/context.js';

export interface PeakMemory {
  /** Peak RSS during the stage, bytes. */
  rssBytes: number;
  /** RSS when the stage began (what earlier stages left behind). */
  startRssBytes: number;
  /** Whether rssBytes is the kernel's true peak (VmHWM) rather than a sample. */
  exact: boolean;
  /** GPU pool high-water bytes during the stage (null without a GPU). */
  gpuPoolBytes: number | null;
}

function vmHwm(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function resetHwm(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Runs `work` and reports its peak memory. */
export async function withPeakMemory<T>(ctx: GpuContext | null, work: () => Promise<T>): Promise<{ result: T; memory: PeakMemory }> {
  // Collect earlier stages' garbage first when the process allows it (`node --expose-gc`).
  (globalThis as { gc?: () => void }).gc?.();
  const startRssBytes = process.memoryUsage().rss;
  const exact = resetHwm() && vmHwm() !== null;
  ctx?.pool.resetHighWater();
  const result = await work();
  const rss = exact ? vmHwm()! : process.memoryUsage().rss;
  return { result, memory: { rssBytes: Math.max(rss, process.memoryUsage().rss), startRssBytes, exact, gpuPoolBytes: ctx ? ctx.pool.stats().highWaterBytes : null } };
}

export const mib = (bytes: number | null): string => (bytes === null ? '–' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
