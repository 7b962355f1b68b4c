import { describe, expect, it } from 'vitest';
import { overallPaddings } from '../../src/features/padding.js';
import { integerToUnitRange, normalizeImage } from '../../src/prepare/normalize.js';

describe('overall paddings (REFERENCE.md §4.5 examples)', () => {
  it('default vgg (pad 1, [1,2,4]): H 252 → 4/4, H 250 → 4/6', () => {
    expect(overallPaddings(1, 1, [1, 2, 4], 252, 250)).toMatchObject({ top: 4, bottom: 4, left: 4, right: 6, alignment: 4 });
  });
  it('vgg-m (pad 5, patch 2, [1,2,4]) → top 24; vgg-l (pad 12, patch 4, [1,2,4,8]) → top 96', () => {
    expect(overallPaddings(5, 2, [1, 2, 4], 300, 300).top).toBe(24);
    expect(overallPaddings(12, 4, [1, 2, 4, 8], 300, 300).top).toBe(96);
  });
  it('vgg-m with [1]: pad 5, A 2 → top 6, padded 312 for 300 (REFERENCE §11 D)', () => {
    const p = overallPaddings(5, 2, [1], 300, 300);
    expect([p.top, p.bottom, 300 + p.top + p.bottom]).toEqual([6, 6, 312]);
  });
  it('gaussian 12 and ilastik 48 on every side; zero padding when the FE needs none', () => {
    expect(overallPaddings(12, 1, [1], 37, 53)).toMatchObject({ top: 12, bottom: 12, left: 12, right: 12 });
    expect(overallPaddings(48, 1, [1], 37, 53)).toMatchObject({ top: 48, bottom: 48 });
    expect(overallPaddings(0, 14, [1], 100, 100)).toMatchObject({ top: 0, bottom: 12 });
  });
});

describe('normalisation (REFERENCE.md §4.3)', () => {
  it('z-score over the stack per channel (normalize 2), population std', () => {
    const data = Uint8Array.from([0, 2, 4, 6, 10, 10, 10, 10]); // C=2, Z=1, 2x2
    const { data: out } = normalizeImage(data, [2, 1, 2, 2], 2, 'default', 'multi');
    const s = Math.sqrt(5);
    expect(Array.from(out.subarray(0, 4))).toEqual([-3 / s, -1 / s, 1 / s, 3 / s].map(Math.fround));
    expect(Array.from(out.subarray(4))).toEqual([0, 0, 0, 0]); // std floored at 1e-6
  });
  it('per plane (normalize 3) makes every plane zero-mean', () => {
    const data = Float32Array.from([1, 2, 3, 4, 100, 200, 300, 400]); // C=1, Z=2
    const { data: out } = normalizeImage(data, [1, 2, 2, 2], 3, 'default', 'single');
    expect(out[0] + out[1] + out[2] + out[3]).toBeCloseTo(0, 6);
    expect(out[4]).toBeCloseTo(out[0], 6);
  });
  it('ImageNet only for rgb data: uint8 ÷ 255, uint16 ÷ 65535, floats outside [0,1] untouched with a warning', () => {
    const u8 = normalizeImage(Uint8Array.from([255, 0, 255]), [3, 1, 1, 1], 2, 'imagenet', 'rgb').data;
    expect(u8[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(u8[1]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    const u16 = normalizeImage(Uint16Array.from([65535, 0, 0]), [3, 1, 1, 1], 2, 'imagenet', 'rgb').data;
    expect(u16[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    const f = normalizeImage(Float32Array.from([2, 0, 0]), [3, 1, 1, 1], 2, 'imagenet', 'rgb');
    expect(Array.from(f.data)).toEqual([2, 0, 0]);
    expect(f.warnings[0]).toMatch(/outside \[0, 1\]/);
    const grey = normalizeImage(Uint8Array.from([0, 10]), [1, 1, 1, 2], 2, 'imagenet', 'single').data;
    expect(Array.from(grey)).toEqual([-1, 1]); // not rgb → z-score
  });
  it('img_as_float for the Gaussian FE without normalisation: uint8 ÷ 255, int16 ÷ 32767, floats kept', () => {
    const u8 = Uint8Array.from([0, 51, 255]);
    const out = normalizeImage(u8, [1, 1, 1, 3], 1, 'default', 'single').data;
    integerToUnitRange(u8, out);
    expect(Array.from(out)).toEqual([0, Math.fround(0.2), 1]);
    const i16 = Int16Array.from([-32767, 32767]);
    const o16 = normalizeImage(i16, [1, 1, 1, 2], 1, 'default', 'single').data;
    integerToUnitRange(i16, o16);
    expect(Array.from(o16)).toEqual([-1, 1]);
    const f = Float32Array.from([3.5]);
    const of = normalizeImage(f, [1, 1, 1, 1], 1, 'default', 'single').data;
    integerToUnitRange(f, of);
    expect(of[0]).toBe(3.5);
  });

  it('normalize 1 passes raw values', () => {
    expect(Array.from(normalizeImage(Uint8Array.from([0, 255]), [1, 1, 1, 2], 1, 'imagenet', 'rgb').data)).toEqual([0, 255]);
  });
});
