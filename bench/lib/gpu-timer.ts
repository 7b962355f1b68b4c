/**
 * GPU time from timestamp queries, without touching the engine: while a measurement is open,
 * every compute pass begun on the context's device gets `timestampWrites` (a begin and an end
 * query), and every command encoder resolves its queries before `finish()`. Closing the
 * measurement reads the timestamps back and sums the passes' durations: the time the GPU spent
 * executing our kernels, without recording, submit or readback overhead.
 *
 * Used only when the adapter has `timestamp-query` (GpuContext requests it when offered; lavapipe
 * has it). Otherwise, or when a run has more passes than the query set holds, `stop()` returns
 * null and callers fall back to submit-and-wait wall time.
 */
import type { GpuContext } from '../../src/gpu/context.js';

// WebGPU usage flags (Dawn's globals are not installed in Node).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const QUERY_RESOLVE = 0x200;
const MAP_MODE_READ = 0x1;

/** Queries per measurement (WebGPU's maximum query-set size): 2,048 passes. */
const CAPACITY = 4096;
/** resolveQuerySet's destination offset must be a multiple of 256 bytes = 32 queries. */
const RESOLVE_ALIGN = 32;

export interface GpuTime {
  /** Sum of the compute passes' durations. */
  kernelMs: number;
  /** First pass's begin to last pass's end (includes copies and idle gaps between submits). */
  spanMs: number;
  passes: number;
}

export class GpuTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private active = false;
  private next = 0;
  private pairs: number[] = [];
  private overflow = false;

  private constructor(private readonly ctx: GpuContext) {
    const device = ctx.device;
    this.querySet = device.createQuerySet({ label: 'bench/timestamps', type: 'timestamp', count: CAPACITY });
    this.resolveBuffer = device.createBuffer({ label: 'bench/timestamps/resolve', size: CAPACITY * 8, usage: QUERY_RESOLVE | COPY_SRC });
    this.wrapEncoders();
  }

  /** A timer for `ctx`, or null when its device lacks `timestamp-query`. */
  static install(ctx: GpuContext): GpuTimer | null {
    return ctx.device.features.has('timestamp-query') ? new GpuTimer(ctx) : null;
  }

  private wrapEncoders(): void {
    const device = this.ctx.device as GPUDevice & { createCommandEncoder: GPUDevice['createCommandEncoder'] };
    const create = device.createCommandEncoder.bind(device);
    device.createCommandEncoder = (descriptor?: GPUCommandEncoderDescriptor): GPUCommandEncoder => {
      const encoder = create(descriptor);
      if (!this.active) return encoder;
      const first = Math.ceil(this.next / RESOLVE_ALIGN) * RESOLVE_ALIGN;
      this.next = first;
      let used = 0;
      const begin = encoder.beginComputePass.bind(encoder);
      const finish = encoder.finish.bind(encoder);
      encoder.beginComputePass = (d: GPUComputePassDescriptor = {}) => {
        const i = first + used;
        if (i + 2 > CAPACITY) {
          this.overflow = true;
          return begin(d);
        }
        used += 2;
        this.next = i + 2;
        this.pairs.push(i);
        return begin({ ...d, timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 } });
      };
      encoder.finish = (d?: GPUCommandBufferDescriptor) => {
        if (used > 0) encoder.resolveQuerySet(this.querySet, first, used, this.resolveBuffer, first * 8);
        return finish(d);
      };
      return encoder;
    };
  }

  /** Opens a measurement: passes begun from now on are timed. */
  start(): void {
    this.active = true;
    this.next = 0;
    this.pairs = [];
    this.overflow = false;
  }

  /** Closes the measurement (after the work was awaited); null if it could not be timed. */
  async stop(): Promise<GpuTime | null> {
    this.active = false;
    if (this.overflow || this.pairs.length === 0) return null;
    const device = this.ctx.device;
    const bytes = Math.ceil(this.next / RESOLVE_ALIGN) * RESOLVE_ALIGN * 8;
    const staging = device.createBuffer({ label: 'bench/timestamps/read', size: bytes, usage: MAP_READ | COPY_DST });
    const encoder = device.createCommandEncoder({ label: 'bench/timestamps' });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MAP_MODE_READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    let kernelNs = 0;
    let first = Infinity;
    let last = -Infinity;
    for (const i of this.pairs) {
      const b = Number(stamps[i]);
      const e = Number(stamps[i + 1]);
      if (!(e >= b) || b === 0) return null; // an implementation that does not really time
      kernelNs += e - b;
      first = Math.min(first, b);
      last = Math.max(last, e);
    }
    return { kernelMs: kernelNs / 1e6, spanMs: (last - first) / 1e6, passes: this.pairs.length };
  }

  /** Times `work` (which must await its GPU work): wall ms plus the GPU's own time when known. */
  async measure(work: () => Promise<unknown>): Promise<{ wallMs: number; gpu: GpuTime | null }> {
    this.start();
    const t0 = performance.now();
    try {
      await work();
    } catch (error) {
      this.active = false;
      throw error;
    }
    const wallMs = performance.now() - t0;
    return { wallMs, gpu: await this.stop() };
  }

  dispose(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
