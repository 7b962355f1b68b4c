/**
 * Safetensors files in memory: `readSafetensors` (here) and `writeSafetensors` (re-exported from
 * `safetensors-write.ts`). No Node imports, so this runs in browsers; reading and writing files
 * on disk is in `safetensors-node.ts`. The format is described in `safetensors-format.ts`.
 *
 * The reader checks the whole header against the file's real length before it trusts any size in
 * it, so a corrupt or hostile file produces a `SafetensorsFormatError` naming the tensor and the
 * problem, never a huge allocation, a stray RangeError, or silently wrong data.
 */

import { SafetensorsFormatError, ValueError } from '../errors.js';
import { decodeBfloat16, decodeFloat16 } from './half-float.js';
import {
  METADATA_KEY,
  SAFETENSORS_DTYPES,
  describeJson,
  describeKind,
  dtypeLayout,
  hostIsLittleEndian,
  isPlainObject,
  quoteName,
  swapBytesInPlace,
  type SafetensorsDtype,
  type TensorArray,
} from './safetensors-format.js';

export {
  SAFETENSORS_DTYPES,
  dtypeByteSize,
  type SafetensorsDtype,
  type TensorArray,
} from './safetensors-format.js';
export { writeSafetensors, type NamedTensorInput, type TensorInput } from './safetensors-write.js';

/** Where one tensor lives in a file, as declared by its (validated) header entry. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  /** Dimensions, row-major (numpy order). `[]` is a scalar holding one element. */
  readonly shape: readonly number[];
  /** Product of `shape`. */
  readonly elementCount: number;
  /** Offset of the tensor's first byte from the start of the file (not of the data section). */
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** A tensor's values, decoded to a JavaScript typed array. */
export interface DecodedTensor {
  readonly dtype: SafetensorsDtype;
  /** A fresh copy of the declared shape, row-major. */
  shape: number[];
  /**
   * product(shape) values: Float32Array for F32, F16 and BF16 (the 16-bit types widened
   * exactly), Float64Array for F64, BigInt64Array / BigUint64Array for I64 / U64 (see
   * `bigIntsToNumbers`), the matching integer array for the other integer types, and Uint8Array
   * for BOOL (bytes as stored, 0 = false).
   */
  data: TensorArray;
}

