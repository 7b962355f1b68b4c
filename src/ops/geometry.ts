/**
 * Shared dispatch geometry for the per-pixel kernels: a 2-D workgroup tile over (x, y) and one
 * plane per z. Workgroup sizes are override constants of the shaders, given here once.
 */
import { ShapeError } from '../errors.js';
import type { GpuTensor } from '../gpu/tensor.js';

export const WG_2D = { WG_X: 16, WG_Y: 8 } as const;
export const WG_1D = { WG_X: 256 } as const;

export function grid2d(width: number, height: number, planes: number): [number, number, number] {
  return [Math.ceil(width / WG_2D.WG_X), Math.ceil(height / WG_2D.WG_Y), planes];
}

export interface TensorGeometry {
  planes: number;
  height: number;
  width: number;
  /** Leading dims (everything before H, W). */
  lead: number[];
}

/** [..., H, W] of a GPU tensor, with a message naming the op when it is not at least 2-D. */
export function tensorGeometry(t: GpuTensor, op: string): TensorGeometry {
  const s = t.shape;
  if (s.length < 2) throw new ShapeError(`${op}: "${t.label}" must be [..., H, W], got [${s.join(',')}]`);
  const lead = s.slice(0, -2);
  return { planes: lead.reduce((a, b) => a * b, 1), height: s[s.length - 2], width: s[s.length - 1], lead };
}
