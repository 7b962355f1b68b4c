import { describe, expect, it } from 'vitest';
import { derivativeOfGaussian, derivativeRadius, fullTaps, KernelPack, scipyGaussian } from '../../src/core/filter-kernels.js';
import type { DerivativeOrder } from '../../src/core/filter-kernels.js';
import { ILASTIK_SIGMAS } from '../../src/features/ilastik.js';
import { ValueError } from '../../src/errors.js';

const SIGMAS = [...ILASTIK_SIGMAS, ...ILASTIK_SIGMAS.map((s) => s / 2)];

/** Σ_k taps(k)·p(k) over the full kernel, in float64. */
function moment(order: DerivativeOrder, sigma: number, p: (k: number) => number): number {
  const k = derivativeOfGaussian(order, sigma);
  const taps = fullTaps(k);
  let s = 0;
  for (let j = 0; j < taps.length; j++) s += taps[j] * p(j - k.radius);
  return s;
}

describe('derivative-of-Gaussian kernels (fastfilters construction)', () => {
  it('half-length ceil((3 + order/2)·σ): σ = 10 at order 2 is the largest, 40', () => {
    expect(derivativeRadius(0, 0.3)).toBe(1);
    expect(derivativeRadius(1, 0.3)).toBe(2);
    expect(derivativeRadius(2, 0.7)).toBe(3);
    expect(derivativeRadius(0, 10)).toBe(30);
    expect(derivativeRadius(1, 10)).toBe(35);
    expect(derivativeRadius(2, 10)).toBe(40);
    expect(derivativeRadius(0, 1e-7)).toBe(0);
    for (const s of SIGMAS) for (const o of [0, 1, 2] as const) expect(derivativeOfGaussian(o, s).radius).toBe(derivativeRadius(o, s));
  });

  // Normalisations hold in float64 up to the float32 rounding of the stored taps (≈ 1e-7 each).
  it('order 0 sums to 1; order 1 maps a unit ramp to +1; order 2 is zero-mean and maps x² to 2', () => {
    for (const s of SIGMAS) {
      expect(Math.abs(moment(0, s, () => 1) - 1)).toBeLessThan(1e-6);
      expect(Math.abs(moment(0, s, (k) => k))).toBeLessThan(1e-12); // symmetric
      // out[i] = Σ c[k]·(x[i+k] − x[i−k]) on x = i: Σ taps(k)·k over the full kernel
      expect(Math.abs(moment(1, s, (k) => k) - 1)).toBeLessThan(1e-6);
      expect(Math.abs(moment(1, s, () => 1))).toBeLessThan(1e-12); // antisymmetric: constants → 0
      expect(Math.abs(moment(2, s, () => 1))).toBeLessThan(1e-6);
      expect(Math.abs(moment(2, s, (k) => k * k) - 2)).toBeLessThan(1e-5);
    }
  });

  it('symmetry flags and shapes: order 1 antisymmetric with c[0] = 0 and positive c[k]', () => {
    const d1 = derivativeOfGaussian(1, 1.6);
    expect(d1.symmetric).toBe(false);
    expect(d1.half[0]).toBe(0);
    for (let k = 1; k <= d1.radius; k++) expect(d1.half[k]).toBeGreaterThan(0);
    const d2 = derivativeOfGaussian(2, 1.6);
    expect(d2.symmetric).toBe(true);
    expect(d2.half[0]).toBeLessThan(0); // −1/σ³ prefactor at the centre, normalised to give +2 on x²
  });

  it('taps follow fastfilters: float taps norm·g(x), divided by their float64 sum (σ = 1, order 0)', () => {
    const k = derivativeOfGaussian(0, 1);
    const stored = [0, 1, 2, 3].map((x) => Math.fround(Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)));
    const sum = stored[0] + 2 * (stored[1] + stored[2] + stored[3]);
    // within one float32 ulp (C's exp and V8's may differ in the last double bit)
    for (let x = 0; x <= 3; x++) expect(Math.abs(k.half[x] - Math.fround(stored[x] / sum))).toBeLessThanOrEqual(2 ** -24 * k.half[x]);
  });

  it('rejects a negative σ or an unknown order', () => {
    expect(() => derivativeOfGaussian(0, -1)).toThrow(ValueError);
    expect(() => derivativeOfGaussian(3 as DerivativeOrder, 1)).toThrow(/order/);
    expect(() => scipyGaussian(0)).toThrow(ValueError);
  });
});

describe('scipy Gaussian (gaussian_features)', () => {
  it('σ = 3, truncate 4: radius 12, weights exp(−x²/18) normalised to 1', () => {
    const k = scipyGaussian(3, 4);
    expect(k.radius).toBe(12);
    const w = Array.from({ length: 25 }, (_, j) => Math.exp(-((j - 12) ** 2) / 18));
    const sum = w.reduce((a, b) => a + b, 0);
    const taps = fullTaps(k);
    for (let j = 0; j < 25; j++) expect(Math.abs(taps[j] - w[j] / sum)).toBeLessThan(1e-8);
  });
});

describe('KernelPack', () => {
  it('packs kernels back to back and stores a repeated kernel once', () => {
    const a = derivativeOfGaussian(0, 1);
    const b = derivativeOfGaussian(2, 3.5);
    const pack = new KernelPack();
    expect(pack.add(a)).toBe(0);
    expect(pack.add(b)).toBe(a.half.length);
    expect(pack.add(derivativeOfGaussian(0, 1))).toBe(0);
    const data = pack.data();
    expect(data.length).toBe(a.half.length + b.half.length);
    expect(Array.from(data.subarray(a.half.length))).toEqual(Array.from(b.half));
    expect(() => pack.offsetOf(derivativeOfGaussian(1, 1))).toThrow(ValueError);
  });
});