// The reference implementation refuses headers above this size too. It bounds how much a corrupt
// length field can make us decode and parse.
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Parses and validates a safetensors file held in memory. Tensor data is neither read nor copied
 * here: `get` and `raw` view it on demand, so opening a large file costs only its header.
 *
 * Beyond the format's rules, gaps between tensors and bytes after the last one are tolerated
 * (they hold nothing), and zero-length tensors may sit at any offset in range.
 *
 * @param input the whole file. The returned object keeps a reference to these bytes and may hand
 *   out views of them; do not modify them while it is in use.
 * @throws SafetensorsFormatError if the file is malformed: too short, header length past the end,
 *   header not UTF-8 JSON, an unknown dtype, a bad shape, offsets out of range, a byte count that
 *   does not match dtype × shape, overlapping tensors, or metadata that is not all strings.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsFile {
  const bytes = ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);

  if (bytes.length < 8) {
    throw new SafetensorsFormatError(
      `file is ${bytes.length} bytes long, too short to hold the 8-byte header length (truncated?)`,
    );
  }
  const declaredHeaderLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const room = bytes.length - 8;
  if (declaredHeaderLength > BigInt(room)) {
    throw new SafetensorsFormatError(
      `header length ${declaredHeaderLength} runs past the end of the file: only ${room} bytes ` +
        `follow the length field (truncated file, or not a safetensors file?)`,
    );
  }
  const headerLength = Number(declaredHeaderLength);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsFormatError(
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit of the format`,
    );
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const header = parseHeader(bytes.subarray(8, dataStart));
  let metadata: Record<string, string> = {};
  const tensors: TensorInfo[] = [];
  for (const key of Object.keys(header)) {
    if (key === METADATA_KEY) metadata = validateMetadata(header[key]);
    else tensors.push(validateEntry(key, header[key], dataStart, dataLength));
  }
  checkNoOverlap(tensors, dataStart);

  // File order (by offset) is the one stable order: JSON key order is up to the writer, and
  // JavaScript lists integer-like keys first anyway.
  tensors.sort((a, b) => a.byteOffset - b.byteOffset);
  return new SafetensorsFile(bytes, metadata, tensors);
}

/** A validated safetensors file: its metadata, the tensors' layout, and access to their data. */
export class SafetensorsFile {
  /** The `__metadata__` object (empty if the file has none). */
  readonly metadata: Record<string, string>;
  /** Every tensor's layout, keyed by name, in the order their data lies in the file. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly #bytes: Uint8Array;

  /** @internal Use `readSafetensors`, which validates the header before constructing this. */
  constructor(bytes: Uint8Array, metadata: Record<string, string>, tensors: readonly TensorInfo[]) {
    this.#bytes = bytes;
    this.metadata = metadata;
    this.tensors = new Map(tensors.map((t) => [t.name, t]));
  }

  /** Tensor names, in the order their data lies in the file. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /**
   * The layout of tensor `name`.
   * @throws ValueError if the file holds no such tensor.
   */
  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (info === undefined) {
      const names = this.names().map(quoteName);
      const listed = names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, …`;
      throw new ValueError(`no tensor ${quoteName(name)} in this safetensors file (it holds ${listed || 'none'})`);
    }
    return info;
  }

  /** The tensor's bytes as stored (little-endian): a view sharing memory with the file, not a copy. */
  raw(name: string): Uint8Array {
    const info = this.info(name);
    return this.#bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength);
  }

  /**
   * The tensor's values, decoded (see `DecodedTensor.data` for the array type per dtype). Where
   * the stored bytes are suitably aligned the array is a view sharing memory with the file;
   * otherwise, and always for F16/BF16, it is a fresh array.
   */
  get(name: string): DecodedTensor {
    const info = this.info(name);
    const raw = this.raw(name);
    let data: TensorArray;
    if (info.dtype === 'F16') data = decodeFloat16(elementView(raw, Uint16Array));
    else if (info.dtype === 'BF16') data = decodeBfloat16(elementView(raw, Uint16Array));
    else data = elementView(raw, dtypeLayout(info.dtype)!.array);
    return { dtype: info.dtype, shape: [...info.shape], data };
  }

  /**
   * The tensor's values as float32, whatever its dtype: BOOL gives 0 and 1, integers beyond 2^24
   * round to the nearest float32. For F32 tensors this may be a view sharing memory with the file.
   */
  getFloat32(name: string): Float32Array {
    const { dtype, data } = this.get(name);
    if (data instanceof Float32Array) return data;
    const out = new Float32Array(data.length);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    } else if (dtype === 'BOOL') {
      for (let i = 0; i < data.length; i++) out[i] = data[i] === 0 ? 0 : 1;
    } else {
      out.set(data);
    }
    return out;
  }
}

/**
 * Converts 64-bit integers (as `get` returns them for I64/U64) to plain numbers.
 * @throws ValueError if a value lies outside ±(2^53 − 1), beyond which numbers are not exact.
 */
export function bigIntsToNumbers(data: BigInt64Array | BigUint64Array): Float64Array {
  const out = new Float64Array(data.length);
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value > limit || value < -limit) {
      throw new ValueError(`element ${i} is ${value}, too large to be represented exactly as a number`);
    }
    out[i] = Number(value);
  }
  return out;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch (error) {
    throw new SafetensorsFormatError('header is not valid UTF-8', { cause: error });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafetensorsFormatError(`header is not valid JSON: ${reason}`, { cause: error });
  }
  if (!isPlainObject(header)) {
    throw new SafetensorsFormatError(`header must be a JSON object, got ${describeKind(header)}`);
  }
  return header;
}

function validateMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new SafetensorsFormatError(`"${METADATA_KEY}" must be an object of strings, got ${describeKind(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new SafetensorsFormatError(
        `"${METADATA_KEY}" entry ${quoteName(key)} must be a string, got ${describeKind(item)}`,
      );
    }
  }
  // A spread defines own properties, so even a key named "__proto__" stays plain data.
  return { ...(value as Record<string, string>) };
}

function validateEntry(name: string, entry: unknown, dataStart: number, dataLength: number): TensorInfo {
  const fail = (reason: string): never => {
    throw new SafetensorsFormatError(`tensor ${quoteName(name)}: ${reason}`);
  };
  if (!isPlainObject(entry)) return fail(`entry must be an object, got ${describeKind(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry;

  const layout = dtypeLayout(dtype);
  if (layout === undefined) {
    return fail(`unknown dtype ${describeJson(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
  }

  if (!Array.isArray(shape)) return fail(`shape must be an array, got ${describeKind(shape)}`);
  shape.forEach((dim: unknown, axis) => {
    if (!isCount(dim)) {
      fail(`shape ${describeJson(shape)} has ${describeJson(dim)} at axis ${axis}, not a non-negative integer`);
    }
  });
  const dims = shape as number[];

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return fail(`data_offsets must be [begin, end], got ${describeJson(offsets)}`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isCount(begin) || !isCount(end)) {
    return fail(`data_offsets ${describeJson(offsets)} must hold two non-negative integers`);
  }
  if (begin > end) return fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    return fail(
      `data_offsets [${begin}, ${end}] reach past the end of the data section ` +
        `(${dataLength} bytes; truncated file?)`,
    );
  }

  const byteLength = end - begin;
  const elementCount = countElements(dims, Math.floor(byteLength / layout.size));
  if (elementCount === undefined || elementCount * layout.size !== byteLength) {
    return fail(
      `data_offsets [${begin}, ${end}] hold ${byteLength} bytes but ${dtype} × ${describeJson(dims)} ` +
        `needs ${describeNeededBytes(dims, layout.size)}`,
    );
  }
  return Object.freeze({
    name,
    dtype: dtype as SafetensorsDtype,
    shape: Object.freeze([...dims]),
    elementCount,
    byteOffset: dataStart + begin,
    byteLength,
  });
}

/** A JSON value usable as a size or offset: a non-negative integer that doubles hold exactly. */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The product of `dims`, or undefined as soon as it exceeds `limit`. Stopping early keeps absurd
 * shapes from making us multiply ever larger numbers; BigInt keeps the comparison exact where
 * doubles would round.
 */
function countElements(dims: readonly number[], limit: number): number | undefined {
  if (dims.includes(0)) return 0;
  const bigLimit = BigInt(limit);
  let product = 1n;
  for (const dim of dims) {
    product *= BigInt(dim);
    if (product > bigLimit) return undefined;
  }
  return Number(product);
}

/** The bytes `dims` of `size`-byte elements need, for error messages; exact unless absurd. */
function describeNeededBytes(dims: readonly number[], size: number): string {
  if (dims.length > 64) return 'a different number';
  return String(dims.reduce((acc, d) => acc * BigInt(d), BigInt(size)));
}

function checkNoOverlap(tensors: readonly TensorInfo[], dataStart: number): void {
  // Empty tensors occupy no bytes, so they may sit anywhere, even inside another tensor. Among
  // the rest, sorted by start, any overlap shows up between neighbours.
  const occupied = tensors.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  const offsets = (t: TensorInfo) => `[${t.byteOffset - dataStart}, ${t.byteOffset - dataStart + t.byteLength}]`;
  for (let i = 1; i < occupied.length; i++) {
    const previous = occupied[i - 1];
    const current = occupied[i];
    if (current.byteOffset < previous.byteOffset + previous.byteLength) {
      throw new SafetensorsFormatError(
        `tensor ${quoteName(current.name)}: data_offsets ${offsets(current)} overlap those of tensor ` +
          `${quoteName(previous.name)} ${offsets(previous)}`,
      );
    }
  }
}

/**
 * The bytes as an array of elements in host order: a view when the host is little-endian and the
 * bytes start at a multiple of the element size in their buffer (typed arrays require that),
 * else a copy.
 */
function elementView<T extends TensorArray>(
  raw: Uint8Array,
  array: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const size = array.BYTES_PER_ELEMENT;
  const count = raw.length / size;
  if (size === 1 || (hostIsLittleEndian && raw.byteOffset % size === 0)) {
    return new array(raw.buffer, raw.byteOffset, count);
  }
  const copy = raw.slice();
  if (!hostIsLittleEndian) swapBytesInPlace(copy, size);
  return new array(copy.buffer, 0, count);
}
