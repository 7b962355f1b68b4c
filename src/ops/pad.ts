/** Reflect (numpy 'reflect') and zero padding of [..., H, W] stacks; see shaders/pad.wgsl. */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkPads } from '../reference/pad.js';
import type { Pads } from '../reference/pad.js';
import { grid2d, tensorGeometry, WG_2D } from './geometry.js';

export type { Pads } from '../reference/pad.js';

const REFLECT: KernelSpec = { shader: 'pad', entryPoint: 'reflect_pad', overrides: WG_2D };
const ZERO: KernelSpec = { shader: 'pad', entryPoint: 'zero_pad', overrides: WG_2D };
const CROP: KernelSpec = { shader: 'pad', entryPoint: 'crop', overrides: WG_2D };

function pad(batch: GpuBatch, src: GpuTensor, pads: Pads, spec: KernelSpec, label: string): GpuTensor {
  checkPads(pads);
  const g = tensorGeometry(src, spec.entryPoint);
  if (g.height === 0 || g.width === 0) throw new ShapeError(`${spec.entryPoint}: cannot pad the empty image "${src.label}"`);
  const dh = g.height + pads.top + pads.bottom;
  const dw = g.width + pads.left + pads.right;
  const dst = batch.tensor([...g.lead, dh, dw], label);
  batch.dispatch(spec, {
    uniforms: {
      planes: g.planes,
      src_h: g.height,
      src_w: g.width,
      dst_h: dh,
      dst_w: dw,
      top: pads.top,
      left: pads.left,
      src_offset: 0,
      src_plane_stride: g.height * g.width,
      dst_offset: 0,
      dst_plane_stride: dh * dw,
      dst_row_stride: dw,
    },
    bindings: { src, dst },
    workgroups: grid2d(dw, dh, g.planes),
    label,
  });
  return dst;
}

/** Pads every plane with numpy 'reflect' semantics (pads may exceed the image size). */
export function reflectPad(batch: GpuBatch, src: GpuTensor, pads: Pads, label = `${src.label}/reflect-pad`): GpuTensor {
  return pad(batch, src, pads, REFLECT, label);
}

/** Pads every plane with zeros. */
export function zeroPad(batch: GpuBatch, src: GpuTensor, pads: Pads, label = `${src.label}/zero-pad`): GpuTensor {
  return pad(batch, src, pads, ZERO, label);
}

/**
 * Where a crop goes: by default a new tensor [..., H − top − bottom, W − left − right]; or pasted
 * into an existing tensor: plane p at `offset + p·planeStride`, rows `rowStride` apart.
 */
export interface CropTarget {
  tensor: GpuTensor;
  offset: number;
  planeStride: number;
  rowStride: number;
}

/** Removes `pads` from every plane (the inverse of the pads above), optionally pasting it. */
export function crop(batch: GpuBatch, src: GpuTensor, pads: Pads, target?: CropTarget, label = `${src.label}/crop`): GpuTensor {
  checkPads(pads);
  const g = tensorGeometry(src, 'crop');
  const dh = g.height - pads.top - pads.bottom;
  const dw = g.width - pads.left - pads.right;
  if (dh < 1 || dw < 1) throw new ShapeError(`crop: removing ${JSON.stringify(pads)} from ${g.height}×${g.width} leaves nothing`);
  const dst = target?.tensor ?? batch.tensor([...g.lead, dh, dw], label);
  const offset = target?.offset ?? 0;
  const planeStride = target?.planeStride ?? dh * dw;
  const rowStride = target?.rowStride ?? dw;
  if (target) {
    const last = offset + (g.planes - 1) * planeStride + (dh - 1) * rowStride + dw;
    if (rowStride < dw || offset < 0 || last > dst.size) {
      throw new ShapeError(`crop: pasting ${g.planes} planes of ${dh}×${dw} into "${dst.label}" at offset ${offset} (plane stride ${planeStride}, row stride ${rowStride}) runs past its ${dst.size} elements`);
    }
  }
  batch.dispatch(CROP, {
    uniforms: {
      planes: g.planes,
      src_h: g.height,
      src_w: g.width,
      dst_h: dh,
      dst_w: dw,
      top: pads.top,
      left: pads.left,
      src_offset: 0,
      src_plane_stride: g.height * g.width,
      dst_offset: offset,
      dst_plane_stride: planeStride,
      dst_row_stride: rowStride,
    },
    bindings: { src, dst },
    workgroups: grid2d(dw, dh, g.planes),
    label,
  });
  return dst;
}

/**
 * Cuts the tile `box` (in the padded frame) out of plane z of a [C, Z, H, W] stack, giving
 * [C, 1, box height, box width] — the input of one feature-extraction tile.
 */
export function cropTile(batch: GpuBatch, src: GpuTensor, z: number, box: { y0: number; x0: number; y1: number; x1: number }, label = `${src.label}/tile`): GpuTensor {
  if (src.shape.length !== 4) throw new ShapeError(`cropTile: "${src.label}" must be [C,Z,H,W], got [${src.shape.join(',')}]`);
  const [c, zs, h, w] = src.shape;
  const th = box.y1 - box.y0;
  const tw = box.x1 - box.x0;
  if (z < 0 || z >= zs || box.y0 < 0 || box.x0 < 0 || box.y1 > h || box.x1 > w || th < 1 || tw < 1) {
    throw new ShapeError(`cropTile: plane ${z}, box ${JSON.stringify(box)} is outside [${src.shape.join(',')}]`);
  }
  const dst = batch.tensor([c, 1, th, tw], label);
  batch.dispatch(CROP, {
    uniforms: {
      planes: c,
      src_h: h,
      src_w: w,
      dst_h: th,
      dst_w: tw,
      top: box.y0,
      left: box.x0,
      src_offset: z * h * w,
      src_plane_stride: zs * h * w,
      dst_offset: 0,
      dst_plane_stride: th * tw,
      dst_row_stride: tw,
    },
    bindings: { src, dst },
    workgroups: grid2d(tw, th, c),
    label,
  });
  return dst;
}
