/**
 * GpuTensor: a planar array on the GPU — a pooled storage buffer plus shape, dtype and label.
 * Shapes are row-major like numpy (`[C,H,W]`, `[C,Z,H,W]`). The tensor owns its buffer until
 * `dispose()`, which returns it to the pool; dispose is idempotent and any later use throws.
 */
import { DisposedError, ShapeError } from '../errors.js';
import type { BufferPool } from './buffer-pool.js';

/** Element type of a GPU tensor (4 bytes each). */
export type GpuDtype = 'f32' | 'u32' | 'i32';

/** The tensor dtype that holds a host array's elements. */
export function dtypeOf(data: Float32Array | Uint32Array | Int32Array): GpuDtype {
  return data instanceof Float32Array ? 'f32' : data instanceof Uint32Array ? 'u32' : 'i32';
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(',')}]`);
    n *= d;
  }
  return n;
}

/** A shaped view of a pooled GPU buffer; `dispose()` returns the buffer to the pool (idempotent; later use throws `DisposedError`). */
export class GpuTensor {
  private buf: GPUBuffer | null;
  readonly shape: readonly number[];
  readonly size: number;

  constructor(
    private readonly pool: BufferPool,
    shape: readonly number[],
    readonly dtype: GpuDtype,
    readonly label: string,
    fresh = false,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = elementCount(shape);
    this.buf = pool.acquire(this.byteLength, label, fresh);
  }

  /** Bytes of data (the pooled buffer may be larger). */
  get byteLength(): number {
    return this.size * 4;
  }

  get buffer(): GPUBuffer {
    if (!this.buf) throw new DisposedError(`tensor "${this.label}" was used after dispose()`);
    return this.buf;
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  dispose(): void {
    if (!this.buf) return;
    const b = this.buf;
    this.buf = null;
    this.pool.release(b);
  }
}
