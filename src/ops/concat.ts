/** Channel concatenation and strided plane copies; see shaders/concat.wgsl. */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { WG_1D } from './geometry.js';

const COPY_PLANES: KernelSpec = { shader: 'concat', entryPoint: 'copy_planes', overrides: WG_1D };

export interface PlaneCopy {
  planes: number;
  planeSize: number;
  srcOffset: number;
  srcPlaneStride: number;
  dstOffset: number;
  dstPlaneStride: number;
}

/** Copies `planes` runs of `planeSize` elements between two tensors with independent strides. */
export function copyPlanes(batch: GpuBatch, src: GpuTensor, dst: GpuTensor, c: PlaneCopy, label = `${src.label}→${dst.label}`): void {
  if (c.planes === 0 || c.planeSize === 0) return;
  const lastSrc = c.srcOffset + (c.planes - 1) * c.srcPlaneStride + c.planeSize;
  const lastDst = c.dstOffset + (c.planes - 1) * c.dstPlaneStride + c.planeSize;
  if (lastSrc > src.size || lastDst > dst.size) {
    throw new ShapeError(`copyPlanes ${label}: reads up to ${lastSrc} of ${src.size} / writes up to ${lastDst} of ${dst.size} elements`);
  }
  const maxGroups = batch.ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const groups = Math.ceil(c.planeSize / WG_1D.WG_X);
  const rowGroups = Math.min(groups, maxGroups);
  batch.dispatch(COPY_PLANES, {
    uniforms: {
      planes: c.planes,
      plane_size: c.planeSize,
      row_groups: rowGroups,
      src_offset: c.srcOffset,
      src_plane_stride: c.srcPlaneStride,
      dst_offset: c.dstOffset,
      dst_plane_stride: c.dstPlaneStride,
    },
    bindings: { src, dst },
    workgroups: [rowGroups, Math.ceil(groups / rowGroups), c.planes],
    label,
  });
}

/** Concatenates tensors [Ci, ...rest] along the first axis into [ΣCi, ...rest]. */
export function concatChannels(batch: GpuBatch, parts: readonly GpuTensor[], label = 'concat'): GpuTensor {
  if (parts.length === 0) throw new ShapeError('concatChannels needs at least one tensor');
  const rest = parts[0].shape.slice(1);
  for (const p of parts) {
    if (p.shape.length !== rest.length + 1 || p.shape.slice(1).some((d, i) => d !== rest[i])) {
      throw new ShapeError(`concatChannels: "${p.label}" is [${p.shape.join(',')}], expected [*,${rest.join(',')}]`);
    }
  }
  const channels = parts.reduce((n, p) => n + p.shape[0], 0);
  const dst = batch.tensor([channels, ...rest], label);
  const planeSize = rest.reduce((a, b) => a * b, 1);
  let at = 0;
  for (const p of parts) {
    copyPlanes(batch, p, dst, {
      planes: p.shape[0],
      planeSize,
      srcOffset: 0,
      srcPlaneStride: planeSize,
      dstOffset: at * planeSize,
      dstPlaneStride: planeSize,
    });
    at += p.shape[0];
  }
  return dst;
}
