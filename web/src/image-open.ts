/**
 * Opening images: PNG (8/16-bit, palette, grey or colour) with fast-png, TIFF (8/16/32-bit,
 * multi-page stacks) with `tiff`, anything else the browser decodes (JPEG, WebP…) through
 * createImageBitmap. The result is planar, as the library wants it: per plane [H,W] for grey or
 * [C,H,W] for colour/multichannel. Alpha is dropped (napari strips it for RGB layers too).
 */
import { convertIndexedToRgb, decode as decodePng } from 'fast-png';
import type { DecodedPng } from 'fast-png';
import { decode as decodeTiff } from 'tiff';
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
  if (isPng(bytes)) return fromPng(decodePng(bytes), name);
  if (isTiff(bytes)) return fromTiff(bytes, name);
  return fromBrowserDecoder(bytes, name);
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isTiff(b: Uint8Array): boolean {
  return b.length > 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 42) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 42));
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

function arrayMaker(sample: PixelArray): (len: number) => PixelArray {
  if (sample instanceof Uint16Array) return (len) => new Uint16Array(len);
  if (sample instanceof Float32Array) return (len) => new Float32Array(len);
  return (len) => new Uint8Array(len);
}

/** Grey PNGs of 1, 2 or 4 bits arrive packed: one byte per pixel, scaled to 0..255. */
function unpackBits(data: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * width + x] = Math.round((v * 255) / max);
    }
  }
  return out;
}

function fromPng(png: DecodedPng, name: string): OpenedImage {
  const { width, height } = png;
  const n = width * height;
  let data: PixelArray;
  let c = png.channels;
  let depth: number = png.depth;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    c = png.transparency ? 4 : 3;
    depth = 8;
  } else if (depth < 8) {
    data = unpackBits(png.data as Uint8Array, width, height, depth);
    depth = 8;
  } else {
    data = png.data instanceof Uint8ClampedArray ? new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) : png.data;
  }
  // Grey+alpha → grey, RGBA → RGB.
  const keep = c === 2 ? 1 : c === 4 ? 3 : c;
  const planar = keep === c && c === 1 ? data : toPlanar(data, n, c, keep, arrayMaker(data));
  return finish(name, width, height, keep, [planar], depth);
}

function fromTiff(bytes: Uint8Array, name: string): OpenedImage {
  // Reduced-resolution pages (thumbnails, pyramids) are not planes of the stack.
  const pages = decodeTiff(bytes).filter((p) => (p.newSubfileType & 1) === 0);
  if (pages.length === 0) throw new Error(`${name}: the TIFF holds no full-resolution image`);
  const { width, height } = pages[0];
  const c = pages[0].samplesPerPixel;
  const planes: PixelArray[] = [];
  for (const [i, page] of pages.entries()) {
    if (page.width !== width || page.height !== height || page.samplesPerPixel !== c) {
      throw new Error(`${name}: page ${i + 1} is ${page.width}×${page.height}×${page.samplesPerPixel} but page 1 is ${width}×${height}×${c}; only stacks of equal pages are supported`);
    }
    let data = page.data as PixelArray;
    if (data instanceof Float64Array) data = Float32Array.from(data);
    const keep = page.alpha && c > 1 ? c - 1 : c;
    planes.push(c === 1 ? data : page.planarConfiguration === 2 ? data.slice(0, keep * width * height) : toPlanar(data, width * height, c, keep, arrayMaker(data)));
  }
  const keep = pages[0].alpha && c > 1 ? c - 1 : c;
  return finish(name, width, height, keep, planes, pages[0].bitsPerSample);
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
