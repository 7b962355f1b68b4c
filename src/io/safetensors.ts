/**
 * Reading and writing safetensors files, in memory (no Node imports: this module runs in browsers;
 * file-system helpers live in `safetensors-node.ts`).
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the data
 * section. The JSON maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`, with
 * offsets counted from the start of the data section, plus an optional `__metadata__` object of
 * strings. Tensors are row-major, little-endian.
 *
 * The reader checks the whole header against the file's real length before it trusts any size in
 * it, so a corrupt or hostile file produces a `SafetensorsFormatError` naming the tensor and the
 * problem, never an out-of-memory allocation, a RangeError, or silently wrong data.
 */

import { SafetensorsFormatError, ShapeError, ValueError } from '../errors.js';
import { decodeBfloat16, decodeFloat16, encodeBfloat16, encodeFloat16 } from './half-float.js';

/** The element types a safetensors file can declare (`F16` is IEEE binary16, `BF16` bfloat16). */
export type SafetensorsDtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'U16'
  | 'I16'
  | 'F16'
  | 'BF16'
  | 'U32'
  | 'I32'
  | 'F32'
  | 'U64'
  | 'I64'
  | 'F64';

/** Every typed array the reader returns or the writer accepts. */
export type TensorArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array;

/** What the reader needs from a typed-array class: a view over (buffer, offset, length). */
interface TensorArrayConstructor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/**
 * Per dtype: bytes per element, and the typed array that holds the stored values (for F16/BF16 the
 * raw 16-bit patterns). A Map, not an object literal, so that names like "toString" from a file's
 * header can never match something inherited.
 */
const DTYPES: ReadonlyMap<string, { size: number; array: TensorArrayConstructor }> = new Map<
  SafetensorsDtype,
  { size: number; array: TensorArrayConstructor }
>([
  ['BOOL', { size: 1, array: Uint8Array }],
  ['U8', { size: 1, array: Uint8Array }],
  ['I8', { size: 1, array: Int8Array }],
  ['U16', { size: 2, array: Uint16Array }],
  ['I16', { size: 2, array: Int16Array }],
  ['F16', { size: 2, array: Uint16Array }],
  ['BF16', { size: 2, array: Uint16Array }],
  ['U32', { size: 4, array: Uint32Array }],
  ['I32', { size: 4, array: Int32Array }],
  ['F32', { size: 4, array: Float32Array }],
  ['U64', { size: 8, array: BigUint64Array }],
  ['I64', { size: 8, array: BigInt64Array }],
  ['F64', { size: 8, array: Float64Array }],
]);

/** All supported dtypes. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = [...DTYPES.keys()] as SafetensorsDtype[];

/** Bytes per element of `dtype`. */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  const entry = DTYPES.get(dtype);
  if (entry === undefined) throw new ValueError(`unknown safetensors dtype ${JSON.stringify(dtype)}`);
  return entry.size;
}

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
  /** A fresh copy of the declared shape. */
  shape: number[];
  /**
   * `elementCount` values: Float32Array for F32, F16 and BF16 (the 16-bit types widened exactly),
   * Float64Array for F64, BigInt64Array / BigUint64Array for I64 / U64 (see `bigIntsToNumbers`),
   * the matching integer array for the other integer types, and Uint8Array for BOOL (bytes as
   * stored, 0 = false).
   */
  data: TensorArray;
}

// A file's largest plausible header: the reference implementation refuses more than this too.
// It bounds what a corrupt length field can make us decode and parse.
const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses and validates a safetensors file held in memory. Tensor data is not read or copied here:
 * `get`/`raw` view it lazily, so reading the header of a large file is cheap.
 *
 * @param input the whole file. The returned object keeps a reference to it; do not modify it
 *   while the file object is in use.
 * @throws SafetensorsFormatError if anything about the file is malformed: too short, header length
 *   past the end, header not UTF-8 JSON, an unknown dtype, a bad shape, offsets out of range, a
 *   byte count that does not match dtype × shape, overlapping tensors, or non-string metadata.
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
      `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit for a safetensors header`,
    );
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const header = parseHeaderJson(bytes.subarray(8, dataStart));
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const key of Object.keys(header)) {
    if (key === METADATA_KEY) metadata = validateMetadata(header[key]);
    else infos.push(validateEntry(key, header[key], dataStart, dataLength));
  }
  checkNoOverlap(infos, dataStart);

  // File order (by offset) is the one stable order: JSON key order is up to the writer, and
  // JavaScript would list integer-like names first anyway.
  infos.sort((a, b) => a.byteOffset - b.byteOffset);
  return new SafetensorsFile(bytes, metadata, infos);
}

