/**
 * 1-D convolution along the width or height of every plane of a stack; see shaders/separable.wgsl.
 * The kernel's half taps live in a GPU tensor (usually a `KernelPack` uploaded once by the
 * extractor); `radius`, `symmetric` and the offset into that tensor are uniforms, so one pipeline
 * per axis serves every kernel and image size.
 */
import { KernelDescriptorError, ShapeError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { KernelPack } from '../core/filter-kernels.js';
import type { Kernel1d } from '../core/filter-kernels.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { FilterAxis } from '../reference/separable.js';
import { shaderConst } from '../gpu/shader-consts.js';
import { tensorGeometry } from './geometry.js';

export type { FilterAxis } from '../reference/separable.js';

/**
 * Largest kernel half-length the shader holds in workgroup memory: the ilastik bank's widest
 * kernel is the second derivative at σ = 10, ceil(4·10) = 40.
 */
export const MAX_FILTER_RADIUS = 40;

// 64 invocations per workgroup, each computing PER_THREAD outputs, so a tile spans 256 (width) or
// 128 (height) outputs and the halo re-read at radius 40 stays at 1.3× / 1.6×. Workgroup memory:
// filter_w (256 + 80)·1 floats = 1.3 KB, filter_h (128 + 80)·8 floats = 6.5 KB, well under the
// 16 KB software Vulkan drivers allow. (Larger workgroups measured no faster on lavapipe and
// 2–3× slower on SwiftShader, whose barriers are costly.)
const ALONG_W = { WG_ALONG: 64, WG_ACROSS: 1, PER_THREAD: 4, MAX_RADIUS: MAX_FILTER_RADIUS } as const;
const ALONG_H = { WG_ALONG: 8, WG_ACROSS: 8, PER_THREAD: 16, MAX_RADIUS: MAX_FILTER_RADIUS } as const;

const FILTER_W: KernelSpec = { shader: 'separable', entryPoint: 'filter_w', overrides: ALONG_W };
const FILTER_H: KernelSpec = { shader: 'separable', entryPoint: 'filter_h', overrides: ALONG_H };

// The sliding form: 32 lines per workgroup (measured best of 16–128 on lavapipe and SwiftShader).
const SLIDE = { WG_LINES: 32 } as const;
const SLIDE_W: KernelSpec = { shader: 'separable', entryPoint: 'slide_w', overrides: SLIDE };
const SLIDE_H: KernelSpec = { shader: 'separable', entryPoint: 'slide_h', overrides: SLIDE };

/** Outputs per invocation of the sliding form (the shader's SLIDE_OUTPUTS). */
function slideOutputs(): number {
  return shaderConst('separable', 'SLIDE_OUTPUTS');
}

/**
 * How a pass is computed (shaders/separable.wgsl): `tiled` stages each line segment in workgroup
 * memory (for GPUs); `sliding` keeps a window of inputs and the outputs in registers (for
 * software drivers, where it measured 4–5× faster). Both give the reference's result within
 * the filters' tolerance.
 */
export type FilterForm = 'tiled' | 'sliding';

/** The form a context runs by default: sliding on software adapters, tiled on GPUs. */
export function defaultFilterForm(ctx: BatchHost): FilterForm {
  return ctx.isSoftwareAdapter ? 'sliding' : 'tiled';
}

/** Where a kernel's half taps are in a taps tensor. */
export interface GpuKernelRef {
  taps: GpuTensor;
  offset: number;
  radius: number;
  symmetric: boolean;
  label?: string;
}

/** Planes of a tensor: `count` planes of [H, W], the first at `offset` elements, `stride` apart. */
export interface PlaneRange {
  tensor: GpuTensor;
  offset?: number;
  stride?: number;
}

export interface Convolve1dOptions {
  /** Number of planes to filter (default: all planes of `src`). */
  planes?: number;
  /** First element and plane stride within `src` (default 0 and H·W). */
  srcOffset?: number;
  srcPlaneStride?: number;
  /** Write into this tensor instead of a new one (offset and stride as for src). */
  dst?: PlaneRange;
  label?: string;
  /** Force a form (tests run both); default `defaultFilterForm(batch.ctx)`. */
  form?: FilterForm;
}

/**
 * Filters planes of `src` ([..., H, W]) along `axis` with the kernel `k`. Returns the output
 * tensor: a new one shaped like the filtered planes, or `opts.dst.tensor` when given.
 */
export function convolve1d(batch: GpuBatch, src: GpuTensor, k: GpuKernelRef, axis: FilterAxis, opts: Convolve1dOptions = {}): GpuTensor {
  const g = tensorGeometry(src, `filter_${axis}`);
  const plane = g.height * g.width;
  const planes = opts.planes ?? g.planes;
  const srcOffset = opts.srcOffset ?? 0;
  const srcStride = opts.srcPlaneStride ?? plane;
  if (g.height === 0 || g.width === 0) throw new ShapeError(`filter_${axis}: cannot filter the empty image "${src.label}"`);
  if (!Number.isInteger(k.radius) || k.radius < 0 || k.radius > MAX_FILTER_RADIUS) {
    throw new KernelDescriptorError(`filter_${axis}: kernel radius ${k.radius} outside [0, ${MAX_FILTER_RADIUS}] (the shader's MAX_RADIUS)`);
  }
  if (k.offset < 0 || k.offset + k.radius + 1 > k.taps.size) {
    throw new KernelDescriptorError(`filter_${axis}: taps [${k.offset}, ${k.offset + k.radius}] outside "${k.taps.label}" (${k.taps.size} values)`);
  }
  if (planes > 0 && srcOffset + (planes - 1) * srcStride + plane > src.size) {
    throw new ShapeError(`filter_${axis}: ${planes} planes from offset ${srcOffset} (stride ${srcStride}) overrun "${src.label}" [${src.shape.join(',')}]`);
  }
  const label = opts.label ?? `${src.label}/${k.label ?? 'kernel'}-${axis}`;
  const dst = opts.dst?.tensor ?? batch.tensor(planes === g.planes ? [...src.shape] : [planes, g.height, g.width], label);
  const dstOffset = opts.dst?.offset ?? 0;
  const dstStride = opts.dst?.stride ?? plane;
  if (dst === src) throw new KernelDescriptorError(`filter_${axis}: source and destination must be different tensors ("${src.label}")`);
  if (planes > 0 && dstOffset + (planes - 1) * dstStride + plane > dst.size) {
    throw new ShapeError(`filter_${axis}: ${planes} planes at offset ${dstOffset} (stride ${dstStride}) overrun "${dst.label}" [${dst.shape.join(',')}]`);
  }
  const form = opts.form ?? defaultFilterForm(batch.ctx);
  let spec: KernelSpec;
  let workgroups: [number, number, number];
  if (form === 'sliding') {
    spec = axis === 'w' ? SLIDE_W : SLIDE_H;
    const outputs = slideOutputs();
    workgroups =
      axis === 'w'
        ? [Math.ceil(g.width / outputs), Math.ceil(g.height / SLIDE.WG_LINES), planes]
        : [Math.ceil(g.width / SLIDE.WG_LINES), Math.ceil(g.height / outputs), planes];
  } else {
    spec = axis === 'w' ? FILTER_W : FILTER_H;
    const o = axis === 'w' ? ALONG_W : ALONG_H;
    const tile = o.WG_ALONG * o.PER_THREAD;
    workgroups =
      axis === 'w'
        ? [Math.ceil(g.width / tile), Math.ceil(g.height / o.WG_ACROSS), planes]
        : [Math.ceil(g.width / o.WG_ACROSS), Math.ceil(g.height / tile), planes];
  }
  batch.dispatch(spec, {
    uniforms: {
      planes,
      height: g.height,
      width: g.width,
      radius: k.radius,
      taps_offset: k.offset,
      antisymmetric: k.symmetric ? 0 : 1,
      src_offset: srcOffset,
      src_plane_stride: srcStride,
      dst_offset: dstOffset,
      dst_plane_stride: dstStride,
    },
    bindings: { taps: k.taps, src, dst },
    workgroups,
    label,
  });
  return dst;
}

/**
 * A fixed set of kernels for an extractor: packed once, uploaded once per GPU context on first
 * use, released by `dispose()`. Uploading per call instead would let a pooled buffer be rewritten
 * (queue.writeBuffer runs at once) while earlier recorded work still waits to read it.
 */
export class GpuKernelSet {
  private readonly pack = new KernelPack();
  private readonly uploaded = new Map<BatchHost, GpuTensor>();

  constructor(
    kernels: readonly Kernel1d[],
    private readonly label: string,
  ) {
    for (const k of kernels) this.pack.add(k);
  }

  /** Where `k` (one of the constructor's kernels) lives on `ctx`. */
  ref(ctx: BatchHost, k: Kernel1d): GpuKernelRef {
    let taps = this.uploaded.get(ctx);
    if (!taps || taps.disposed) {
      const data = this.pack.data();
      taps = ctx.upload(data, [data.length], `${this.label}/taps`);
      this.uploaded.set(ctx, taps);
    }
    return { taps, offset: this.pack.offsetOf(k), radius: k.radius, symmetric: k.symmetric, label: k.label };
  }

  /** Releases the uploaded taps on every context. Idempotent. */
  dispose(): void {
    for (const t of this.uploaded.values()) t.dispose();
    this.uploaded.clear();
  }
}
