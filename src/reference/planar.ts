/**
 * The CPU side's array type: planar float32 data with a numpy-order shape. The last two axes are
 * always [H, W]; every leading axis (channels, Z) just counts planes.
 */
import { ShapeError } from '../errors.js';

/** A planar float32 tensor in numpy order: the CPU references' array type. */
export interface Planar {
  data: Float32Array;
  shape: number[];
}

/** The planes, height and width of a [..., H, W] tensor. */
export interface PlaneGeometry {
  planes: number;
  height: number;
  width: number;
}

/** Splits a shape [..., H, W] into (number of planes, H, W). */
export function planeGeometry(shape: readonly number[], what = 'array'): PlaneGeometry {
  if (shape.length < 2) throw new ShapeError(`${what} must have at least 2 dimensions [..., H, W], got [${shape.join(',')}]`);
  const height = shape[shape.length - 2];
  const width = shape[shape.length - 1];
  let planes = 1;
  for (let i = 0; i < shape.length - 2; i++) planes *= shape[i];
  return { planes, height, width };
}

/** A new planar tensor of `shape` filled with `fill`. */
export function planar(shape: number[], fill = 0): Planar {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (fill !== 0) data.fill(fill);
  return { data, shape: [...shape] };
}
