/**
 * Our baseline TIFF writer, checked by decoding with the `tiff` package (image-js) — an
 * independent reader — for every sample type, several pages, RGB, and the shape description.
 */
import { describe, expect, it } from 'vitest';
import { decode } from 'tiff';
import { encodeTiff, shapedDescription } from '../../src/io/tiff-write.js';
import { ValueError } from '../../src/errors.js';

function ramp<T extends Uint8Array | Uint16Array | Float32Array>(Ctor: new (n: number) => T, n: number, f: (i: number) => number): T {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

describe('encodeTiff', () => {
  it('8-bit, one page: every value and the geometry survive', () => {
    const data = ramp(Uint8Array, 7 * 5, (i) => (i * 37) % 256);
    const [page] = decode(encodeTiff([{ width: 7, height: 5, data }]));
    expect([page.width, page.height, page.bitsPerSample, page.samplesPerPixel, page.compression]).toEqual([7, 5, 8, 1, 1]);
    expect(Array.from(page.data)).toEqual(Array.from(data));
  });

  it('16-bit unsigned: values above 255 and 65535 exactly', () => {
    const data = ramp(Uint16Array, 31 * 2, (i) => (i * 2113) % 65536);
    data[0] = 65535;
    const [page] = decode(encodeTiff([{ width: 31, height: 2, data }]));
    expect(page.bitsPerSample).toBe(16);
    expect(page.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(page.data)).toEqual(Array.from(data));
  });

  it('32-bit float with sample format 3: negatives, fractions, large values bit-exact', () => {
    const data = ramp(Float32Array, 9 * 4, (i) => (i - 17) * 0.3141 * (i % 3 === 0 ? 1e6 : 1));
    const [page] = decode(encodeTiff([{ width: 9, height: 4, data }]));
    expect(page.sampleFormat).toBe(3);
    expect(page.data).toBeInstanceOf(Float32Array);
    expect(Array.from(page.data)).toEqual(Array.from(data));
  });

  it('several pages in order, each with its own values; description only on the first', () => {
    const pages = [0, 1, 2].map((p) => ({ width: 3, height: 2, data: ramp(Float32Array, 6, (i) => p * 100 + i) }));
    const description = shapedDescription([3, 2, 3], { classes: [1, 2, 3] });
    const decoded = decode(encodeTiff(pages, { description }));
    expect(decoded).toHaveLength(3);
    decoded.forEach((d, p) => expect(Array.from(d.data)).toEqual(Array.from(pages[p].data)));
    expect(JSON.parse(decoded[0].imageDescription!)).toEqual({ shape: [3, 2, 3], classes: [1, 2, 3] });
    expect(decoded[1].imageDescription).toBeUndefined();
  });

  it('odd byte counts keep the following IFD aligned (3×3 8-bit pages, two of them)', () => {
    const pages = [1, 2].map((p) => ({ width: 3, height: 3, data: ramp(Uint8Array, 9, (i) => p * 10 + i) }));
    const decoded = decode(encodeTiff(pages));
    expect(decoded.map((d) => Array.from(d.data))).toEqual(pages.map((p) => Array.from(p.data)));
  });

  it('interleaved RGB pages are read back as RGB', () => {
    const data = ramp(Uint8Array, 4 * 2 * 3, (i) => i * 10);
    const [page] = decode(encodeTiff([{ width: 4, height: 2, data, samples: 3 }]));
    expect([page.samplesPerPixel, page.type]).toEqual([3, 2]);
    expect(Array.from(page.data)).toEqual(Array.from(data));
  });

  it('refuses inconsistent pages and non-ASCII descriptions before writing anything', () => {
    expect(() => encodeTiff([])).toThrow(ValueError);
    expect(() => encodeTiff([{ width: 3, height: 3, data: new Uint8Array(8) }])).toThrow(/do not fill/);
    expect(() => encodeTiff([{ width: 0, height: 3, data: new Uint8Array(0) }])).toThrow(/positive/);
    expect(() => encodeTiff([{ width: 1, height: 1, data: new Float32Array(3), samples: 3 }])).toThrow(/RGB/);
    expect(() => encodeTiff([{ width: 1, height: 1, data: new Uint8Array(1) }], { description: 'µm' })).toThrow(/ASCII/);
  });
});
