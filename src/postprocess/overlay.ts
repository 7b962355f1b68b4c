/**
 * A picture a person can look at: the image (contrast-stretched to 8 bits), the segmentation as
 * translucent class colours over it, and, when given, the scribbles drawn opaque with a dark
 * outline. Stacks become one picture with the Z planes one below the other.
 *
 * Class colours follow the position of a value among the model's classes (ascending), so the
 * same class gets the same colour in every picture of a batch.
 */
import { ValueError } from '../errors.js';
import { prepareImageDims } from '../prepare/dims.js';
import type { ChannelMode } from '../prepare/dims.js';
import type { ImageArray } from '../io/image-read.js';

/** Interleaved 8-bit RGB. */
export interface RgbPicture {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Class colours in class order: a set of well-separated colours (after Sasha Trubetskoy's list of
 * 20 distinct colours), bright enough to read over grey images.
 */
export const CLASS_COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [220, 190, 255],
  [170, 110, 40],
  [255, 250, 200],
  [128, 0, 0],
  [170, 255, 195],
];

/** How an overlay picture is drawn. */
export interface OverlayOptions {
  /** Opacity of the segmentation colours (default 0.45). */
  alpha?: number;
  /** Scribbles with the segmentation's shape (0 = none), drawn opaque. */
  scribbles?: { data: ArrayLike<number>; shape: readonly number[] };
}

/**
 * The image as RGB planes, one per Z: one channel → grey; two → magenta/green; three or more →
 * the first three as R, G, B. 8-bit data are shown as they are; anything else is stretched
 * between its 0.5th and 99.5th percentile per channel (over the whole stack).
 */
export function displayPlanes(image: ImageArray, channelMode: ChannelMode): RgbPicture[] {
  const [img] = prepareImageDims([{ data: image.data, shape: image.shape }], channelMode).images;
  const [c, z, h, w] = img.shape;
  const plane = h * w;
  const channelBytes: Uint8Array[] = [];
  for (let ch = 0; ch < Math.min(c, 3); ch++) channelBytes.push(toBytes(img.data.subarray(ch * z * plane, (ch + 1) * z * plane) as ArrayLike<number>, img.data instanceof Uint8Array));
  const source = c === 1 ? [0, 0, 0] : c === 2 ? [0, 1, 0] : [0, 1, 2];
  const out: RgbPicture[] = [];
  for (let zi = 0; zi < z; zi++) {
    const data = new Uint8Array(plane * 3);
    for (let i = 0; i < plane; i++) for (let k = 0; k < 3; k++) data[i * 3 + k] = channelBytes[source[k]][zi * plane + i];
    out.push({ data, width: w, height: h });
  }
  return out;
}

function toBytes(values: ArrayLike<number>, isUint8: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  if (isUint8) {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }
  const [lo, hi] = percentiles(values, 0.005, 0.995);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - lo) * scale))) : 0;
  }
  return out;
}

/** Approximate percentiles from at most ~1M evenly spaced samples (exact for smaller inputs). */
function percentiles(values: ArrayLike<number>, pLow: number, pHigh: number): [number, number] {
  const step = Math.max(1, Math.floor(values.length / 1_000_000));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return [0, 0];
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  return [at(pLow), at(pHigh)];
}

/**
 * Image + translucent class colours (+ scribbles): `labels` is [H, W] or [Z, H, W] and must match
 * the image's planes; `classes` are the model's class values in ascending order.
 */
export function overlayPicture(image: ImageArray, channelMode: ChannelMode, labels: { data: ArrayLike<number>; shape: readonly number[] }, classes: readonly number[], options: OverlayOptions = {}): RgbPicture {
  const planes = displayPlanes(image, channelMode);
  const { width: w, height: h } = planes[0];
  const z = planes.length;
  const expected = z === 1 ? [h, w] : [z, h, w];
  const shapeOf = (s: readonly number[]) => (s.length === 3 && s[0] === 1 && z === 1 ? s.slice(1) : [...s]);
  if (shapeOf(labels.shape).join(',') !== expected.join(',')) {
    throw new ValueError(`overlay: labels [${labels.shape.join(',')}] do not match the image planes [${expected.join(',')}]`);
  }
  if (options.scribbles && shapeOf(options.scribbles.shape).join(',') !== expected.join(',')) {
    throw new ValueError(`overlay: scribbles [${options.scribbles.shape.join(',')}] do not match the image planes [${expected.join(',')}]`);
  }
  const alpha = options.alpha ?? 0.45;
  const colourOf = new Map<number, readonly [number, number, number]>();
  classes.forEach((value, i) => colourOf.set(value, CLASS_COLOURS[i % CLASS_COLOURS.length]));
  const unknown = [255, 255, 255] as const; // a value the model does not know (only in scribbles)

  const plane = w * h;
  const out = new Uint8Array(plane * z * 3);
  planes.forEach((pic, zi) => {
    const base = zi * plane;
    for (let i = 0; i < plane; i++) {
      const colour = colourOf.get(labels.data[base + i]);
      for (let k = 0; k < 3; k++) {
        const v = pic.data[i * 3 + k];
        out[(base + i) * 3 + k] = colour ? Math.round((1 - alpha) * v + alpha * colour[k]) : v;
      }
    }
    const scribbles = options.scribbles?.data;
    if (!scribbles) return;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = base + y * w + x;
        const s = scribbles[i];
        let paint: readonly number[] | null = null;
        if (s > 0) paint = colourOf.get(s) ?? unknown;
        else if ((x > 0 && scribbles[i - 1] > 0) || (x + 1 < w && scribbles[i + 1] > 0) || (y > 0 && scribbles[i - w] > 0) || (y + 1 < h && scribbles[i + w] > 0)) {
          paint = [20, 20, 20]; // outline, so strokes stand out from the tint of their own class
        }
        if (paint) for (let k = 0; k < 3; k++) out[i * 3 + k] = paint[k];
      }
    }
  });
  return { data: out, width: w, height: h * z };
}

/** Box-mean reduction by an integer factor (edges: partial boxes are averaged over what exists). */
export function downscalePicture(pic: RgbPicture, factor: number): RgbPicture {
  if (!Number.isInteger(factor) || factor < 1) throw new ValueError(`downscale factor must be a positive integer, got ${factor}`);
  const w = Math.ceil(pic.width / factor);
  const h = Math.ceil(pic.height / factor);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let yy = y * factor; yy < Math.min(pic.height, (y + 1) * factor); yy++) {
        for (let xx = x * factor; xx < Math.min(pic.width, (x + 1) * factor); xx++) {
          for (let k = 0; k < 3; k++) sum[k] += pic.data[(yy * pic.width + xx) * 3 + k];
          n++;
        }
      }
      for (let k = 0; k < 3; k++) out[(y * w + x) * 3 + k] = Math.round(sum[k] / n);
    }
  }
  return { data: out, width: w, height: h };
}
