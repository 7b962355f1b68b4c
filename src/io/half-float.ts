/**
 * 16-bit floats on the CPU: IEEE 754 binary16 ("F16", what PyTorch calls `half`) and bfloat16
 * ("BF16"). Neither exists as a JavaScript typed array, so files store them as raw 16-bit patterns
 * (`Uint16Array`) and we widen to `Float32Array` to compute. Both widen to float32 exactly; the
 * narrowing direction rounds to nearest, ties to even, like hardware conversions do, so values
 * written here read back identically in PyTorch and NumPy.
 */

// Scratch cell for reading a float32's bit pattern without allocating per value.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function float32Bits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0];
}

/**
 * Narrows a number to the nearest binary16 value (ties to even) and returns its 16-bit pattern.
 * The number is first rounded to float32, so pass float32 values to avoid rounding twice.
 * Overflow gives ±Infinity, underflow gives subnormals or ±0, NaN stays NaN (quiet).
 */
export function float32ToFloat16Bits(value: number): number {
  const bits = float32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) {
    // Keep NaN a NaN: set the quiet bit so a payload living only in the dropped bits survives.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // Subnormal in binary16: value = m · 2^-24. Below 2^-25 everything rounds to zero (and a
    // float32 subnormal is far below that), which also keeps the shift below under 32.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShiftRightEven(significand, shift);
  }

  // Normal: drop 13 mantissa bits. A carry out of the mantissa correctly bumps the exponent, and
  // out of the largest exponent gives 0x7c00, i.e. Infinity.
  return sign | roundShiftRightEven((halfExponent << 23) | mantissa, 13);
}

/** `value >>> shift`, rounded to nearest with ties to even (shift in 1..31). */
function roundShiftRightEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const dropped = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return dropped > half || (dropped === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** Widens a binary16 bit pattern (low 16 bits of `bits`) to its exact value. */
export function float16BitsToFloat32(bits: number): number {
  scratchU32[0] = float16BitsToFloat32Bits(bits & 0xffff);
  return scratchF32[0];
}

/** The float32 bit pattern holding exactly the binary16 value `bits`. */
function float16BitsToFloat32Bits(bits: number): number {
  const sign = (bits & 0x8000) << 16;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent - 15 + 127) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal: m · 2^-24 is a normal float32; the multiplication is exact.
  return (sign | float32Bits(mantissa * 2 ** -24)) >>> 0;
}

// All 65,536 widenings, built on first use: decoding a large F16 tensor becomes one table lookup
// per element, and copying bit patterns keeps NaN payloads and the sign of zero.
let float16Table: Uint32Array | undefined;

function float16ToFloat32BitsTable(): Uint32Array {
  if (float16Table === undefined) {
    float16Table = new Uint32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) float16Table[h] = float16BitsToFloat32Bits(h);
  }
  return float16Table;
}

/** Widens an array of binary16 bit patterns to a new `Float32Array` of the same length. */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  const table = float16ToFloat32BitsTable();
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = table[bits[i]];
  return out;
}

/** Narrows float32 values to binary16 bit patterns (round to nearest even), into a new array. */
export function encodeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/**
 * Narrows a number to the nearest bfloat16 (ties to even) and returns its 16-bit pattern.
 * bfloat16 is the top half of a float32, so only the rounding needs care.
 */
export function float32ToBfloat16Bits(value: number): number {
  const bits = float32Bits(value);
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    // NaN: plain rounding could carry it into Infinity, or truncate its payload to zero.
    return (bits >>> 16) | 0x40;
  }
  // Adding 0x7fff plus the lowest kept bit rounds ties to even; JavaScript numbers do not wrap,
  // and the largest non-NaN pattern (-Infinity) plus 0x8000 stays below 2^32.
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/** Widens a bfloat16 bit pattern (low 16 bits of `bits`) to its exact value. */
export function bfloat16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/** Widens an array of bfloat16 bit patterns to a new `Float32Array` of the same length. */
export function decodeBfloat16(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/** Narrows float32 values to bfloat16 bit patterns (round to nearest even), into a new array. */
export function encodeBfloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBfloat16Bits(values[i]);
  return out;
}
