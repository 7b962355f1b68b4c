/**
 * Writing results as files a person and other tools can open:
 * - labels: 8-bit PNG for one plane with class values ≤ 255; otherwise TIFF (one page per Z
 *   plane), 8-bit while values fit, 16-bit up to 65535;
 * - float stacks (probabilities [K, …], features [F, …]): float32 TIFF, one page per leading
 *   index, with tifffile's shape description so Python gets the array back with its shape;
 * - RGB pictures (overlays): 8-bit PNG.
 * The encoders are pure; `writeAtomic` puts bytes on disk through a temporary file and a rename.
 */
import { encode as encodePng } from 'fast-png';
import { ValueError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeTiff, shapedDescription } from './tiff-write.js';
import type { TiffPage } from './tiff-write.js';

/** An encoded file and the extension its format needs (`.png`, or `.tif` for stacks and values > 255). */
export interface EncodedFile {
  bytes: Uint8Array;
  /** File name extension including the dot: `.png` or `.tif`. */
  ext: '.png' | '.tif';
}

/** Labels [H, W] or [Z, H, W] (non-negative integers) → PNG or TIFF bytes, as described above. */
export function encodeLabels(labels: { data: ArrayLike<number>; shape: readonly number[] }): EncodedFile {
  const { data, shape } = labels;
  if (shape.length !== 2 && shape.length !== 3) throw new ValueError(`labels must be [H,W] or [Z,H,W], got [${shape.join(',')}]`);
  const [h, w] = shape.slice(-2);
  const planes = shape.length === 3 ? shape[0] : 1;
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`labels must be non-negative integers; found ${v}`);
    if (v > max) max = v;
  }
  if (max > 65535) throw new ValueError(`label value ${max} does not fit 16 bits; image formats here store at most 65535`);
  const wide = max > 255;
  const typed = wide ? Uint16Array.from(data) : Uint8Array.from(data);
  if (planes === 1 && !wide) return { bytes: encodePng({ width: w, height: h, data: typed, depth: 8, channels: 1 }), ext: '.png' };
  const pages: TiffPage[] = [];
  for (let z = 0; z < planes; z++) pages.push({ width: w, height: h, data: typed.subarray(z * h * w, (z + 1) * h * w) });
  return { bytes: encodeTiff(pages, { description: shapedDescription(shape) }), ext: '.tif' };
}

/**
 * A float stack [A, …, H, W] → float32 TIFF with one page per H×W plane, in row-major order of the
 * leading axes (for [K, Z, H, W]: all Z planes of class 0, then of class 1, …). `extra` keys go
 * into the JSON description next to the shape (e.g. the class values).
 */
export function encodeFloatStack(stack: { data: Float32Array; shape: readonly number[] }, extra: Record<string, unknown> = {}): Uint8Array {
  const { data, shape } = stack;
  if (shape.length < 2) throw new ValueError(`a float stack needs at least [H, W], got [${shape.join(',')}]`);
  const [h, w] = shape.slice(-2);
  const plane = h * w;
  if (data.length % plane !== 0 || data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new ValueError(`${data.length} values do not fill shape [${shape.join(',')}]`);
  }
  const pages: TiffPage[] = [];
  for (let p = 0; p < data.length / plane; p++) pages.push({ width: w, height: h, data: data.subarray(p * plane, (p + 1) * plane) });
  return encodeTiff(pages, { description: shapedDescription(shape, extra) });
}

/** Interleaved 8-bit RGB → PNG bytes. */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length !== width * height * 3) throw new ValueError(`${rgb.length} bytes are not ${height}×${width} RGB`);
  return encodePng({ width, height, data: rgb, depth: 8, channels: 3 });
}

/** Writes bytes atomically (temporary file + rename): a reader never sees half a file. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, bytes);
}
