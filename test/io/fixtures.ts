/**
 * Helpers for the safetensors tests: random tensor contents per dtype (from a seeded generator,
 * see ../helpers/random.ts) and a builder for hand-made, often deliberately broken, files.
 */

import { fileURLToPath } from 'node:url';

import type { SafetensorsDtype, TensorArray } from '../../src/io/safetensors.js';
import { float16BitsToFloat32, bfloat16BitsToFloat32 } from '../../src/io/half-float.js';

/** The shared test data, which CI checks out next to the repository. */
export const goldenDir = fileURLToPath(new URL('../../../shared/golden/', import.meta.url));
export const testWeightsFile = fileURLToPath(
  new URL('../../../shared/weights/vgg16-test-random-init.safetensors', import.meta.url),
);

/** A random integer in [low, high] (inclusive). */
export function intInRange(rng: () => number, low: number, high: number): number {
  return low + Math.floor(rng() * (high - low + 1));
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/**
 * `count` random values for `dtype`, in the array `writeSafetensors` takes and `get` returns.
 * F16 and BF16 values are drawn as random finite bit patterns and widened, so they survive the
 * round trip through 16 bits exactly.
 */
export function randomTensorData(dtype: SafetensorsDtype, count: number, rng: () => number): TensorArray {
  const u32 = () => Math.floor(rng() * 2 ** 32);
  const fill = <T extends { length: number; [i: number]: number }>(array: T, next: () => number): T => {
    for (let i = 0; i < array.length; i++) array[i] = next();
    return array;
  };
  switch (dtype) {
    case 'BOOL':
      return fill(new Uint8Array(count), () => (rng() < 0.5 ? 0 : 1));
    case 'U8':
      return fill(new Uint8Array(count), () => u32() & 0xff);
    case 'I8':
      return fill(new Int8Array(count), () => u32());
    case 'U16':
      return fill(new Uint16Array(count), () => u32());
    case 'I16':
      return fill(new Int16Array(count), () => u32());
    case 'U32':
      return fill(new Uint32Array(count), () => u32());
    case 'I32':
      return fill(new Int32Array(count), () => u32() | 0);
    case 'F32':
      return fill(new Float32Array(count), () => (rng() * 2 - 1) * 10 ** intInRange(rng, -8, 8));
    case 'F64':
      return fill(new Float64Array(count), () => (rng() * 2 - 1) * 10 ** intInRange(rng, -30, 30));
    case 'F16':
    case 'BF16': {
      const widen = dtype === 'F16' ? float16BitsToFloat32 : bfloat16BitsToFloat32;
      const exponentMask = dtype === 'F16' ? 0x7c00 : 0x7f80;
      return fill(new Float32Array(count), () => {
        // Redraw the rare all-ones exponent (Infinity/NaN): NaN never compares equal.
        let bits = u32() & 0xffff;
        while ((bits & exponentMask) === exponentMask) bits = u32() & 0xffff;
        return widen(bits);
      });
    }
    case 'U64': {
      const out = new BigUint64Array(count);
      for (let i = 0; i < count; i++) out[i] = (BigInt(u32()) << 32n) | BigInt(u32());
      return out;
    }
    case 'I64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = BigInt.asIntN(64, (BigInt(u32()) << 32n) | BigInt(u32()));
      return out;
    }
  }
}

/**
 * Assembles a file from a header (an object, serialised as JSON, or raw text) and a data
 * section. `headerLength` overrides the length field, for files whose length lies; by default
 * the header is padded with spaces to a multiple of 8 like a well-behaved writer would.
 */
export function buildFile(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  options: { headerLength?: bigint; pad?: boolean } = {},
): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(text);
  if (options.pad ?? true) {
    const padded = new Uint8Array(Math.ceil(headerBytes.length / 8) * 8).fill(0x20);
    padded.set(headerBytes);
    headerBytes = padded;
  }
  return assemble(headerBytes, data, options.headerLength);
}

/** Length field + header bytes + data, with an optionally false length field. */
export function assemble(headerBytes: Uint8Array, data: Uint8Array, headerLength?: bigint): Uint8Array {
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/** Splits a file into its parsed header object and its data section (no validation). */
export function splitFile(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, unknown>;
  return { header, data: bytes.subarray(8 + length) };
}

export function product(shape: readonly number[]): number {
  return shape.reduce((acc, d) => acc * d, 1);
}
