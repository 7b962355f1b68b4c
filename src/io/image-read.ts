/**
 * Reading PNG and TIFF files into the engine's image type `{ data: TypedArray, shape }`, with the
 * dimension order the reference expects (REFERENCE.md §4.1) and the napari widget produces:
 *
 * | file | shape |
 * | --- | --- |
 * | PNG grey (± alpha), TIFF one page, one sample | [H, W] |
 * | PNG RGB / RGBA, TIFF one page RGB(A) | [3, H, W] — channel first, alpha dropped (as napari's RGB layers) |
 * | TIFF with P pages of one sample | [P, H, W] — Z or C, decided later by the model's channel_mode |
 * | TIFF with P pages of RGB | [3, P, H, W] |
 * | TIFF written with a shape (tifffile's JSON, or ImageJ's channels=/slices=) | that shape ([C, Z, H, W] for ImageJ) |
 *
 * Samples keep their type (uint8, uint16, int16, float32, float64), because normalisation depends
 * on it. Decoding goes through `fast-png` and `tiff` (image-js); any failure becomes an
 * `ImageFormatError` whose one-line message names the file.
 */
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import type { DecodedPng } from 'fast-png';
import { decode as decodeTiff } from 'tiff';
import type { TiffIfd } from 'tiff';
import { ConvpaintError } from '../errors.js';
import { readFailure, readFileBytes } from './read-file.js';

/** A file that cannot be read as an image: missing, unsupported, corrupt or inconsistent. */
export class ImageFormatError extends ConvpaintError {}

/** The sample types images are decoded into (kept as in the file: normalisation depends on them). */
export type PixelArray = Uint8Array | Uint16Array | Int8Array | Int16Array | Float32Array | Float64Array;

/** An n-dimensional image in numpy (row-major) order. */
export interface ImageArray {
  data: PixelArray;
  shape: number[];
}

/** A decoded image with what the file said about it. */
export interface DecodedImage extends ImageArray {
  format: 'png' | 'tiff';
  /** Bits per sample in the file. */
  bitDepth: number;
  /** Pages (TIFF) or 1 (PNG). */
  pages: number;
  /** Colour samples per pixel kept (1 or 3), alpha not counted. */
  samples: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

/** The format a file's first bytes announce, or null. */
export function sniffFormat(bytes: Uint8Array): 'png' | 'tiff' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  const ii = bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0;
  const mm = bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42;
  return ii || mm ? 'tiff' : null;
}

/** File name extensions this module reads (lower case). */
export const IMAGE_EXTENSIONS = ['.png', '.tif', '.tiff'];

/** Decodes PNG or TIFF bytes (the format is taken from the bytes, not the name). */
export function decodeImage(bytes: Uint8Array, name = 'image'): DecodedImage {
  const format = sniffFormat(bytes);
  if (format === null) {
    throw new ImageFormatError(`${name}: not a PNG or TIFF file (unsupported format or corrupt header); convert it to PNG or TIFF`);
  }
  try {
    return format === 'png' ? fromPng(decodePng(bytes), 'image') : fromTiff(bytes);
  } catch (error) {
    if (error instanceof ImageFormatError) throw new ImageFormatError(`${name}: ${error.message}`);
    throw new ImageFormatError(`${name}: cannot decode this ${format.toUpperCase()} file (${oneLine(error)})`);
  }
}

/**
 * Decodes a label image (scribbles, ground truth): one sample per pixel, [H, W] or [Z, H, W].
 * Palette PNGs give their indices (the way label editors store classes).
 */
export function decodeLabels(bytes: Uint8Array, name = 'labels'): ImageArray {
  const format = sniffFormat(bytes);
  if (format === null) throw new ImageFormatError(`${name}: not a PNG or TIFF file (unsupported format or corrupt header)`);
  let img: DecodedImage;
  try {
    img = format === 'png' ? fromPng(decodePng(bytes), 'labels') : fromTiff(bytes);
  } catch (error) {
    if (error instanceof ImageFormatError) throw new ImageFormatError(`${name}: ${error.message}`);
    throw new ImageFormatError(`${name}: cannot decode this ${format.toUpperCase()} file (${oneLine(error)})`);
  }
  if (img.samples !== 1 || img.shape.length > 3) {
    throw new ImageFormatError(`${name}: a label image must have one value per pixel, but this file has ${img.samples} colour samples (shape [${img.shape.join(',')}]); save the labels as a greyscale or palette image`);
  }
  return { data: img.data, shape: img.shape };
}

