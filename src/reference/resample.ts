/**
 * CPU reference of shaders/resample.wgsl: PyTorch-style nearest (legacy) and bilinear
 * (align_corners=False, edge clamp) resizing to a given output size.
 */
import { ShapeError } from '../errors.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** The f32 scale src/dst that both the shader and this reference use. */
export function resampleScale(src: number, dst: number): number {
  return Math.fround(src / dst);
}

function checkSizes(h: number, w: number, oh: number, ow: number): void {
  if (h < 1 || w < 1) throw new ShapeError(`cannot resample an empty image ${h}×${w}`);
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new ShapeError(`output size must be positive integers, got ${oh}×${ow}`);
  }
}

/**
 * A window of the full-size output: rows [y0, y0 + height), columns [x0, x0 + width). Pixels
 * outside it are not computed (the pyramid keeps only the region it needs).
 */
export interface OutputWindow {
  y0: number;
  x0: number;
  height: number;
  width: number;
}

function fullWindow(outH: number, outW: number, window?: OutputWindow): OutputWindow {
  return window ?? { y0: 0, x0: 0, height: outH, width: outW };
}

export function upsampleNearest(src: Planar, outH: number, outW: number, window?: OutputWindow): Planar {
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'resample input');
  checkSizes(h, w, outH, outW);
  const sh = resampleScale(h, outH);
  const sw = resampleScale(w, outW);
  const win = fullWindow(outH, outW, window);
  const out = planar([...src.shape.slice(0, -2), win.height, win.width]);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < win.height; y++) {
      const sy = Math.min(Math.floor(Math.fround((y + win.y0) * sh)), h - 1);
      for (let x = 0; x < win.width; x++) {
        const sx = Math.min(Math.floor(Math.fround((x + win.x0) * sw)), w - 1);
        out.data[(p * win.height + y) * win.width + x] = src.data[(p * h + sy) * w + sx];
      }
    }
  }
  return out;
}

function sourceCoordinate(dst: number, scale: number, size: number): { i0: number; i1: number; lambda: number } {
  const r = Math.max(Math.fround(Math.fround(scale * Math.fround(dst + 0.5)) - 0.5), 0);
  const i0 = Math.min(Math.floor(r), size - 1);
  const i1 = Math.min(i0 + 1, size - 1);
  const lambda = Math.min(Math.max(Math.fround(r - i0), 0), 1);
  return { i0, i1, lambda };
}

export function upsampleBilinear(src: Planar, outH: number, outW: number, window?: OutputWindow): Planar {
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'resample input');
  checkSizes(h, w, outH, outW);
  const sh = resampleScale(h, outH);
  const sw = resampleScale(w, outW);
  const win = fullWindow(outH, outW, window);
  const out = planar([...src.shape.slice(0, -2), win.height, win.width]);
  const f = Math.fround;
  const cols = Array.from({ length: win.width }, (_, x) => sourceCoordinate(x + win.x0, sw, w));
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < win.height; y++) {
      const { i0: y0, i1: y1, lambda: ly } = sourceCoordinate(y + win.y0, sh, h);
      for (let x = 0; x < win.width; x++) {
        const { i0: x0, i1: x1, lambda: lx } = cols[x];
        const top = f(f(f(1 - lx) * src.data[base + y0 * w + x0]) + f(lx * src.data[base + y0 * w + x1]));
        const bottom = f(f(f(1 - lx) * src.data[base + y1 * w + x0]) + f(lx * src.data[base + y1 * w + x1]));
        out.data[(p * win.height + y) * win.width + x] = f(f(f(1 - ly) * top) + f(ly * bottom));
      }
    }
  }
  return out;
}
