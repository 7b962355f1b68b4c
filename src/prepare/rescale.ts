/**
 * `image_downsample` (REFERENCE.md §4.4), applied after normalisation and before padding:
 * f = |value|; −1, 0, 1 do nothing. Positive f > 1: pad H and W up to multiples of f (split
 * top/bottom with the extra pixel at the bottom/right; images reflect-padded, labels with 0),
 * then images by block means and labels by the block's most frequent value, zeros included, ties
 * to the smaller value (so thin scribbles can vanish, as in the reference). Negative: every pixel
 * replicated f×f.
 */
import { blockMeanDownsample } from '../reference/downsample.js';
import { reflectPad, zeroPad } from '../reference/pad.js';
import type { Pads } from '../reference/pad.js';

export function rescaleFactor(imageDownsample: number | null): number {
  const v = imageDownsample ?? 1;
  return Math.abs(v) <= 1 ? 1 : v;
}

/** Pads splitting the remainder to a multiple of f, extra pixel at the bottom/right. */
export function blockPads(h: number, w: number, f: number): Pads {
  const ph = Math.ceil(h / f) * f - h;
  const pw = Math.ceil(w / f) * f - w;
  return { top: Math.floor(ph / 2), bottom: ph - Math.floor(ph / 2), left: Math.floor(pw / 2), right: pw - Math.floor(pw / 2) };
}

function replicate<T extends Float32Array | Int32Array>(data: T, planes: number, h: number, w: number, f: number, make: (n: number) => T): T {
  const out = make(planes * h * f * w * f);
  const ow = w * f;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h * f; y++) {
      const sy = Math.floor(y / f);
      for (let x = 0; x < ow; x++) out[(p * h * f + y) * ow + x] = data[(p * h + sy) * w + Math.floor(x / f)];
    }
  }
  return out;
}

/** Rescales a normalised image [..., H, W]; returns data and its new H, W. */
export function rescaleImage(data: Float32Array, shape: readonly number[], value: number | null): { data: Float32Array; shape: number[] } {
  const f = rescaleFactor(value);
  const [h, w] = shape.slice(-2);
  const lead = shape.slice(0, -2);
  const planes = lead.reduce((a, b) => a * b, 1);
  if (f === 1) return { data, shape: [...shape] };
  if (f < 0) {
    const g = -f;
    return { data: replicate(data, planes, h, w, g, (n) => new Float32Array(n)), shape: [...lead, h * g, w * g] };
  }
  const padded = reflectPad({ data, shape: [...shape] }, blockPads(h, w, f));
  const down = blockMeanDownsample(padded, f);
  return { data: down.data, shape: down.shape };
}

/** Rescales labels [Z, H, W] the same way (mode of each block, zeros included, ties → smaller). */
export function rescaleLabels(data: Int32Array, shape: readonly [number, number, number], value: number | null): { data: Int32Array; shape: [number, number, number] } {
  const f = rescaleFactor(value);
  const [z, h, w] = shape;
  if (f === 1) return { data, shape: [...shape] as [number, number, number] };
  if (f < 0) {
    const g = -f;
    return { data: replicate(data, z, h, w, g, (n) => new Int32Array(n)), shape: [z, h * g, w * g] };
  }
  const pads = blockPads(h, w, f);
  const padded = zeroPad({ data: Float32Array.from(data), shape: [z, h, w] }, pads);
  const [ph, pw] = [h + pads.top + pads.bottom, w + pads.left + pads.right];
  const oh = ph / f;
  const ow = pw / f;
  const out = new Int32Array(z * oh * ow);
  const counts = new Map<number, number>();
  for (let p = 0; p < z; p++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        counts.clear();
        for (let dy = 0; dy < f; dy++) {
          for (let dx = 0; dx < f; dx++) {
            const v = padded.data[(p * ph + y * f + dy) * pw + x * f + dx];
            counts.set(v, (counts.get(v) ?? 0) + 1);
          }
        }
        let best = -1;
        let bestCount = -1;
        for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v < best)) [best, bestCount] = [v, c];
        out[(p * oh + y) * ow + x] = best;
      }
    }
  }
  return { data: out, shape: [z, oh, ow] };
}
