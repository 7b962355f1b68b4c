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

/** The geometry of one pad-family dispatch: planes of src → planes of dst (see pad.wgsl). */
interface PadDispatch {
  planes: number;
  srcH: number;
  srcW: number;
  dstH: number;
  dstW: number;
  top: number;
  left: number;
  srcOffset: number;
  srcPlaneStride: number;
  dstOffset: number;
  dstPlaneStride: number;
  dstRowStride: number;
}

function dispatchPad(batch: GpuBatch, spec: KernelSpec, src: GpuTensor, dst: GpuTensor, d: PadDispatch, label: string): void {
  batch.dispatch(spec, {
    uniforms: {
      planes: d.planes,
      src_h: d.srcH,
      src_w: d.srcW,
      dst_h: d.dstH,
      dst_w: d.dstW,
      top: d.top,
      left: d.left,
      src_offset: d.srcOffset,
      src_plane_stride: d.srcPlaneStride,
      dst_offset: d.dstOffset,
      dst_plane_stride: d.dstPlaneStride,
      dst_row_stride: d.dstRowStride,
    },
    bindings: { src, dst },
    workgroups: grid2d(d.dstW, d.dstH, d.planes),
    label,
  });
}

function pad(batch: GpuBatch, src: GpuTensor, pads: Pads, spec: KernelSpec, label: string): GpuTensor {
  checkPads(pads);
  const g = tensorGeometry(src, spec.entryPoint);
  if (g.height === 0 || g.width === 0) throw new ShapeError(`${spec.entryPoint}: cannot pad the empty image "${src.label}"`);
  const dh = g.height + pads.top + pads.bottom;
  const dw = g.width + pads.left + pads.right;
  const dst = batch.tensor([...g.lead, dh, dw], label);
  const plane = g.height * g.width;
  dispatchPad(batch, spec, src, dst, { planes: g.planes, srcH: g.height, srcW: g.width, dstH: dh, dstW: dw, top: pads.top, left: pads.left, srcOffset: 0, srcPlaneStride: plane, dstOffset: 0, dstPlaneStride: dh * dw, dstRowStride: dw }, label);
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
  const plane = g.height * g.width;
  dispatchPad(batch, CROP, src, dst, { planes: g.planes, srcH: g.height, srcW: g.width, dstH: dh, dstW: dw, top: pads.top, left: pads.left, srcOffset: 0, srcPlaneStride: plane, dstOffset: offset, dstPlaneStride: planeStride, dstRowStride: rowStride }, label);
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
  dispatchPad(batch, CROP, src, dst, { planes: c, srcH: h, srcW: w, dstH: th, dstW: tw, top: box.y0, left: box.x0, srcOffset: z * h * w, srcPlaneStride: zs * h * w, dstOffset: 0, dstPlaneStride: th * tw, dstRowStride: tw }, label);
  return dst;
}