/** A validated safetensors file: its metadata, the tensors' layout, and lazy access to their data. */
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
      const names = this.names();
      const listed = names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, …`;
      throw new ValueError(`no tensor "${name}" in this safetensors file (it holds: ${listed || 'nothing'})`);
    }
    return info;
  }

  /**
   * The tensor's bytes as stored (little-endian). A view that shares memory with the file's
   * bytes, not a copy.
   */
  raw(name: string): Uint8Array {
    const info = this.info(name);
    return this.#bytes.subarray(info.byteOffset, info.byteOffset + info.byteLength);
  }

  /**
   * The tensor's values, decoded (see `DecodedTensor.data` for the array type per dtype). When the
   * stored bytes are suitably aligned the array is a view sharing memory with the file's bytes;
   * otherwise, and for F16/BF16, it is a fresh array.
   */
  get(name: string): DecodedTensor {
    const info = this.info(name);
    const raw = this.raw(name);
    let data: TensorArray;
    if (info.dtype === 'F16') data = decodeFloat16(elementView(raw, Uint16Array));
    else if (info.dtype === 'BF16') data = decodeBfloat16(elementView(raw, Uint16Array));
    else data = elementView(raw, dtypeEntry(info.dtype).array);
    return { dtype: info.dtype, shape: [...info.shape], data };
  }

  /**
   * The tensor's values converted to float32, whatever its dtype (BOOL gives 0/1; integers beyond
   * 2^24 and 64-bit values round to the nearest float32). For F32 tensors this may be a view
   * sharing memory with the file's bytes.
   */
  getFloat32(name: string): Float32Array {
    const { data } = this.get(name);
    if (data instanceof Float32Array) return data;
    const out = new Float32Array(data.length);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    } else if (this.info(name).dtype === 'BOOL') {
      for (let i = 0; i < data.length; i++) out[i] = data[i] === 0 ? 0 : 1;
    } else {
      out.set(data);
    }
    return out;
  }
}

/**
 * Converts 64-bit integers (as `get` returns for I64/U64) to plain numbers.
 * @throws ValueError if a value lies outside ±(2^53 − 1), where numbers stop being exact.
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

/** One tensor for `writeSafetensors`. */
export interface TensorInput {
  dtype: SafetensorsDtype;
  /** Dimensions, row-major. */
  shape: readonly number[];
  /**
   * The values, in the dtype's own typed array (Float32Array for F32, Int32Array for I32,
   * BigInt64Array for I64, Uint8Array for U8 and BOOL, …), with exactly product(shape) elements.
   * For F16 and BF16 give a Float32Array (rounded to nearest even here) or a Uint16Array of
   * ready-made bit patterns. Any dtype also accepts a Uint8Array of its little-endian bytes.
   */
  data: TensorArray;
}

/** A tensor with its name, for the array form of `writeSafetensors`. */
export interface NamedTensorInput extends TensorInput {
  name: string;
}

/**
 * Serialises tensors to a safetensors file. Tensors are laid out back to back in the order given
 * (for the object form: its key order, in which JavaScript puts integer-like keys first — pass an
 * array to control the order exactly). The header is padded with spaces so that the data section
 * starts at a multiple of 8 bytes.
 *
 * @param metadata optional string-to-string pairs stored as `__metadata__`.
 * @throws ShapeError if a tensor's data does not hold exactly product(shape) elements.
 * @throws ValueError for a bad name (duplicate, or `__metadata__`), an unknown dtype, an invalid
 *   shape, a typed array that does not fit the dtype, or non-string metadata.
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, TensorInput>> | readonly NamedTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list: NamedTensorInput[] = Array.isArray(tensors)
    ? [...(tensors as readonly NamedTensorInput[])]
    : Object.entries(tensors as Record<string, TensorInput>).map(([name, t]) => ({ ...t, name }));

  const seen = new Set<string>();
  const encoded: { name: string; dtype: SafetensorsDtype; shape: number[]; bytes: Uint8Array; size: number }[] = [];
  for (const tensor of list) {
    const { name } = tensor;
    if (typeof name !== 'string') throw new ValueError(`tensor names must be strings, got ${typeof name}`);
    if (name === METADATA_KEY) throw new ValueError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    if (seen.has(name)) throw new ValueError(`tensor "${name}" is given twice`);
    seen.add(name);
    encoded.push(encodeTensor(tensor));
  }

  const headerParts: string[] = [];
  if (metadata !== undefined) {
    headerParts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(checkMetadataInput(metadata))}`);
  }
  let offset = 0;
  for (const t of encoded) {
    const entry = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    headerParts.push(`${JSON.stringify(t.name)}:${JSON.stringify(entry)}`);
    offset += t.bytes.length;
  }
  const headerText = new TextEncoder().encode(`{${headerParts.join(',')}}`);
  const headerLength = Math.ceil(headerText.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerText, 8);
  out.fill(0x20, 8 + headerText.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const t of encoded) {
    out.set(t.bytes, position);
    if (!hostIsLittleEndian) swapBytesInPlace(out.subarray(position, position + t.bytes.length), t.size);
    position += t.bytes.length;
  }
  return out;
}