/** Reads and decodes an image file (Node). */
export async function readImageFile(path: string): Promise<DecodedImage> {
  return decodeImage(await readBytes(path), path);
}

/** Reads and decodes a label file (Node). */
export async function readLabelsFile(path: string): Promise<ImageArray> {
  return decodeLabels(await readBytes(path), path);
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFileBytes(path, 'image');
  } catch (error) {
    throw new ImageFormatError(`${path}: cannot read (${readFailure((error as Error).cause ?? error)})`);
  }
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

// ------------------------------------------------------------------------------------------ PNG

function fromPng(png: DecodedPng, role: 'image' | 'labels'): DecodedImage {
  const { width: w, height: h } = png;
  let channels = png.channels;
  let data: Uint8Array | Uint16Array = png.data instanceof Uint16Array ? png.data : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  let depth: number = png.depth;
  if (depth < 8) {
    data = unpackBits(data as Uint8Array, w, h, channels, depth, png.palette === undefined);
    depth = 8;
  }
  if (png.palette) {
    if (role === 'labels') return { data, shape: [h, w], format: 'png', bitDepth: png.depth, pages: 1, samples: 1 };
    // An image stored with a palette: its colours are what a person sees.
    const rgb = convertIndexedToRgb({ ...png, data, depth: 8 });
    data = new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length);
    channels = rgb.length / (w * h);
  }
  const plane = w * h;
  if (channels === 1) return { data, shape: [h, w], format: 'png', bitDepth: depth, pages: 1, samples: 1 };
  if (channels === 2) {
    // grey + alpha: the alpha is dropped, as napari does for display data.
    const out = new (data.constructor as new (n: number) => Uint8Array | Uint16Array)(plane);
    for (let i = 0; i < plane; i++) out[i] = data[2 * i];
    return { data: out, shape: [h, w], format: 'png', bitDepth: depth, pages: 1, samples: 1 };
  }
  return { data: planarRgb(data, w, h, channels), shape: [3, h, w], format: 'png', bitDepth: depth, pages: 1, samples: 3 };
}

/** Interleaved RGB(A) → planar [3, H, W] (alpha dropped). */
function planarRgb<T extends PixelArray>(data: T, w: number, h: number, channels: number): T {
  const plane = w * h;
  const out = new (data.constructor as new (n: number) => T)(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = data[i * channels];
    out[plane + i] = data[i * channels + 1];
    out[2 * plane + i] = data[i * channels + 2];
  }
  return out;
}

