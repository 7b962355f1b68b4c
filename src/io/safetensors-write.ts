/**
 * Serialising tensors to safetensors bytes (in memory, no Node imports). The layout is what the
 * reference implementation writes and accepts: tensors back to back with no gaps, the data section
 * ending the file.
 */

import { ShapeError, ValueError } from '../errors.js';
import { encodeBfloat16, encodeFloat16 } from './half-float.js';
import {
  METADATA_KEY,
  SAFETENSORS_DTYPES,
  describeJson,
  describeKind,
  dtypeLayout,
  hostIsLittleEndian,
  isPlainObject,
  swapBytesInPlace,
  type SafetensorsDtype,
  type TensorArray,
} from './safetensors-format.js';

/** One tensor for `writeSafetensors`. */
export interface TensorInput {
  dtype: SafetensorsDtype;
  /** Dimensions, row-major (numpy order); `[]` for a scalar. */
  shape: readonly number[];
  /**
   * Exactly product(shape) values in the dtype's own typed array: Float32Array for F32,
   * Int32Array for I32, BigInt64Array for I64, Uint8Array for U8 and BOOL, and so on. For F16
   * and BF16 give a Float32Array (rounded to nearest even here) or a Uint16Array of ready-made
   * bit patterns. Any dtype also accepts a Uint8Array of its little-endian bytes.
   */
  data: TensorArray;
}

/** A tensor with its name, for the array form of `writeSafetensors`. */
export interface NamedTensorInput extends TensorInput {
  name: string;
}

/** A tensor ready to copy into the file: its bytes in host order and the element size to swap by. */
interface EncodedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
  swapSize: number;
}

/**
 * Serialises tensors to a safetensors file. Tensors are laid out back to back in the order given
 * — for the object form that is its key order, in which JavaScript puts integer-like keys first;
 * pass an array to control the order exactly. The header is padded with spaces so that the data
 * section starts at a multiple of 8 bytes.
 *
 * @param metadata optional string-to-string pairs, stored as `__metadata__`.
 * @throws ShapeError if a tensor's data does not hold exactly product(shape) elements.
 * @throws ValueError for a bad name (repeated, or `__metadata__`), an unknown dtype, an invalid
 *   shape, a typed array that does not fit the dtype, or non-string metadata.
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, TensorInput>> | readonly NamedTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list: readonly NamedTensorInput[] = Array.isArray(tensors)
    ? tensors
    : Object.entries(tensors as Readonly<Record<string, TensorInput>>).map(([name, t]) => ({ ...t, name }));

  const seen = new Set<string>();
  const encoded = list.map((tensor) => {
    const { name } = tensor;
    if (typeof name !== 'string') throw new ValueError(`tensor names must be strings, got ${describeKind(name)}`);
    if (name === METADATA_KEY) throw new ValueError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    if (seen.has(name)) throw new ValueError(`tensor "${name}" is given twice`);
    seen.add(name);
    return encodeTensor(tensor);
  });

  // Built entry by entry rather than with one JSON.stringify of an object, which would move
  // integer-like names to the front and break "in the order given".
  const headerParts: string[] = [];
  if (metadata !== undefined) {
    headerParts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(checkMetadata(metadata))}`);
  }
  let dataLength = 0;
  for (const t of encoded) {
    const begin = dataLength;
    dataLength += t.bytes.length;
    const entry = { dtype: t.dtype, shape: t.shape, data_offsets: [begin, dataLength] };
    headerParts.push(`${JSON.stringify(t.name)}:${JSON.stringify(entry)}`);
  }
  const headerText = new TextEncoder().encode(`{${headerParts.join(',')}}`);
  const headerLength = Math.ceil(headerText.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(headerText, 8);
  out.fill(0x20, 8 + headerText.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const t of encoded) {
    out.set(t.bytes, position);
    if (!hostIsLittleEndian) swapBytesInPlace(out.subarray(position, position + t.bytes.length), t.swapSize);
    position += t.bytes.length;
  }
  return out;
}

function encodeTensor({ name, dtype, shape, data }: NamedTensorInput): EncodedTensor {
  const layout = dtypeLayout(dtype);
  if (layout === undefined) {
    throw new ValueError(
      `tensor "${name}": unknown dtype ${describeJson(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ValueError(
      `tensor "${name}": shape must be an array of non-negative integers, got ${describeJson(shape)}`,
    );
  }
  const count = shape.reduce((acc, d) => acc * d, 1);
  const byteLength = count * layout.size;
  if (!Number.isSafeInteger(byteLength)) {
    throw new ValueError(`tensor "${name}": shape ${describeJson(shape)} is too large`);
  }

  const mismatch = (unit: string, needed: number, got: number) =>
    new ShapeError(
      `tensor "${name}": ${dtype} × ${describeJson(shape)} needs ${needed} ${unit}, but the data has ${got}`,
    );
  const encoded = (elements: TensorArray, swapSize = elements.BYTES_PER_ELEMENT): EncodedTensor => ({
    name,
    dtype,
    shape: [...shape],
    bytes: new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength),
    swapSize,
  });

  // Uint8Array is both U8/BOOL's own array and "raw little-endian bytes" for every other dtype;
  // either way its length must be the byte count, and its bytes are never swapped.
  if (data instanceof Uint8Array) {
    if (data.length !== byteLength) throw mismatch('bytes', byteLength, data.length);
    return encoded(data, 1);
  }
  if ((dtype === 'F16' || dtype === 'BF16') && data instanceof Float32Array) {
    if (data.length !== count) throw mismatch('elements', count, data.length);
    return encoded(dtype === 'F16' ? encodeFloat16(data) : encodeBfloat16(data));
  }
  if (!(data instanceof layout.array)) {
    const wanted =
      dtype === 'F16' || dtype === 'BF16'
        ? 'a Float32Array or a Uint16Array of bit patterns'
        : withArticle(layout.array.name);
    throw new ValueError(
      `tensor "${name}": dtype ${dtype} takes ${wanted} (or its bytes as a Uint8Array), got ${describeKind(data)}`,
    );
  }
  if (data.length !== count) throw mismatch('elements', count, data.length);
  return encoded(data);
}

function checkMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> {
  if (!isPlainObject(metadata)) {
    throw new ValueError(`metadata must be an object of strings, got ${describeKind(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new ValueError(`metadata "${key}" must be a string, got ${describeKind(value)} (JSON.stringify it?)`);
    }
  }
  return { ...metadata };
}

function withArticle(word: string): string {
  return `${/^[AEIOU]/.test(word) ? 'an' : 'a'} ${word}`;
}
