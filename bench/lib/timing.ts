/**
 * Timing helpers shared by the benches: warm-up, repeated runs, median / min / max, and the
 * alternation of two paths (GPU, CPU reference) so that both see the same machine load.
 */

/** Statistics of repeated runs, in milliseconds. */
export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  /** Every run, in the order measured. */
  samplesMs: number[];
}

/** Median (upper median for an even count), min and max of `ms`. */
export function summary(ms: readonly number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  return { medianMs: s[Math.floor(s.length / 2)] ?? NaN, minMs: s[0] ?? NaN, maxMs: s[s.length - 1] ?? NaN, runs: s.length, samplesMs: [...ms] };
}

/** Wall time of one call of `work`, in milliseconds. */
export async function timeOnce(work: () => unknown): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

export interface TimeOptions {
  runs: number;
  /** Run once untimed first (JIT, pipeline compilation, buffer pool). Default true. */
  warmup?: boolean;
}

/** A timed series plus the warm-up's own time (what the first call costs, compilation included). */
export interface TimedSeries extends Timing {
  warmupMs: number | null;
}

/** One warm-up (unless disabled), then `runs` timed runs of `work`. */
export async function time(work: () => unknown, options: TimeOptions): Promise<TimedSeries> {
  const warmupMs = options.warmup === false ? null : await timeOnce(work);
  const ms: number[] = [];
  for (let r = 0; r < options.runs; r++) ms.push(await timeOnce(work));
  return { ...summary(ms), warmupMs };
}

/**
 * One warm-up of each, then `runs` rounds of `a` followed by `b`, so that both paths are measured
 * under the same load. A run may return its own measurement in ms (e.g. GPU timestamps, or a
 * time scaled from a crop) instead of its wall time: return `{ ms }`.
 */
export async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  options: TimeOptions,
): Promise<[TimedSeries, TimedSeries]> {
  const measure = async (work: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    const r = await work();
    const wall = performance.now() - t0;
    return isMeasured(r) ? r.ms : wall;
  };
  const warm = options.warmup !== false;
  const wa = warm ? await measure(a) : null;
  const wb = warm ? await measure(b) : null;
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < options.runs; r++) {
    ta.push(await measure(a));
    tb.push(await measure(b));
  }
  return [{ ...summary(ta), warmupMs: wa }, { ...summary(tb), warmupMs: wb }];
}

function isMeasured(r: unknown): r is { ms: number } {
  return typeof r === 'object' && r !== null && typeof (r as { ms?: unknown }).ms === 'number';
}

/** "1.23 s" or "45.6 ms". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 100_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** "1.23 s (1.10–1.40)" */
export function fmtTiming(t: Timing): string {
  if (t.runs <= 1) return fmtMs(t.medianMs);
  return `${fmtMs(t.medianMs)} (${fmtMs(t.minMs)}–${fmtMs(t.maxMs)})`;
}
