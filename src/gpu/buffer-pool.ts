/**
 * A pool of storage buffers with byte accounting. Tensors borrow buffers from it and return them
 * on dispose; returned buffers are kept for reuse (a feature pass allocates the same sizes again
 * and again) and destroyed only by `trim()` or `dispose()`.
 *
 * Sizes are rounded up to a size class m·2^k with m in 8..15, so reuse wastes at most 1/8 of a
 * buffer while keeping the number of distinct sizes small.
 */
import { BufferTooLargeError, DisposedError } from '../errors.js';

// GPUBufferUsage is a global in browsers but not in Node (we keep Dawn's globals out of
// globalThis so processes can exit); the flag values are fixed by the WebGPU spec.
export const BUFFER_USAGE = { MAP_READ: 0x01, COPY_SRC: 0x04, COPY_DST: 0x08, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

/** Rounds a byte count up to its pool size class (at least 16 bytes, a multiple of 4). */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  const k = Math.max(0, Math.floor(Math.log2(b)) - 3);
  const step = 2 ** k;
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Bytes in buffers currently lent out. */
  liveBytes: number;
  /** Bytes in buffers kept for reuse. */
  freeBytes: number;
  /** Highest liveBytes seen since creation or the last `resetHighWater()`. */
  highWaterBytes: number;
  liveBuffers: number;
  /** The largest single buffer lent since creation or the last `resetHighWater()`. */
  largestBytes: number;
  /** Buffers created so far (a measure of how well reuse works). */
  created: number;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly lent = new Set<GPUBuffer>();
  private live = 0;
  private freeTotal = 0;
  private highWater = 0;
  private largest = 0;
  private createdCount = 0;
  private disposed = false;

  constructor(
    private readonly device: GPUDevice,
    /** The largest single buffer the device can bind as storage. */
    readonly maxBufferBytes: number,
  ) {}

  /**
   * Lends a storage buffer of at least `bytes` bytes (usage STORAGE | COPY_SRC | COPY_DST).
   * `fresh` skips the free list: for buffers filled by `queue.writeBuffer`, which runs before any
   * not-yet-submitted batch — a reused buffer might still be read or written by recorded work.
   */
  acquire(bytes: number, label: string, fresh = false): GPUBuffer {
    if (this.disposed) throw new DisposedError('the GPU buffer pool was disposed (its GpuContext is gone)');
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new BufferTooLargeError(`buffer "${label}": invalid size ${bytes} bytes`);
    }
    if (bytes > this.maxBufferBytes) {
      throw new BufferTooLargeError(
        `buffer "${label}" needs ${bytes} bytes but this device binds at most ${this.maxBufferBytes} ` +
          '(maxStorageBufferBindingSize / maxBufferSize); process the image in tiles',
      );
    }
    const size = Math.min(sizeClass(bytes), Math.max(this.maxBufferBytes - (this.maxBufferBytes % 4), 16));
    const list = fresh ? undefined : this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.freeTotal -= size;
      buffer.label = label;
    } else {
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
      this.createdCount++;
    }
    this.lent.add(buffer);
    this.live += size;
    this.highWater = Math.max(this.highWater, this.live);
    this.largest = Math.max(this.largest, size);
    return buffer;
  }

  /** Takes a buffer back for reuse. Releasing a buffer twice, or a foreign one, throws. */
  release(buffer: GPUBuffer): void {
    if (!this.lent.delete(buffer)) {
      throw new DisposedError(`buffer "${buffer.label}" is not lent out by this pool (released twice?)`);
    }
    const size = buffer.size;
    this.live -= size;
    if (this.disposed) {
      buffer.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
    this.freeTotal += size;
  }

  stats(): PoolStats {
    return {
      liveBytes: this.live,
      freeBytes: this.freeTotal,
      highWaterBytes: this.highWater,
      liveBuffers: this.lent.size,
      largestBytes: this.largest,
      created: this.createdCount,
    };
  }

  resetHighWater(): void {
    this.highWater = this.live;
    this.largest = 0;
  }

  /** Destroys the buffers kept for reuse (call between jobs to give memory back). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.freeTotal = 0;
  }

  /** Destroys every buffer, lent or free. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.trim();
    for (const b of this.lent) b.destroy();
    this.disposed = true;
  }
}
