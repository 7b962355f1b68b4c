/**
 * A small baseline TIFF writer: uncompressed, little-endian, one strip per page, single- or
 * multi-page, unsigned 8/16-bit or 32-bit float samples, greyscale (or interleaved RGB 8/16-bit).
 *
 * Why our own: the `tiff` package we read with (image-js) has no encoder, and the maintained
 * JavaScript encoders we know of (UTIF.js, geotiff.js's writer) either write 8-bit RGBA only or do
 * not write 16-bit and float32 pages with the sample format set. Labels with more than 255 classes
 * and probability/feature stacks need exactly those, and the format is simple enough to write in a
 * page of code: a header, then per page its pixel bytes and an IFD (tag directory).
 *
 * The first page can carry an ImageDescription. `shapedDescription(shape)` gives the JSON that
 * tifffile writes for its "shaped" series, so Python's `tifffile.imread` reshapes the pages back
 * to e.g. [K, Z, H, W] on its own.
 */
import { ValueError } from '../errors.js';

/** One page: `height × width × samples` values, row-major, samples interleaved. */
export interface TiffPage {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array | Float32Array;
  /** 1 (greyscale, default) or 3 (RGB, 8/16-bit only). */
  samples?: 1 | 3;
}

export interface TiffWriteOptions {
  /** Written on the first page (tag 270). ASCII only. */
  description?: string;
}

const TYPE_BYTE = 1;
const TYPE_ASCII = 2;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_RATIONAL = 5;
const TYPE_SIZE: Record<number, number> = { [TYPE_BYTE]: 1, [TYPE_ASCII]: 1, [TYPE_SHORT]: 2, [TYPE_LONG]: 4, [TYPE_RATIONAL]: 8 };

/** Classic TIFF addresses bytes with 32-bit offsets. */
const MAX_FILE_BYTES = 2 ** 32 - 1;

interface Entry {
  tag: number;
  type: number;
  values: number[] | string;
}

/** The JSON tifffile writes (and reads back) for a "shaped" series, plus optional extra keys. */
export function shapedDescription(shape: readonly number[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ shape: [...shape], ...extra });
}

function sampleInfo(data: TiffPage['data']): { bits: number; format: number } {
  if (data instanceof Uint8Array) return { bits: 8, format: 1 };
  if (data instanceof Uint16Array) return { bits: 16, format: 1 };
  if (data instanceof Float32Array) return { bits: 32, format: 3 };
  throw new ValueError('TIFF pages must be Uint8Array, Uint16Array or Float32Array');
}

