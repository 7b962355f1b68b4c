/**
 * Opening images: PNG and TIFF with the library's decoder (`decodeImage`: 8/16-bit PNG, palette,
 * grey or colour; TIFF 8/16/32-bit, multi-page stacks, recorded shapes), anything else the
 * browser decodes (JPEG, WebP…) through createImageBitmap. The result is planar, as the model
 * wants it: per Z plane [H,W] for grey or [C,H,W] for colour/multichannel. Alpha is dropped
 * (napari strips it for RGB layers too).
 */
import { decodeImage, sniffFormat } from 'convpaint-webgpu';
import type { DecodedImage } from 'convpaint-webgpu';
import type { ChannelMode, PixelArray, PlaneImage } from './protocol';

export interface OpenedImage {
  name: string;
  width: number;
  height: number;
  channels: number;
  channelMode: ChannelMode;
  /** One entry per Z plane (a TIFF stack has several; the page shows a slider). */
  planes: PlaneImage[];
  bitDepth: number;
  /** Display range per channel (the model normalises by itself; this is only for the eye). */
  range: Array<[number, number]>;
}

export async function openImageFile(file: File): Promise<OpenedImage> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return openImageBytes(bytes, file.name);
}

export async function openImageBytes(bytes: Uint8Array, name: string): Promise<OpenedImage> {
  if (sniffFormat(bytes) === null) return fromBrowserDecoder(bytes, name);
  return fromDecoded(decodeImage(bytes, name), name);
}

/**
 * The decoder's numpy-order array → planes: [H,W] grey; [3,H,W] one RGB page; [P,H,W] pages of
 * one sample, shown as a Z stack; [C,Z,H,W] (RGB pages, ImageJ hyperstacks) C channels × Z planes.
 */
function fromDecoded(img: DecodedImage, name: string): OpenedImage {
  const s = img.shape;
  const [h, w] = s.slice(-2);
  const [c, z] = s.length === 2 ? [1, 1] : s.length === 3 ? (img.pages === 1 && img.samples === 3 ? [3, 1] : [1, s[0]]) : [s[0], s[1]];
  const data = img.data instanceof Uint8Array || img.data instanceof Uint16Array || img.data instanceof Float32Array ? img.data : Float32Array.from(img.data);
  const n = h * w;
  const planes: PixelArray[] = [];
  for (let zz = 0; zz < z; zz++) {
    if (z === 1) {
      planes.push(data);
      continue;
    }
    const plane = new (data.constructor as new (len: number) => PixelArray)(c * n);
    for (let ch = 0; ch < c; ch++) plane.set(data.subarray((ch * z + zz) * n, (ch * z + zz + 1) * n), ch * n);
    planes.push(plane);
  }
  return finish(name, w, h, c, planes, img.bitDepth);
}

/** Interleaved pixels (c per pixel, keeping the first `keep`) → planar [keep,H,W]. */
function toPlanar(src: ArrayLike<number>, n: number, c: number, keep: number, make: (len: number) => PixelArray): PixelArray {
  const out = make(keep * n);
  for (let ch = 0; ch < keep; ch++) {
    const base = ch * n;
    for (let i = 0; i < n; i++) out[base + i] = src[i * c + ch];
  }
  return out;
}

async function fromBrowserDecoder(bytes: Uint8Array, name: string): Promise<OpenedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  } catch {
    throw new Error(`${name}: not an image this page can read (PNG, TIFF, or what the browser decodes: JPEG, WebP, …)`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  const rgba = g.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const n = bitmap.width * bitmap.height;
  const planar = toPlanar(rgba, n, 4, 3, (len) => new Uint8Array(len));
  return finish(name, bitmap.width, bitmap.height, 3, [planar], 8);
}

function finish(name: string, width: number, height: number, channels: number, data: PixelArray[], bitDepth: number): OpenedImage {
  // Three channels are shown and modelled as RGB (as napari does for RGB layers); 2 or ≥ 4
  // channels are a multichannel image.
  const channelMode: ChannelMode = channels === 1 ? 'single' : channels === 3 ? 'rgb' : 'multi';
  const shape = channels === 1 ? [height, width] : [channels, height, width];
  const planes = data.map((d) => ({ data: d, shape }));
  return { name, width, height, channels, channelMode, planes, bitDepth, range: displayRange(data, channels, width * height, bitDepth) };
}

/** 8-bit images show as they are; deeper ones are stretched to the 0.1–99.9 % percentiles. */
function displayRange(planes: PixelArray[], channels: number, n: number, bitDepth: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let ch = 0; ch < channels; ch++) {
    if (bitDepth <= 8 && !(planes[0] instanceof Float32Array)) {
      ranges.push([0, 255]);
      continue;
    }
    // A strided sample of up to ~200k values over all planes is plenty for percentiles.
    const total = planes.length * n;
    const step = Math.max(1, Math.floor(total / 200_000));
    const sample: number[] = [];
    for (let j = 0; j < total; j += step) {
      const v = planes[Math.floor(j / n)][ch * n + (j % n)];
      if (Number.isFinite(v)) sample.push(v);
    }
    sample.sort((a, b) => a - b);
    const lo = sample[Math.floor(sample.length * 0.001)] ?? 0;
    let hi = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.999))] ?? 1;
    if (hi <= lo) hi = lo + 1;
    ranges.push([lo, hi]);
  }
  return ranges;
}

/** RGBA for display of one plane (grey for 1 channel, RGB for 3, the first channel for multi). */
export function planeToRgba(image: OpenedImage, z: number): ImageData {
  const { width, height, channels, range } = image;
  const n = width * height;
  const src = image.planes[z].data;
  const out = new ImageData(width, height);
  const px = out.data;
  const shown = channels === 3 ? 3 : 1;
  for (let ch = 0; ch < shown; ch++) {
    const [lo, hi] = range[ch];
    const scale = 255 / (hi - lo);
    const base = ch * n;
    for (let i = 0; i < n; i++) {
      const v = (src[base + i] - lo) * scale;
      const b = v < 0 ? 0 : v > 255 ? 255 : v;
      if (shown === 1) {
        px[i * 4] = b;
        px[i * 4 + 1] = b;
        px[i * 4 + 2] = b;
      } else {
        px[i * 4 + ch] = b;
      }
    }
  }
  for (let i = 0; i < n; i++) px[i * 4 + 3] = 255;
  return out;
}
