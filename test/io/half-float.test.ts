import { describe, it, expect } from 'vitest';

import {
  bfloat16BitsToFloat32,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../../src/io/half-float.js';
import { rng as seededRandom } from '../helpers/random.js';

const hex = (bits: number) => `0x${bits.toString(16).padStart(4, '0')}`;
const isF16NaN = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;

describe('float16 encoding', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0, 0x0000],
    [-0, 0x8000],
    [65504, 0x7bff], // largest finite
    [65519, 0x7bff], // just below the midpoint to Infinity
    [65520, 0x7c00], // the midpoint: ties to even, and the even neighbour is Infinity
    [1e6, 0x7c00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal (6.1035e-5)
    [6.1e-5, 0x03ff], // just below it: 1023.4 · 2^-24, a subnormal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to it: ties to even (zero)
    [1.5 * 2 ** -25, 0x0001],
    [-(2 ** -26), 0x8000],
    [1e-10, 0x0000],
    [1 / 3, 0x3555], // 0.333251953125
    [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01 → even
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 → even
    [0.1, 0x2e66],
  ].map(([value, bits]) => [value, hex(bits)] as const))('%s → %s', (value, bits) => {
    expect(hex(float32ToFloat16Bits(value))).toBe(bits);
  });

  it('keeps NaN a NaN, including NaNs whose payload sits only in the dropped bits', () => {
    expect(isF16NaN(float32ToFloat16Bits(NaN))).toBe(true);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    u[0] = 0x7f800001; // signalling NaN with a one-bit payload
    expect(isF16NaN(float32ToFloat16Bits(f[0]))).toBe(true);
  });

  it('decodes known patterns exactly, subnormals and specials included', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x3555)).toBe(0.333251953125);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('round-trips all 65,536 bit patterns (NaNs stay NaN)', () => {
    const all = new Uint16Array(0x10000).map((_, i) => i);
    const widened = decodeFloat16(all);
    const narrowed = encodeFloat16(widened);
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const scalar = float16BitsToFloat32(h);
      if (!Object.is(widened[h], scalar) && !(isF16NaN(h) && Number.isNaN(widened[h]))) {
        wrong.push(`${hex(h)} widened to ${widened[h]} but the scalar path gives ${scalar}`);
      }
      const back = narrowed[h];
      if (isF16NaN(h) ? !isF16NaN(back) : back !== h) wrong.push(`${hex(h)} came back as ${hex(back)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('rounds random float32 values to the nearest float16, ties to even', () => {
    // Oracle: the result must be at least as close as both neighbours, and even on a tie. The
    // differences are exact in float64, so the comparisons are too.
    const rng = seededRandom(16);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    // Past 65504 the next value up is (for rounding purposes) 65536, whose pattern is Infinity.
    const valueOf = (h: number) => (h === 0x7c00 ? 65536 : float16BitsToFloat32(h));
    for (let i = 0; i < 20000; i++) {
      // Exponents spanning subnormals to overflow; only positive values (the sign is one bit).
      u[0] = (((rng() * 0x30 + 0x60) << 23) | (rng() * 0x800000)) >>> 0;
      const x = f[0];
      if (x >= 65520) continue;
      const h = float32ToFloat16Bits(x);
      const error = Math.abs(valueOf(h) - x);
      for (const neighbour of [h - 1, h + 1]) {
        if (neighbour < 0 || neighbour > 0x7c00) continue;
        const other = Math.abs(valueOf(neighbour) - x);
        if (other < error || (other === error && (h & 1) === 1)) {
          expect.fail(`${x} → ${hex(h)}, but ${hex(neighbour)} is nearer or the even tie`);
        }
      }
      expect(float32ToFloat16Bits(-x)).toBe(h | 0x8000);
    }
  });
});

describe('bfloat16 encoding', () => {
  it.each([
    [1, 0x3f80],
    [-2, 0xc000],
    [1 / 3, 0x3eab],
    [Infinity, 0x7f80],
    [-Infinity, 0xff80],
    [1 + 2 ** -8, 0x3f80], // tie → even
    [1 + 3 * 2 ** -8, 0x3f82], // tie → even
    [3.4028234663852886e38, 0x7f80], // largest float32 rounds up to Infinity
  ].map(([value, bits]) => [value, hex(bits)] as const))('%s → %s', (value, bits) => {
    expect(hex(float32ToBfloat16Bits(value))).toBe(bits);
  });

  it('keeps NaN a NaN and decodes exactly', () => {
    const nan = float32ToBfloat16Bits(NaN);
    expect(bfloat16BitsToFloat32(nan)).toBeNaN();
    expect(bfloat16BitsToFloat32(0x3f80)).toBe(1);
    expect(bfloat16BitsToFloat32(0x0001)).toBe(2 ** -133);
    const all = new Uint16Array(0x10000).map((_, i) => i);
    const narrowed = encodeBfloat16(decodeBfloat16(all));
    const wrong: string[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const nanPattern = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (!nanPattern && narrowed[h] !== h) wrong.push(`${hex(h)} came back as ${hex(narrowed[h])}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});