/** Encodes pages into TIFF bytes. Every page is checked before anything is written. */
export function encodeTiff(pages: readonly TiffPage[], options: TiffWriteOptions = {}): Uint8Array {
  if (pages.length === 0) throw new ValueError('a TIFF file needs at least one page');
  const description = options.description;
  if (description !== undefined && !/^[\x20-\x7e\n\r\t]*$/.test(description)) {
    throw new ValueError('the TIFF description must be ASCII');
  }

  // Lay out: header (8) | per page: pixel bytes, IFD, out-of-line tag values.
  const layouts = pages.map((page, index) => {
    const samples = page.samples ?? 1;
    const { bits, format } = sampleInfo(page.data);
    if (!Number.isInteger(page.width) || !Number.isInteger(page.height) || page.width < 1 || page.height < 1) {
      throw new ValueError(`TIFF page ${index}: width and height must be positive integers (got ${page.width}×${page.height})`);
    }
    if (samples !== 1 && samples !== 3) throw new ValueError(`TIFF page ${index}: samples must be 1 or 3`);
    if (samples === 3 && format === 3) throw new ValueError(`TIFF page ${index}: RGB pages must be 8- or 16-bit`);
    if (page.data.length !== page.width * page.height * samples) {
      throw new ValueError(`TIFF page ${index}: ${page.data.length} values do not fill ${page.height}×${page.width}×${samples}`);
    }
    const entries: Entry[] = [
      { tag: 254, type: TYPE_LONG, values: [0] }, // NewSubfileType: a full-resolution page
      { tag: 256, type: TYPE_LONG, values: [page.width] },
      { tag: 257, type: TYPE_LONG, values: [page.height] },
      { tag: 258, type: TYPE_SHORT, values: new Array<number>(samples).fill(bits) },
      { tag: 259, type: TYPE_SHORT, values: [1] }, // no compression
      { tag: 262, type: TYPE_SHORT, values: [samples === 3 ? 2 : 1] }, // RGB or BlackIsZero
      ...(index === 0 && description !== undefined ? [{ tag: 270, type: TYPE_ASCII, values: description } as Entry] : []),
      { tag: 273, type: TYPE_LONG, values: [0] }, // StripOffsets, filled in below
      { tag: 277, type: TYPE_SHORT, values: [samples] },
      { tag: 278, type: TYPE_LONG, values: [page.height] }, // one strip holds the whole page
      { tag: 279, type: TYPE_LONG, values: [page.data.byteLength] },
      { tag: 282, type: TYPE_RATIONAL, values: [1, 1] },
      { tag: 283, type: TYPE_RATIONAL, values: [1, 1] },
      { tag: 284, type: TYPE_SHORT, values: [1] }, // interleaved samples
      { tag: 296, type: TYPE_SHORT, values: [1] }, // no resolution unit
      { tag: 339, type: TYPE_SHORT, values: new Array<number>(samples).fill(format) },
    ];
    return { page, entries };
  });

  let offset = 8;
  const placed = layouts.map(({ page, entries }) => {
    const pixelOffset = offset;
    offset += page.data.byteLength;
    offset += offset % 2; // IFDs start on a word boundary
    const ifdOffset = offset;
    offset += 2 + entries.length * 12 + 4;
    const extraOffsets = entries.map((e) => {
      const bytes = entryBytes(e);
      if (bytes <= 4) return -1;
      const at = offset;
      offset += bytes + (bytes % 2);
      return at;
    });
    return { page, entries, pixelOffset, ifdOffset, extraOffsets };
  });
  if (offset > MAX_FILE_BYTES) {
    throw new ValueError(`the TIFF would be ${offset} bytes; classic TIFF stops at 4 GiB (write fewer pages per file)`);
  }

  const out = new Uint8Array(offset);
  const view = new DataView(out.buffer);
  out[0] = 0x49; // "II": little-endian
  out[1] = 0x49;
  view.setUint16(2, 42, true);
  view.setUint32(4, placed[0].ifdOffset, true);

  placed.forEach(({ page, entries, pixelOffset, ifdOffset, extraOffsets }, index) => {
    writePixels(out, pixelOffset, page.data);
    entries.find((e) => e.tag === 273)!.values = [pixelOffset];
    view.setUint16(ifdOffset, entries.length, true);
    entries.forEach((entry, i) => {
      const at = ifdOffset + 2 + i * 12;
      const count = typeof entry.values === 'string' ? entry.values.length + 1 : entry.type === TYPE_RATIONAL ? entry.values.length / 2 : entry.values.length;
      view.setUint16(at, entry.tag, true);
      view.setUint16(at + 2, entry.type, true);
      view.setUint32(at + 4, count, true);
      const valueAt = extraOffsets[i] >= 0 ? extraOffsets[i] : at + 8;
      if (extraOffsets[i] >= 0) view.setUint32(at + 8, extraOffsets[i], true);
      writeValues(view, valueAt, entry);
    });
    const next = index + 1 < placed.length ? placed[index + 1].ifdOffset : 0;
    view.setUint32(ifdOffset + 2 + entries.length * 12, next, true);
  });
  return out;
}

function entryBytes(e: Entry): number {
  const count = typeof e.values === 'string' ? e.values.length + 1 : e.values.length;
  return e.type === TYPE_RATIONAL ? count * 4 : count * TYPE_SIZE[e.type];
}

function writeValues(view: DataView, at: number, e: Entry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(at + i, e.values.charCodeAt(i));
    view.setUint8(at + e.values.length, 0);
    return;
  }
  e.values.forEach((v, i) => {
    if (e.type === TYPE_SHORT) view.setUint16(at + 2 * i, v, true);
    else if (e.type === TYPE_BYTE) view.setUint8(at + i, v);
    else view.setUint32(at + 4 * i, v, true); // LONG, and RATIONAL as numerator/denominator pairs
  });
}

function writePixels(out: Uint8Array, at: number, data: TiffPage['data']): void {
  if (data instanceof Uint8Array) {
    out.set(data, at);
    return;
  }
  // Multi-byte samples are written little-endian whatever the host's order ("II" header).
  const view = new DataView(out.buffer, out.byteOffset + at, data.byteLength);
  if (data instanceof Uint16Array) for (let i = 0; i < data.length; i++) view.setUint16(2 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
}
