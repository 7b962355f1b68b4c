/**
 * GPU test harness: each test file gets a fresh device (beforeAll), outputs are NaN-poisoned,
 * any uncaptured WebGPU error fails the test that caused it (afterEach), and the device is
 * destroyed at the end. No adapter → the file fails with instructions; GPU tests never skip.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { GpuContext } from '../../src/gpu/context.js';
import type { GpuContextOptions } from '../../src/gpu/context.js';
import type { GpuBatch } from '../../src/gpu/batch.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';

const announced = new Set<string>();

export function useGpu(options: GpuContextOptions = {}): () => GpuContext {
  let ctx: GpuContext | null = null;
  beforeAll(async () => {
    ctx = await GpuContext.create({ poisonOutputs: true, ...options });
    const name = `${ctx.adapter.description} (${ctx.adapter.vendor || 'unknown vendor'})`;
    if (!announced.has(name)) {
      announced.add(name);
      console.log(`[gpu] adapter: ${name}`);
    }
  });
  afterEach(() => {
    if (!ctx) return;
    const errors = ctx.takeUncapturedErrors();
    expect(errors, 'uncaptured WebGPU errors').toEqual([]);
  });
  afterAll(() => {
    ctx?.dispose();
    ctx = null;
  });
  return () => {
    if (!ctx) throw new Error('GPU context not ready (useGpu() must be called at file level)');
    return ctx;
  };
}

/** Runs `work` and asserts the pool lends out the same bytes after it as before (no leaks). */
export async function expectNoLeak<T>(ctx: GpuContext, work: () => Promise<T>): Promise<T> {
  const before = ctx.pool.stats().liveBytes;
  const result = await work();
  expect(ctx.pool.stats().liveBytes, 'pool bytes lent out after the op (leak?)').toBe(before);
  return result;
}

/**
 * The common shape of a kernel test: upload one input, record one op, read its output back —
 * all inside a leak check. Returns the output's data and shape.
 */
export async function runUnaryOp(
  ctx: GpuContext,
  data: Float32Array,
  shape: readonly number[],
  op: (batch: GpuBatch, src: GpuTensor) => GpuTensor,
): Promise<{ data: Float32Array; shape: number[] }> {
  return expectNoLeak(ctx, async () => {
    const src = ctx.upload(data, shape, 'src');
    const batch = ctx.batch('op test');
    const out = op(batch, src);
    const result = batch.read(out);
    await batch.submit();
    const got = { data: await result, shape: [...out.shape] };
    src.dispose();
    out.dispose();
    return got;
  });
}
