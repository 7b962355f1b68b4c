/**
 * Counts the work a run records, from the dispatches themselves: FLOPs of the 3×3 convolutions
 * and the bytes each pass must move at least (read its input region once, write its output
 * once), computed from the uniforms every op passes (planes, sizes). Installed by wrapping
 * `GpuBatch.prototype.dispatch` while a count is open, so the engine is measured as it is.
 *
 * The byte model per shader family (4 bytes per f32 element):
 * - separable (one filter pass): planes·H·W read + planes·H·W written;
 * - filter-combine: every bound operand read + every output written, planes·H·W each;
 * - pad / crop, resample, block-mean downsample, max-pool: source region read (for an
 *   up-sampling, the smaller of source and destination) + destination written;
 * - concat (copy_planes): planes·plane_size read + written;
 * - conv3x3: input and output maps (weights are small and cached): (C_in + C_out)·H·W;
 *   FLOPs 2·C_in·C_out·9·H·W (a multiply-add = 2 FLOPs);
 * - forest, gather, labels: pixels evaluated / rows gathered are counted instead.
 * Anything else: the bound tensors' sizes (an over-estimate, flagged as `unmodelled`).
 */
import { GpuBatch } from '../../src/gpu/batch.js';
import type { DispatchArgs } from '../../src/gpu/batch.js';
import type { KernelSpec } from '../../src/gpu/context.js';

export interface WorkCount {
  dispatches: number;
  convFlops: number;
  /** Bytes moved by filter / resample / copy passes (the bandwidth-bound kernels). */
  passBytes: number;
  /** Bytes moved by the convolutions (inputs + outputs). */
  convBytes: number;
  /** Pixels run through a tree ensemble. */
  forestPixels: number;
  /** Bytes of dispatches of shaders without a model here. */
  unmodelledBytes: number;
  byShader: Record<string, number>;
}

function emptyCount(): WorkCount {
  return { dispatches: 0, convFlops: 0, passBytes: 0, convBytes: 0, forestPixels: 0, unmodelledBytes: 0, byShader: {} };
}

const num = (u: DispatchArgs['uniforms'], key: string): number => {
  const v = u[key];
  return typeof v === 'number' ? v : 0;
};

function account(c: WorkCount, spec: KernelSpec, args: DispatchArgs): void {
  const u = args.uniforms;
  c.dispatches++;
  c.byShader[spec.shader] = (c.byShader[spec.shader] ?? 0) + 1;
  if (spec.shader.startsWith('forest')) {
    if (num(u, 'first_chunk') === 1 && num(u, 'out_begin') === 0) c.forestPixels += num(u, 'n_pixels');
    return;
  }
  switch (spec.shader) {
    case 'conv3x3': {
      const px = Math.max(1, num(u, 'batch')) * num(u, 'height') * num(u, 'width');
      c.convFlops += 2 * num(u, 'c_in') * num(u, 'c_out') * 9 * px;
      c.convBytes += 4 * (num(u, 'c_in') + num(u, 'c_out')) * px;
      return;
    }
    case 'separable':
      c.passBytes += 8 * num(u, 'planes') * num(u, 'height') * num(u, 'width');
      return;
    case 'filter-combine': {
      const plane = num(u, 'planes') * num(u, 'height') * num(u, 'width');
      const operands = Object.keys(args.bindings).length - 1;
      const outputs = 1 + (num(u, 'd1_offset') > 0 ? 1 : 0) + (num(u, 'd2_offset') > 0 ? 1 : 0);
      c.passBytes += 4 * plane * (operands + outputs);
      return;
    }
    case 'pad':
    case 'resample':
    case 'downsample':
    case 'maxpool': {
      const src = num(u, 'src_h') * num(u, 'src_w');
      const dst = num(u, 'dst_h') * num(u, 'dst_w');
      c.passBytes += 4 * num(u, 'planes') * (Math.min(src, spec.shader === 'downsample' || spec.shader === 'maxpool' ? src : dst) + dst);
      return;
    }
    case 'concat':
      c.passBytes += 8 * num(u, 'planes') * num(u, 'plane_size');
      return;
    case 'gather':
    case 'labels':
      return;
    default:
      for (const t of Object.values(args.bindings)) c.unmodelledBytes += t.byteLength;
  }
}

/** Counts the work recorded while `work` runs. Not re-entrant. */
export async function countWork<T>(work: () => Promise<T>): Promise<{ result: T; count: WorkCount }> {
  const count = emptyCount();
  const proto = GpuBatch.prototype as unknown as { dispatch: (spec: KernelSpec, args: DispatchArgs) => void };
  const original = proto.dispatch;
  proto.dispatch = function (this: GpuBatch, spec: KernelSpec, args: DispatchArgs) {
    account(count, spec, args);
    return original.call(this, spec, args);
  };
  try {
    return { result: await work(), count };
  } finally {
    proto.dispatch = original;
  }
}
