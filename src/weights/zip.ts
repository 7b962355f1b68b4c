/**
 * A small zip reader for PyTorch checkpoints (browser-safe). torch.save writes an uncompressed
 * ("stored") zip; stored entries are returned as views of the input, so a 528 MB checkpoint is not
 * copied. Deflated entries (zips repacked by other tools) are inflated with fflate. Zip64 records
 * are understood. Every offset is checked against the file before use.
 */
import { inflateSync } from 'fflate';
import { CheckpointFormatError } from '../errors.js';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when the bytes start like a zip file (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function u64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointFormatError(`zip: 64-bit field ${value} is too large`);
  return Number(value);
}

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readCentralDirectory();
  }

  private need(at: number, length: number, what: string): void {
    if (at < 0 || length < 0 || at + length > this.#bytes.length) {
      throw new CheckpointFormatError(`zip: ${what} at byte ${at} (+${length}) lies outside the ${this.#bytes.length}-byte file (truncated download?)`);
    }
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const view = this.#view;
    const n = this.#bytes.length;
    // The end record is within the last 22 + 65535 (comment) bytes.
    let eocd = -1;
    for (let at = n - 22; at >= Math.max(0, n - 22 - 65535); at--) {
      if (view.getUint32(at, true) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) throw new CheckpointFormatError('zip: no end-of-central-directory record (truncated or not a zip file)');
    let count = view.getUint16(eocd + 10, true);
    let cdSize = view.getUint32(eocd + 12, true);
    let cdOffset = view.getUint32(eocd + 16, true);
    if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
      const z64 = u64(view, eocd - 20 + 8);
      this.need(z64, 56, 'zip64 end record');
      if (view.getUint32(z64, true) !== ZIP64_EOCD) throw new CheckpointFormatError('zip: bad zip64 end record signature');
      count = u64(view, z64 + 32);
      cdSize = u64(view, z64 + 40);
      cdOffset = u64(view, z64 + 48);
    }
    this.need(cdOffset, cdSize, 'central directory');
    const entries = new Map<string, ZipEntry>();
    const decoder = new TextDecoder();
    let at = cdOffset;
    for (let i = 0; i < count; i++) {
      this.need(at, 46, 'central directory entry');
      if (view.getUint32(at, true) !== CENTRAL) throw new CheckpointFormatError(`zip: bad central directory entry ${i}`);
      const method = view.getUint16(at + 10, true);
      let compressedSize = view.getUint32(at + 20, true);
      let size = view.getUint32(at + 24, true);
      const nameLength = view.getUint16(at + 28, true);
      const extraLength = view.getUint16(at + 30, true);
      const commentLength = view.getUint16(at + 32, true);
      let localHeaderOffset = view.getUint32(at + 42, true);
      this.need(at + 46, nameLength + extraLength + commentLength, 'central directory entry name');
      const name = decoder.decode(this.#bytes.subarray(at + 46, at + 46 + nameLength));
      // Zip64 extra field: the 64-bit values of whichever 32-bit fields are saturated, in order.
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd) {
        const id = view.getUint16(extra, true);
        const len = view.getUint16(extra + 2, true);
        if (id === 0x0001) {
          let p = extra + 4;
          if (size === 0xffffffff) { size = u64(view, p); p += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = u64(view, p); p += 8; }
          if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(view, p); p += 8; }
        }
        extra += 4 + len;
      }
      entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  /** An entry's bytes: a view of the input for stored entries, a new array for deflated ones. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new CheckpointFormatError(`zip: no entry "${name}"`);
    const view = this.#view;
    this.need(entry.localHeaderOffset, 30, `local header of "${name}"`);
    if (view.getUint32(entry.localHeaderOffset, true) !== LOCAL) throw new CheckpointFormatError(`zip: bad local header for "${name}"`);
    const start = entry.localHeaderOffset + 30 + view.getUint16(entry.localHeaderOffset + 26, true) + view.getUint16(entry.localHeaderOffset + 28, true);
    this.need(start, entry.compressedSize, `data of "${name}"`);
    const data = this.#bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw new CheckpointFormatError(`zip: stored entry "${name}" has inconsistent sizes`);
      return data;
    }
    if (entry.method === 8) {
      const out = inflateSync(data, { out: new Uint8Array(entry.size) });
      if (out.length !== entry.size) throw new CheckpointFormatError(`zip: entry "${name}" inflated to ${out.length} bytes, expected ${entry.size}`);
      return out;
    }
    throw new CheckpointFormatError(`zip: entry "${name}" uses compression method ${method(entry.method)}, which is not supported`);
  }
}

function method(m: number): string {
  return m === 12 ? '12 (bzip2)' : m === 14 ? '14 (LZMA)' : String(m);
}