// ---- reader internals ----

function parseHeaderJson(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsFormatError('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SafetensorsFormatError(`header is not valid JSON: ${reason}`, { cause: error });
  }
  if (!isPlainObject(header)) {
    throw new SafetensorsFormatError(`header must be a JSON object, got ${describeJsonType(header)}`);
  }
  return header;
}

function validateMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) {
    throw new SafetensorsFormatError(`"${METADATA_KEY}" must be an object of strings, got ${describeJsonType(value)}`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw new SafetensorsFormatError(
        `"${METADATA_KEY}" entry "${key}" must be a string, got ${describeJsonType(item)}`,
      );
    }
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays plain data.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function validateEntry(name: string, entry: unknown, dataStart: number, dataLength: number): TensorInfo {
  const fail = (reason: string): never => {
    throw new SafetensorsFormatError(`tensor "${name}": ${reason}`);
  };
  if (!isPlainObject(entry)) return fail(`entry must be an object, got ${describeJsonType(entry)}`);

  const { dtype, shape, data_offsets: offsets } = entry;
  const dtypeInfo = typeof dtype === 'string' ? DTYPES.get(dtype) : undefined;
  if (dtypeInfo === undefined) {
    return fail(`unknown dtype ${JSON.stringify(dtype) ?? 'undefined'} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (!Array.isArray(shape)) return fail(`shape must be an array, got ${describeJsonType(shape)}`);
  shape.forEach((dim: unknown, axis) => {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      fail(`shape ${describeShape(shape)} has ${JSON.stringify(dim) ?? 'undefined'} at axis ${axis}, ` +
        `not a non-negative integer`);
    }
  });
  const dims = shape as number[];

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return fail(`data_offsets must be [begin, end], got ${JSON.stringify(offsets) ?? 'undefined'}`);
  }
  const [begin, end] = offsets as unknown[];
  for (const value of [begin, end]) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      return fail(`data_offsets ${JSON.stringify(offsets)} must hold two non-negative integers`);
    }
  }
  const b = begin as number;
  const e = end as number;
  if (b > e) return fail(`data_offsets [${b}, ${e}] end before they begin`);
  if (e > dataLength) {
    return fail(`data_offsets [${b}, ${e}] reach past the end of the data section (${dataLength} bytes; truncated file?)`);
  }

  const byteLength = e - b;
  const elementCount = countElements(dims, byteLength / dtypeInfo.size);
  if (elementCount === undefined || elementCount * dtypeInfo.size !== byteLength) {
    return fail(
      `data_offsets [${b}, ${e}] hold ${byteLength} bytes but ${dtype} × ${describeShape(dims)} needs ` +
        `${describeNeededBytes(dims, dtypeInfo.size)}`,
    );
  }
  return Object.freeze({
    name,
    dtype: dtype as SafetensorsDtype,
    shape: Object.freeze([...dims]),
    elementCount,
    byteOffset: dataStart + b,
    byteLength,
  });
}

/**
 * The product of `dims`, or undefined once it is known to exceed `limit`. Stopping early keeps a
 * header with absurd shapes from making us multiply ever-larger numbers; BigInt keeps the
 * comparison exact where doubles would round.
 */
function countElements(dims: readonly number[], limit: number): number | undefined {
  if (dims.includes(0)) return 0;
  const bigLimit = BigInt(Math.floor(limit));
  let product = 1n;
  for (const dim of dims) {
    product *= BigInt(dim);
    if (product > bigLimit) return undefined;
  }
  return Number(product);
}

/** Bytes that `dims` of `size`-byte elements need, for error messages; exact unless absurd. */
function describeNeededBytes(dims: readonly number[], size: number): string {
  if (dims.length > 64) return 'a different number';
  return String(dims.reduce((acc, d) => acc * BigInt(d), BigInt(size)));
}

function checkNoOverlap(infos: readonly TensorInfo[], dataStart: number): void {
  // Empty tensors occupy no bytes, so they may sit anywhere, even inside another tensor.
  const occupied = infos.filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < occupied.length; i++) {
    const previous = occupied[i - 1];
    const current = occupied[i];
    if (current.byteOffset < previous.byteOffset + previous.byteLength) {
      const range = (t: TensorInfo) => `[${t.byteOffset - dataStart}, ${t.byteOffset - dataStart + t.byteLength}]`;
      throw new SafetensorsFormatError(
        `tensor "${current.name}": data_offsets ${range(current)} overlap those of tensor ` +
          `"${previous.name}" ${range(previous)}`,
      );
    }
  }
}

/**
 * The bytes as an array of `array`'s elements in host order: a view when the platform is
 * little-endian and the bytes sit at a multiple of the element size in their buffer (typed arrays
 * require it), else a copy.
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

// ---- writer internals ----

function encodeTensor(tensor: NamedTensorInput): {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
  size: number;
} {
  const { name, dtype, shape, data } = tensor;
  const dtypeInfo = typeof dtype === 'string' ? DTYPES.get(dtype) : undefined;
  if (dtypeInfo === undefined) {
    throw new ValueError(`tensor "${name}": unknown dtype ${JSON.stringify(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(`tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((acc, d) => acc * d, 1);
  if (!Number.isSafeInteger(count * dtypeInfo.size)) {
    throw new ValueError(`tensor "${name}": shape ${describeShape(shape)} is too large`);
  }

  const sizeMismatch = (what: string, needed: number, got: number) =>
    new ShapeError(`tensor "${name}": ${dtype} × ${describeShape(shape)} needs ${needed} ${what}, but the data has ${got}`);
  const result = (elements: TensorArray) => ({
    name,
    dtype,
    shape: [...shape],
    bytes: new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength),
    size: elements.BYTES_PER_ELEMENT,
  });

  // Uint8Array is both U8/BOOL's own array and "raw bytes" for every other dtype: either way its
  // length must equal the byte count.
  if (data instanceof Uint8Array) {
    if (data.length !== count * dtypeInfo.size) throw sizeMismatch('bytes', count * dtypeInfo.size, data.length);
    return { ...result(data), size: 1 };
  }
  if ((dtype === 'F16' || dtype === 'BF16') && data instanceof Float32Array) {
    if (data.length !== count) throw sizeMismatch('elements', count, data.length);
    return result(dtype === 'F16' ? encodeFloat16(data) : encodeBfloat16(data));
  }
  if (!(data instanceof dtypeInfo.array)) {
    const accepted = dtype === 'F16' || dtype === 'BF16' ? 'a Float32Array or a Uint16Array of bit patterns' : `a ${dtypeInfo.array.name}`;
    throw new ValueError(
      `tensor "${name}": dtype ${dtype} takes ${accepted} (or its bytes as a Uint8Array), got ${describeValue(data)}`,
    );
  }
  if (data.length !== count) throw sizeMismatch('elements', count, data.length);
  return result(data);
}

function checkMetadataInput(metadata: Readonly<Record<string, string>>): Record<string, string> {
  if (!isPlainObject(metadata)) throw new ValueError(`metadata must be an object of strings, got ${describeValue(metadata)}`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new ValueError(`metadata "${key}" must be a string, got ${describeValue(value)} (JSON.stringify it?)`);
    }
  }
  return Object.fromEntries(Object.entries(metadata));
}

// ---- shared helpers ----

function dtypeEntry(dtype: SafetensorsDtype): { size: number; array: TensorArrayConstructor } {
  const entry = DTYPES.get(dtype);
  if (entry === undefined) throw new ValueError(`unknown safetensors dtype ${JSON.stringify(dtype)}`);
  return entry;
}

function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  for (let start = 0; start + size <= bytes.length; start += size) {
    bytes.subarray(start, start + size).reverse();
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'an object';
  return typeof value;
}

/** `[64,3,3,3]`, shortened when a corrupt header declares thousands of dimensions. */
function describeShape(shape: readonly unknown[]): string {
  const shown = shape.length > 16 ? [...shape.slice(0, 16).map((d) => JSON.stringify(d)), `… ${shape.length} dims`] : shape.map((d) => JSON.stringify(d));
  return `[${shown.join(',')}]`;
}
