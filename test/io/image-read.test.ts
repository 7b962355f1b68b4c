/**
 * Reading PNG and TIFF into { data, shape } with the reference's dimension order: grey → [H,W],
 * RGB(A) → [3,H,W] without alpha, pages → [P,H,W], RGB pages → [3,P,H,W], shaped descriptions
 * honoured; sample types kept; every unreadable file a one-line ImageFormatError naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import { decodeImage, decodeLabels, ImageFormatError, readImageFile, readLabelsFile, sniffFormat } from '../../src/io/image-read.js';
import { encodeTiff } from '../../src/io/tiff-write.js';
import { encodeFloatStack, encodeLabels } from '../../src/io/image-write.js';

const W = 5;
const H = 3;
const N = W * H;

function values<T extends Uint8Array | Uint16Array | Float32Array>(Ctor: new (n: number) => T, n: number, f: (i: number) => number): T {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
}

describe('PNG', () => {
  it('8-bit grey → [H,W] Uint8Array with the pixel values', () => {
    const data = values(Uint8Array, N, (i) => i * 7);
    const img = decodeImage(encodePng({ width: W, height: H, data, depth: 8, channels: 1 }));
    expect(img.shape).toEqual([H, W]);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual(Array.from(data));
    expect([img.format, img.bitDepth, img.samples]).toEqual(['png', 8, 1]);
  });

  it('16-bit grey → Uint16Array, values above 255 kept', () => {
    const data = values(Uint16Array, N, (i) => 1000 + i * 3000);
    const img = decodeImage(encodePng({ width: W, height: H, data, depth: 16, channels: 1 }));
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('RGB → [3,H,W] channel first; RGBA the same with alpha dropped', () => {
    const rgb = values(Uint8Array, N * 3, (i) => (i % 3) * 100 + Math.floor(i / 3));
    const rgba = values(Uint8Array, N * 4, (i) => (i % 4 === 3 ? 7 : (i % 4) * 100 + Math.floor(i / 4)));
    for (const [data, channels] of [[rgb, 3], [rgba, 4]] as const) {
      const img = decodeImage(encodePng({ width: W, height: H, data, depth: 8, channels }));
      expect(img.shape).toEqual([3, H, W]);
      for (let c = 0; c < 3; c++) for (let p = 0; p < N; p++) expect(img.data[c * N + p]).toBe(c * 100 + p);
    }
  });

  it('grey + alpha → [H,W] without alpha; 1-bit grey unpacked to 0/255', () => {
    const ga = values(Uint8Array, N * 2, (i) => (i % 2 ? 9 : i));
    expect(Array.from(decodeImage(encodePng({ width: W, height: H, data: ga, depth: 8, channels: 2 })).data)).toEqual(Array.from({ length: N }, (_, i) => 2 * i));
    // 5 pixels per row at 1 bit: one byte per row, MSB first.
    const packed = new Uint8Array([0b10100000, 0b01010000, 0b11111000]);
    const bits = decodeImage(encodePng({ width: W, height: H, data: packed, depth: 1, channels: 1 }));
    expect(Array.from(bits.data)).toEqual([255, 0, 255, 0, 0, 0, 255, 0, 255, 0, 255, 255, 255, 255, 255]);
  });

  it('palette PNG: an image gets its colours ([3,H,W]); labels get the indices', () => {
    const idx = values(Uint8Array, N, (i) => i % 3);
    const bytes = encodePng({ width: W, height: H, data: idx, depth: 8, channels: 1, palette: [[255, 0, 0], [0, 255, 0], [0, 0, 255]] });
    const img = decodeImage(bytes);
    expect(img.shape).toEqual([3, H, W]);
    expect([img.data[0], img.data[N], img.data[2 * N]]).toEqual([255, 0, 0]);
    expect(Array.from(decodeLabels(bytes).data)).toEqual(Array.from(idx));
  });

  it('the bundled demo image is RGB [3, 384, 512]; its scribbles hold 0, 1, 49, 67, 91', async () => {
    const img = await readImageFile('sample/0000_img.png');
    expect(img.shape).toEqual([3, 384, 512]);
    const labels = await readLabelsFile('sample/0000_scribbles_all_01500_w3.png');
    expect(labels.shape).toEqual([384, 512]);
    expect([...new Set(labels.data)].sort((a, b) => a - b)).toEqual([0, 1, 49, 67, 91]);
  });
});

describe('TIFF', () => {
  it('one 16-bit page → [H,W] Uint16Array', () => {
    const data = values(Uint16Array, N, (i) => i * 4000);
    const img = decodeImage(encodeTiff([{ width: W, height: H, data }]));
    expect(img.shape).toEqual([H, W]);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('3 pages → [3,H,W] in page order (Z or C is the channel mode\'s choice later)', () => {
    const pages = [0, 1, 2].map((p) => ({ width: W, height: H, data: values(Uint8Array, N, (i) => p * 50 + i) }));
    const img = decodeImage(encodeTiff(pages));
    expect(img.shape).toEqual([3, H, W]);
    expect(img.pages).toBe(3);
    for (let p = 0; p < 3; p++) expect(img.data[p * N + 4]).toBe(p * 50 + 4);
  });

  it('float32 pages → Float32Array', () => {
    const data = values(Float32Array, N, (i) => i / 3 - 2);
    const img = decodeImage(encodeTiff([{ width: W, height: H, data }]));
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('RGB pages → [3,H,W] (one page) and [3,P,H,W] (two pages)', () => {
    const rgb = (p: number) => values(Uint8Array, N * 3, (i) => p * 100 + (i % 3) * 10 + (Math.floor(i / 3) % 10));
    const one = decodeImage(encodeTiff([{ width: W, height: H, data: rgb(0), samples: 3 }]));
    expect(one.shape).toEqual([3, H, W]);
    const two = decodeImage(encodeTiff([0, 1].map((p) => ({ width: W, height: H, data: rgb(p), samples: 3 as const }))));
    expect(two.shape).toEqual([3, 2, H, W]);
    // channel c, page p, pixel 4 = p*100 + c*10 + 4
    for (let c = 0; c < 3; c++) for (let p = 0; p < 2; p++) expect(two.data[(c * 2 + p) * N + 4]).toBe(p * 100 + c * 10 + 4);
  });

  it('a tifffile shape description restores [K,Z,H,W]; our writers round-trip through the reader', () => {
    const stack = { data: values(Float32Array, 2 * 3 * N, (i) => i), shape: [2, 3, H, W] };
    const img = decodeImage(encodeFloatStack(stack));
    expect(img.shape).toEqual([2, 3, H, W]);
    expect(Array.from(img.data)).toEqual(Array.from(stack.data));
    const labels = { data: values(Uint16Array, 2 * N, (i) => i * 30), shape: [2, H, W] };
    const enc = encodeLabels(labels);
    expect(enc.ext).toBe('.tif');
    const back = decodeLabels(enc.bytes);
    expect(back.shape).toEqual([2, H, W]);
    expect(Array.from(back.data)).toEqual(Array.from(labels.data));
  });

  it('ImageJ hyperstack pages (Z-major, C fastest) become [C,Z,H,W]', () => {
    // 2 channels × 3 slices: page k = z*2 + c holds value 10*c + z
    const pages = [];
    for (let z = 0; z < 3; z++) for (let c = 0; c < 2; c++) pages.push({ width: W, height: H, data: values(Uint8Array, N, () => 10 * c + z) });
    const img = decodeImage(encodeTiff(pages, { description: 'ImageJ=1.54f\nimages=6\nchannels=2\nslices=3\nhyperstack=true\n' }));
    expect(img.shape).toEqual([2, 3, H, W]);
    for (let c = 0; c < 2; c++) for (let z = 0; z < 3; z++) expect(img.data[(c * 3 + z) * N]).toBe(10 * c + z);
  });
});

describe('errors: one line, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cp-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('not an image, a truncated PNG, a truncated TIFF, a missing file', async () => {
    const png = encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64), depth: 8, channels: 1 });
    const tiff = encodeTiff([{ width: 64, height: 64, data: new Uint8Array(64 * 64) }]);
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['text.png', new TextEncoder().encode('hello, not an image'), /not a PNG or TIFF/],
      ['cut.png', png.subarray(0, 40), /cannot decode this PNG/],
      ['cut.tif', tiff.subarray(0, 100), /cannot decode this TIFF|TIFF/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const error = await readImageFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImageFormatError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).not.toContain('\n');
    }
    await expect(readImageFile(join(dir, 'missing.png'))).rejects.toThrow(/no such file/);
  });

  it('labels must have one sample per pixel', () => {
    const rgb = encodePng({ width: W, height: H, data: new Uint8Array(N * 3), depth: 8, channels: 3 });
    expect(() => decodeLabels(rgb, 'scribbles.png')).toThrow(/scribbles.png: a label image must have one value per pixel/);
  });

  it('sniffFormat knows PNG, both TIFF byte orders, and nothing else', () => {
    expect(sniffFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10]))).toBe('png');
    expect(sniffFormat(new Uint8Array([0x49, 0x49, 42, 0]))).toBe('tiff');
    expect(sniffFormat(new Uint8Array([0x4d, 0x4d, 0, 42]))).toBe('tiff');
    expect(sniffFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBeNull();
  });
});