/** fast-png returns 1/2/4-bit rows packed; spread them to one byte per sample (grey scaled to 0..255). */
function unpackBits(packed: Uint8Array, w: number, h: number, channels: number, depth: number, scale: boolean): Uint8Array {
  const perRow = Math.ceil((w * channels * depth) / 8);
  const out = new Uint8Array(w * h * channels);
  const max = 2 ** depth - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w * channels; x++) {
      const bit = x * depth;
      const byte = packed[y * perRow + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * w * channels + x] = scale ? Math.round((v * 255) / max) : v;
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------------- TIFF

function fromTiff(bytes: Uint8Array): DecodedImage {
  // Reduced-resolution pages (pyramids, thumbnails) have bit 0 of NewSubfileType set: not data.
  const pages = decodeTiff(bytes).filter((p) => (p.newSubfileType & 1) === 0);
  if (pages.length === 0) throw new ImageFormatError('the TIFF has no full-resolution page');
  const first = pages[0];
  const w = first.width;
  const h = first.height;
  const bits = first.bitsPerSample;
  const spp = first.samplesPerPixel;
  for (const [i, p] of pages.entries()) {
    if (p.width !== w || p.height !== h || p.samplesPerPixel !== spp || p.bitsPerSample !== bits) {
      throw new ImageFormatError(`TIFF page ${i} is ${p.width}×${p.height}×${p.samplesPerPixel} at ${p.bitsPerSample} bits but page 0 is ${w}×${h}×${spp} at ${bits} bits; pages of a stack must agree`);
    }
    if (p.planarConfiguration === 2 && spp > 1) throw new ImageFormatError('planar-configuration TIFF pages (one plane per sample) are not supported; save with interleaved samples');
  }
  // Colour samples: RGB (dropping alpha/extra samples) or one grey sample (dropping alpha).
  const colour = first.type === 2 && spp >= 3 ? 3 : 1;
  if (colour === 1 && spp > 2) {
    throw new ImageFormatError(`a TIFF page with ${spp} samples per pixel that are not RGB is not supported; save channels as pages`);
  }
  const plane = w * h;
  const n = pages.length;
  const sample = (p: TiffIfd): PixelArray => signedView(p.data, p.sampleFormat, bits);
  const proto = sample(first);
  const Ctor = proto.constructor as new (n: number) => PixelArray;
  const data = new Ctor(colour * n * plane);
  pages.forEach((p, z) => {
    const src = sample(p);
    if (src.length < plane * spp) throw new ImageFormatError(`TIFF page ${z} holds ${src.length} samples, fewer than ${plane * spp}`);
    if (spp === 1) {
      data.set(src.subarray(0, plane) as never, z * plane);
      return;
    }
    for (let c = 0; c < colour; c++) {
      const base = (c * n + z) * plane;
      for (let i = 0; i < plane; i++) data[base + i] = src[i * spp + c];
    }
  });
  const info = { format: 'tiff' as const, bitDepth: bits, pages: n, samples: colour };
  if (colour === 3) return { data, shape: n === 1 ? [3, h, w] : [3, n, h, w], ...info };
  const described = describedShape(first.imageDescription, n, h, w);
  if (described) return { data: described.transposeZC ? zcToCz(data, described.shape) : data, shape: described.shape, ...info };
  return { data, shape: n === 1 ? [h, w] : [n, h, w], ...info };
}

/** The decoder returns 8/16-bit samples as unsigned; SampleFormat 2 means they are signed. */
function signedView(data: TiffIfd['data'], sampleFormat: number, bits: number): PixelArray {
  if (sampleFormat === 2 && bits === 8) return new Int8Array(data.buffer, data.byteOffset, data.length);
  if (sampleFormat === 2 && bits === 16) return new Int16Array(data.buffer, data.byteOffset, data.length);
  return data;
}

/**
 * A shape recorded in the first page's description: tifffile's JSON `{"shape": [...]}` (in page
 * order) or ImageJ's `channels=`/`slices=` (pages in Z-then-C order, which we transpose to
 * [C, Z, H, W]). Ignored unless it accounts for exactly the pages present.
 */
function describedShape(description: string | undefined, pages: number, h: number, w: number): { shape: number[]; transposeZC: boolean } | null {
  if (!description) return null;
  const text = description.trim();
  if (text.startsWith('{')) {
    try {
      const shape = (JSON.parse(text) as { shape?: unknown }).shape;
      if (Array.isArray(shape) && shape.length >= 2 && shape.length <= 4 && shape.every((d) => Number.isInteger(d) && d > 0)) {
        const dims = [...(shape as number[])];
        const lead = dims.slice(0, -2).reduce((a, b) => a * b, 1);
        if (dims[dims.length - 2] === h && dims[dims.length - 1] === w && lead === pages) {
          // Leading singleton axes carry no information ([1, Z, H, W] is a Z stack).
          while (dims.length > 2 && dims[0] === 1) dims.shift();
          return { shape: dims, transposeZC: false };
        }
      }
    } catch {
      // not JSON after all: fall through to the plain page count
    }
    return null;
  }
  if (text.startsWith('ImageJ=')) {
    const field = (key: string) => Number(new RegExp(`(?:^|\\n)${key}=(\\d+)`).exec(text)?.[1] ?? 1);
    const c = field('channels');
    const z = field('slices') * field('frames');
    if (c > 1 && c * z === pages) return { shape: z === 1 ? [c, h, w] : [c, z, h, w], transposeZC: z > 1 };
  }
  return null;
}

/** Pages stored Z-major with C fastest ([Z, C, H, W]) → [C, Z, H, W]. */
function zcToCz(data: PixelArray, shape: number[]): PixelArray {
  const [c, z, h, w] = shape;
  const plane = h * w;
  const out = new (data.constructor as new (n: number) => PixelArray)(data.length);
  for (let zi = 0; zi < z; zi++) {
    for (let ci = 0; ci < c; ci++) out.set(data.subarray((zi * c + ci) * plane, (zi * c + ci + 1) * plane) as never, (ci * z + zi) * plane);
  }
  return out;
}
