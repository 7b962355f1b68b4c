/** CPU reference of shaders/pad.wgsl: reflect-101 (numpy 'reflect') and zero padding. */
import { ShapeError } from '../errors.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** Pixels added on each side. */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Position i mapped into [0, n) by reflect-101, repeating the reflection for any i. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = i % period;
  if (m < 0) m += period;
  return m >= n ? period - m : m;
}

/** Refuses pads that are not non-negative integers. */
export function checkPads(pads: Pads): void {
  for (const [side, v] of Object.entries(pads)) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`pad ${side} must be a non-negative integer, got ${v}`);
  }
}

function pad(src: Planar, pads: Pads, mode: 'reflect' | 'zero'): Planar {
  checkPads(pads);
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'pad input');
  if (h === 0 || w === 0) throw new ShapeError(`cannot pad an empty image [${src.shape.join(',')}]`);
  const oh = h + pads.top + pads.bottom;
  const ow = w + pads.left + pads.right;
  const out = planar([...src.shape.slice(0, -2), oh, ow]);
  for (let p = 0; p < planes; p++) {
    const s0 = p * h * w;
    const d0 = p * oh * ow;
    for (let y = 0; y < oh; y++) {
      const sy = y - pads.top;
      for (let x = 0; x < ow; x++) {
        const sx = x - pads.left;
        let v = 0;
        if (mode === 'reflect') v = src.data[s0 + reflectIndex(sy, h) * w + reflectIndex(sx, w)];
        else if (sy >= 0 && sy < h && sx >= 0 && sx < w) v = src.data[s0 + sy * w + sx];
        out.data[d0 + y * ow + x] = v;
      }
    }
  }
  return out;
}

/** Reflect-101 padding (numpy "reflect"), repeated when a pad exceeds the plane (CPU reference of pad.wgsl). */
export const reflectPad = (src: Planar, pads: Pads): Planar => pad(src, pads, 'reflect');
/** Zero padding (CPU reference of pad.wgsl). */
export const zeroPad = (src: Planar, pads: Pads): Planar => pad(src, pads, 'zero');

/** Removes `pads` from every plane. */
export function crop(src: Planar, pads: Pads): Planar {
  checkPads(pads);
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'crop input');
  const oh = h - pads.top - pads.bottom;
  const ow = w - pads.left - pads.right;
  if (oh < 1 || ow < 1) throw new ShapeError(`crop: removing ${JSON.stringify(pads)} from ${h}×${w} leaves nothing`);
  const out = planar([...src.shape.slice(0, -2), oh, ow]);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < oh; y++) {
      const from = p * h * w + (y + pads.top) * w + pads.left;
      out.data.set(src.data.subarray(from, from + ow), (p * oh + y) * ow);
    }
  }
  return out;
}

/** Tile `box` of plane z of a [C, Z, H, W] stack → [C, 1, th, tw] (see ops/pad.ts cropTile). */
export function cropTile(src: Planar, z: number, box: { y0: number; x0: number; y1: number; x1: number }): Planar {
  const [c, zs, h, w] = src.shape;
  const th = box.y1 - box.y0;
  const tw = box.x1 - box.x0;
  if (src.shape.length !== 4 || z < 0 || z >= zs || box.y0 < 0 || box.x0 < 0 || box.y1 > h || box.x1 > w || th < 1 || tw < 1) {
    throw new ShapeError(`cropTile: plane ${z}, box ${JSON.stringify(box)} is outside [${src.shape.join(',')}]`);
  }
  const out = planar([c, 1, th, tw]);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) {
      const from = ((ch * zs + z) * h + box.y0 + y) * w + box.x0;
      out.data.set(src.data.subarray(from, from + tw), (ch * th + y) * tw);
    }
  }
  return out;
}
