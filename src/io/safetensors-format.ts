/**
 * What the safetensors reader and writer share: the dtype table, the array types, and small
 * helpers for byte order and error messages.
 *
 * The format: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the
 * data section. The JSON maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`,
 * offsets counted from the start of the data section, plus an optional `__metadata__` object of
 * strings. Tensors are row-major and little-endian.
 */

import { ValueError } from '../errors.js';

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

/** What we need from a typed-array class: a view over (buffer, offset, length), and its name. */
export interface TensorArrayConstructor {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/** Bytes per element, and the typed array holding the stored values (F16/BF16: 16-bit patterns). */
export interface DtypeLayout {
  readonly size: number;
  readonly array: TensorArrayConstructor;
}

// A Map, not an object literal: a dtype string from a file such as "toString" must never match
// something inherited from Object.prototype.
const DTYPES: ReadonlyMap<string, DtypeLayout> = new Map<SafetensorsDtype, DtypeLayout>([
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

/** The layout of `dtype`, or undefined when it is not a dtype we know (any value may be passed). */
export function dtypeLayout(dtype: unknown): DtypeLayout | undefined {
  return typeof dtype === 'string' ? DTYPES.get(dtype) : undefined;
}

/**
 * Bytes per element of `dtype`.
 * @throws ValueError for an unknown dtype.
 */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  const layout = dtypeLayout(dtype);
  if (layout === undefined) throw new ValueError(`unknown safetensors dtype ${describeJson(dtype)}`);
  return layout.size;
}

/** The reserved header key holding string metadata. */
export const METADATA_KEY = '__metadata__';

/** The format is little-endian; typed arrays use the host's order, so big-endian hosts swap. */
export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of each `size`-byte element, in place. */
export function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  for (let start = 0; start + size <= bytes.length; start += size) {
    bytes.subarray(start, start + size).reverse();
  }
}

/** An object that is not null and not an array (what a JSON object parses to). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short rendering of a (JSON) value for error messages: `[64,3,3,3]`, `"F32"`, `[…]`. It never
 * recurses, because a hostile header can nest arrays deeper than JSON.stringify's stack allows,
 * and failing to describe a problem must not replace the report of it.
 */
export function describeJson(value: unknown): string {
  const shallow = (item: unknown): string => {
    if (Array.isArray(item)) return item.length === 0 ? '[]' : '[…]';
    if (typeof item === 'object' && item !== null) return '{…}';
    if (typeof item === 'string') return JSON.stringify(item.length > 40 ? `${item.slice(0, 40)}…` : item);
    return String(item);
  };
  if (!Array.isArray(value)) return shallow(value);
  const shown = value.slice(0, 16).map(shallow);
  if (value.length > 16) shown.push(`… ${value.length} items`);
  return `[${shown.join(',')}]`;
}

/** What kind of value stood where another was expected: `an array`, `string "F32"`, `null`. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const kind = (value.constructor as { name?: unknown } | undefined)?.name;
    return typeof kind === 'string' && kind !== 'Object' ? kind : 'an object';
  }
  return `${typeof value} ${describeJson(value)}`;
}

/** A tensor name for a message: quoted, and cut short if a corrupt header made it enormous. */
export function quoteName(name: string): string {
  return `"${name.length > 200 ? `${name.slice(0, 200)}…` : name}"`;
}
