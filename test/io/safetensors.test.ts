import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { SafetensorsFormatError, ShapeError, ValueError } from '../../src/errors.js';
import {
  SAFETENSORS_DTYPES,
  bigIntsToNumbers,
  dtypeByteSize,
  readSafetensors,
  writeSafetensors,
  type NamedTensorInput,
  type SafetensorsDtype,
  type SafetensorsFile,
  type TensorArray,
} from '../../src/io/safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/io/safetensors-node.js';
import { float16BitsToFloat32 } from '../../src/io/half-float.js';
import { rng as seededRandom } from '../helpers/random.js';
import {
  assemble,
  buildFile,
  goldenDir,
  intInRange,
  pick,
  product,
  randomTensorData,
  splitFile,
  testWeightsFile,
} from './fixtures.js';

/** Runs `fn` and returns the SafetensorsFormatError it throws; fails on anything else. */
function formatError(fn: () => unknown): SafetensorsFormatError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SafetensorsFormatError) return error;
    throw new Error(`expected a SafetensorsFormatError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a SafetensorsFormatError, but the file was accepted');
}

/** The error reading `bytes` throws, which must be a SafetensorsFormatError. */
function rejection(bytes: Uint8Array): SafetensorsFormatError {
  return formatError(() => readSafetensors(bytes));
}

/** Everything a caller may do with a file that was accepted; each must work and agree with the header. */
function useEveryTensor(file: SafetensorsFile): void {
  for (const name of file.names()) {
    const info = file.info(name);
    const count = product(info.shape);
    expect(info.elementCount).toBe(count);
    expect(info.byteLength).toBe(count * dtypeByteSize(info.dtype));
    expect(file.raw(name).length).toBe(info.byteLength);
    const tensor = file.get(name);
    expect(tensor.shape).toEqual(info.shape);
    expect(tensor.data.length).toBe(count);
    expect(file.getFloat32(name).length).toBe(count);
  }
}

describe('golden files from the reference tool', () => {
  const goldenFiles = existsSync(goldenDir)
    ? readdirSync(goldenDir).filter((f) => f.endsWith('.safetensors')).sort()
    : [];

  it('finds the shared golden files', () => {
    // An empty list would make the loop below test nothing: say so loudly instead.
    expect(goldenFiles.length, `no *.safetensors under ${goldenDir}`).toBeGreaterThanOrEqual(10);
  });

  for (const fileName of goldenFiles) {
    it(`reads ${fileName}: every tensor matches its shape, data is finite, tensors tile the data`, async () => {
      const bytes = await readFile(path.join(goldenDir, fileName));
      const file = readSafetensors(bytes);
      useEveryTensor(file);
      expect(Object.keys(file.metadata).length).toBeGreaterThan(0);
      for (const value of Object.values(file.metadata)) expect(typeof value).toBe('string');

      // The reference writer packs tensors back to back up to the end of the file.
      let expectedOffset = bytes.length - [...file.tensors.values()].reduce((sum, t) => sum + t.byteLength, 0);
      for (const info of file.tensors.values()) {
        expect(info.byteOffset).toBe(expectedOffset);
        expectedOffset += info.byteLength;
      }
      expect(expectedOffset).toBe(bytes.length);

      for (const name of file.names()) {
        const { dtype } = file.info(name);
        if (dtype !== 'F32' && dtype !== 'F16') continue;
        const values = file.getFloat32(name);
        let nonFinite = 0;
        for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) nonFinite++;
        expect(nonFinite, `${name} holds non-finite values`).toBe(0);
      }
    });
  }

  it('gaussian_gray2d: coins image [303,384] and its features [1,303,384], with parameters', async () => {
    const file = await readSafetensorsFile(path.join(goldenDir, 'gaussian_gray2d.safetensors'));
    expect(file.names()).toEqual(['image', 'features']);
    expect(file.info('image')).toMatchObject({ dtype: 'U8', shape: [303, 384] });
    expect(file.info('features')).toMatchObject({ dtype: 'F32', shape: [1, 303, 384] });
    expect(file.get('image').data).toBeInstanceOf(Uint8Array);
    expect(file.get('features').data).toBeInstanceOf(Float32Array);
    const params = JSON.parse(file.metadata.params) as Record<string, unknown>;
    expect(params.fe_name).toBe('gaussian_features');
  });

  it('gaussian_rgb_e2e: segmentation holds the four class values, probabilities sum to one', async () => {
    const file = await readSafetensorsFile(path.join(goldenDir, 'gaussian_rgb_e2e.safetensors'));
    const segmentation = file.get('segmentation');
    expect(segmentation.dtype).toBe('I32');
    expect(segmentation.shape).toEqual([384, 512]);
    expect([...new Set(segmentation.data as Int32Array)].sort((a, b) => a - b)).toEqual([1, 49, 67, 91]);

    // Row-major [K,H,W]: summing the K planes pixel by pixel gives 1 only if the layout is right.
    const probas = file.getFloat32('probas');
    const plane = 384 * 512;
    for (const pixel of [0, 1, 777, plane - 1]) {
      const sum = [0, 1, 2, 3].reduce((acc, k) => acc + probas[k * plane + pixel], 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    }
  });

  it('vgg_rgb_crop: features [192,96,128] float32, rgb mode', async () => {
    const file = await readSafetensorsFile(path.join(goldenDir, 'vgg_rgb_crop.safetensors'));
    expect(file.info('features')).toMatchObject({ dtype: 'F32', shape: [192, 96, 128] });
    expect(file.info('image')).toMatchObject({ dtype: 'U8', shape: [3, 96, 128] });
    expect(file.metadata.channel_mode).toBe('rgb');
    expect(file.metadata.weights).toContain('vgg16-test-random-init');
  });

  it('vgg_m_rgb_crop: float16 features [768,96,128] widen exactly', async () => {
    const bytes = await readFile(path.join(goldenDir, 'vgg_m_rgb_crop.safetensors'));
    const file = readSafetensors(bytes);
    const info = file.info('features');
    expect(info).toMatchObject({ dtype: 'F16', shape: [768, 96, 128] });
    const values = file.get('features').data;
    expect(values).toBeInstanceOf(Float32Array);
    // Independent decoding straight from the file's bytes with the textbook formula.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rng = seededRandom(7);
    for (let k = 0; k < 200; k++) {
      const i = intInRange(rng, 0, info.elementCount - 1);
      const h = view.getUint16(info.byteOffset + 2 * i, true);
      const exponent = (h >> 10) & 0x1f;
      const magnitude = exponent === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** (exponent - 15);
      expect(values[i]).toBe(h & 0x8000 ? -magnitude : magnitude);
    }
  });

  it('ilastik_tiny_gray: a float32 tensor at an unaligned offset is copied, not misread', async () => {
    const bytes = await readFile(path.join(goldenDir, 'ilastik_tiny_gray.safetensors'));
    const file = readSafetensors(bytes);
    const info = file.info('features');
    expect(info).toMatchObject({ dtype: 'F32', shape: [56, 37, 53] });
    expect((bytes.byteOffset + info.byteOffset) % 4).not.toBe(0); // the case this test is about
    const values = file.get('features').data as Float32Array;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const i of [0, 1, 2, 1000, info.elementCount - 1]) {
      expect(values[i]).toBe(view.getFloat32(info.byteOffset + 4 * i, true));
    }
  });

  it('classifier_rows_vgg: training rows and labels, accuracy in metadata', async () => {
    const file = await readSafetensorsFile(path.join(goldenDir, 'classifier_rows_vgg.safetensors'));
    expect(file.info('train_x')).toMatchObject({ dtype: 'F32', shape: [10678, 192] });
    expect(file.info('train_y')).toMatchObject({ dtype: 'I32', shape: [10678] });
    expect(file.info('eval_x')).toMatchObject({ dtype: 'F32', shape: [20000, 192] });
    const accuracy = Number(file.metadata.sklearn_rf_eval_accuracy);
    expect(accuracy).toBeGreaterThan(0.5);
    expect(accuracy).toBeLessThanOrEqual(1);
  });

  it('reads the VGG16 test weights: torchvision names, [out,in,kh,kw] float32', async () => {
    const file = await readSafetensorsFile(testWeightsFile);
    useEveryTensor(file);
    const convs = [0, 2, 5, 7, 10, 12, 14];
    expect(file.names()).toEqual(convs.flatMap((i) => [`features.${i}.weight`, `features.${i}.bias`]));
    expect(file.info('features.0.weight')).toMatchObject({ dtype: 'F32', shape: [64, 3, 3, 3] });
    expect(file.info('features.0.bias').shape).toEqual([64]);
    expect(file.info('features.14.weight').shape).toEqual([256, 256, 3, 3]);
    expect(file.metadata.what).toMatch(/NOT ImageNet/);
    expect(file.get('features.0.weight').data).toBeInstanceOf(Float32Array);
  });
});

describe('writing and reading back', () => {
  it('round-trips every dtype, including empty and scalar tensors, at unaligned offsets', () => {
    const rng = seededRandom(2024);
    // A 5-byte tensor first pushes every later tensor off its natural alignment.
    const tensors: NamedTensorInput[] = [
      { name: 'odd', dtype: 'U8', shape: [5], data: randomTensorData('U8', 5, rng) },
    ];
    for (const dtype of SAFETENSORS_DTYPES) {
      tensors.push({ name: `${dtype}/block`, dtype, shape: [3, 5, 7], data: randomTensorData(dtype, 105, rng) });
      tensors.push({ name: `${dtype}/empty`, dtype, shape: [2, 0, 3], data: randomTensorData(dtype, 0, rng) });
      tensors.push({ name: `${dtype}/scalar`, dtype, shape: [], data: randomTensorData(dtype, 1, rng) });
    }
    const bytes = writeSafetensors(tensors);
    const file = readSafetensors(bytes);
    expect(file.names()).toEqual(tensors.map((t) => t.name));
    useEveryTensor(file);
    for (const tensor of tensors) {
      const read = file.get(tensor.name);
      expect(read.dtype).toBe(tensor.dtype);
      expect(read.shape).toEqual(tensor.shape);
      expect(read.data.constructor).toBe(tensor.data.constructor);
      expect([...read.data]).toEqual([...tensor.data]);
      const asFloat = file.getFloat32(tensor.name);
      expect([...asFloat]).toEqual([...tensor.data].map((v) => Math.fround(Number(v))));
    }
    // Odd offsets really occurred (otherwise the unaligned path went untested).
    const unaligned = tensors.filter((t) => file.info(t.name).byteOffset % t.data.BYTES_PER_ELEMENT !== 0);
    expect(unaligned.length).toBeGreaterThan(0);
  });

  it('accepts raw little-endian bytes and ready-made 16-bit patterns', () => {
    const values = new Float32Array([1.5, -2, 1e-3]);
    const bits = new Uint16Array([0x3c00, 0xc000, 0x7c00]); // 1, -2, Infinity
    const file = readSafetensors(
      writeSafetensors([
        { name: 'raw', dtype: 'F32', shape: [3], data: new Uint8Array(values.buffer) },
        { name: 'half', dtype: 'F16', shape: [3], data: bits },
        { name: 'brain', dtype: 'BF16', shape: [1, 3], data: values },
      ]),
    );
    expect([...file.get('raw').data]).toEqual([...values]);
    expect([...file.get('half').data]).toEqual([1, -2, Infinity]);
    expect([...new Uint16Array(file.raw('half').slice().buffer)]).toEqual([...bits]);
    expect([...file.get('brain').data]).toEqual([1.5, -2, 0.00099945068359375]);
  });

  it('encodes float32 input for F16 with round-to-nearest-even', () => {
    const input = new Float32Array([1, -2, 65504, 6.1e-5, Infinity, NaN, 1 / 3, 70000, 2 ** -25]);
    const file = readSafetensors(writeSafetensors({ h: { dtype: 'F16', shape: [input.length], data: input } }));
    expect([...new Uint16Array(file.raw('h').slice().buffer)].map((b) => b.toString(16))).toEqual(
      ['3c00', 'c000', '7bff', '3ff', '7c00', '7e00', '3555', '7c00', '0'],
    );
    const back = file.get('h').data as Float32Array;
    expect([...back.slice(0, 5)]).toEqual([1, -2, 65504, 1023 * 2 ** -24, Infinity]);
    expect(back[5]).toBeNaN();
    expect(back[6]).toBe(float16BitsToFloat32(0x3555));
  });

  it('round-trips metadata, unicode included', () => {
    const metadata = {
      format: 'pt',
      note: 'µm ✓ 画像',
      empty: '',
      json: JSON.stringify({ a: [1, 2] }),
      constructor: 'x',
    };
    const tensors = { w: { dtype: 'F32' as const, shape: [1], data: new Float32Array([3]) } };
    const file = readSafetensors(writeSafetensors(tensors, metadata));
    expect(file.metadata).toEqual(metadata);
    expect(readSafetensors(writeSafetensors({})).metadata).toEqual({});
    expect(readSafetensors(writeSafetensors({}, {})).names()).toEqual([]);
  });

  it('pads the header with spaces so the data section starts at a multiple of 8', () => {
    for (let nameLength = 0; nameLength < 20; nameLength++) {
      const name = 'n'.repeat(nameLength);
      const bytes = writeSafetensors({ [name]: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) } });
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + headerLength) % 8).toBe(0);
      expect(bytes.length).toBe(8 + headerLength + 3);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
      expect(header).toMatch(/^\{.*\} *$/);
      expect(readSafetensors(bytes).get(name).data).toEqual(new Uint8Array([1, 2, 3]));
    }
  });

  it('lays tensors out contiguously in the order given', () => {
    const bytes = writeSafetensors([
      { name: 'b', dtype: 'U8', shape: [2], data: new Uint8Array([1, 2]) },
      { name: '10', dtype: 'U8', shape: [1], data: new Uint8Array([3]) },
      { name: 'a', dtype: 'U16', shape: [1], data: new Uint16Array([0x0504]) },
    ]);
    const { data } = splitFile(bytes);
    expect([...data]).toEqual([1, 2, 3, 4, 5]);
    expect(readSafetensors(bytes).names()).toEqual(['b', '10', 'a']);
  });

  it('reads from an ArrayBuffer and from a view at an odd offset in a larger buffer', () => {
    const bytes = writeSafetensors({ w: { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1]) } });
    expect(readSafetensors(bytes.slice().buffer).get('w').data).toEqual(new Float64Array([Math.PI, -1]));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const file = readSafetensors(shifted.subarray(3));
    expect(file.get('w').data).toEqual(new Float64Array([Math.PI, -1]));
    expect(file.info('w').byteOffset).toBe(bytes.length - 16);
  });

  it('returns zero-copy views when aligned and copies when not', () => {
    const data = new Float32Array([1, 2, 3]);
    const aligned = writeSafetensors({ w: { dtype: 'F32', shape: [3], data } });
    expect(readSafetensors(aligned).get('w').data.buffer).toBe(aligned.buffer);
    const misaligned = writeSafetensors([
      { name: 'pad', dtype: 'U8', shape: [1], data: new Uint8Array([9]) },
      { name: 'w', dtype: 'F32', shape: [3], data },
    ]);
    const read = readSafetensors(misaligned).get('w').data;
    expect(read.buffer).not.toBe(misaligned.buffer);
    expect(read).toEqual(data);
  });

  it('converts 64-bit integers to numbers only when exact', () => {
    expect([...bigIntsToNumbers(new BigInt64Array([-5n, 2n ** 53n - 1n]))]).toEqual([-5, 2 ** 53 - 1]);
    expect(() => bigIntsToNumbers(new BigUint64Array([2n ** 53n]))).toThrow(ValueError);
  });

  it('refuses to write inconsistent tensors, naming them', () => {
    const f32 = new Float32Array(6);
    const writeW = (dtype: string, shape: number[], data: TensorArray) => () =>
      writeSafetensors({ w: { dtype: dtype as SafetensorsDtype, shape, data } });
    expect(writeW('F32', [2, 4], f32)).toThrow(ShapeError);
    expect(writeW('F32', [2, 4], f32)).toThrow(/"w".*needs 8 elements.*has 6/);
    expect(writeW('F32', [2], new Uint8Array(7))).toThrow(/needs 8 bytes/);
    expect(writeW('I32', [6], f32)).toThrow(/I32 takes an Int32Array/);
    expect(writeW('X', [6], f32)).toThrow(ValueError);
    expect(writeW('F32', [-6], f32)).toThrow(ValueError);
    expect(() => writeSafetensors({ __metadata__: { dtype: 'F32', shape: [6], data: f32 } })).toThrow(/reserved/);
    const twice: NamedTensorInput[] = [
      { name: 'a', dtype: 'F32', shape: [6], data: f32 },
      { name: 'a', dtype: 'F32', shape: [6], data: f32 },
    ];
    expect(() => writeSafetensors(twice)).toThrow(/"a" is given twice/);
    const badMetadata = { n: 3 } as unknown as Record<string, string>;
    expect(() => writeSafetensors({}, badMetadata)).toThrow(/metadata "n" must be a string/);
  });
});

describe('rejecting malformed files', () => {
  // A small valid file to break: 'w' F32 [2,3] at [0,24), 'b' U8 [4] at [24,28).
  const goodHeader = {
    __metadata__: { source: 'test' },
    w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    b: { dtype: 'U8', shape: [4], data_offsets: [24, 28] },
  };
  const goodData = new Uint8Array(28).map((_, i) => i);
  /** The message for the good file with tensor "b"'s entry replaced. */
  const messageWithB = (entry: unknown) => rejection(buildFile({ ...goodHeader, b: entry }, goodData)).message;
  const messageWithHeader = (header: unknown) => rejection(buildFile(header, goodData)).message;

  it('accepts the unbroken file', () => {
    const file = readSafetensors(buildFile(goodHeader, goodData));
    expect(file.names()).toEqual(['w', 'b']);
    useEveryTensor(file);
  });

  it('a truncated file', () => {
    expect(rejection(new Uint8Array(5)).message).toMatch(/5 bytes long, too short/);
    expect(rejection(new Uint8Array(0)).message).toMatch(/too short/);
    const whole = buildFile(goodHeader, goodData);
    expect(rejection(whole.subarray(0, whole.length - 1)).message).toMatch(
      /tensor "b": data_offsets \[24, 28\] reach past the end of the data section \(27 bytes/,
    );
  });

  it('a header length past the end of the file', () => {
    const whole = buildFile(goodHeader, goodData);
    for (const length of [BigInt(whole.length), 2n ** 53n, 2n ** 64n - 1n]) {
      const broken = assemble(whole.subarray(8), new Uint8Array(0), length);
      expect(rejection(broken).message).toMatch(new RegExp(`header length ${length} runs past the end of the file`));
    }
  });

  it('overlapping data offsets', () => {
    expect(messageWithB({ dtype: 'U8', shape: [4], data_offsets: [20, 24] })).toMatch(
      /tensor "b": data_offsets \[20, 24\] overlap those of tensor "w" \[0, 24\]/,
    );
  });

  it('out-of-range data offsets', () => {
    expect(messageWithB({ dtype: 'U8', shape: [4], data_offsets: [26, 30] })).toMatch(
      /tensor "b": data_offsets \[26, 30\] reach past the end of the data section \(28 bytes/,
    );
    expect(messageWithB({ dtype: 'U8', shape: [0], data_offsets: [24, 20] })).toMatch(
      /tensor "b": data_offsets \[24, 20\] end before they begin/,
    );
    for (const offsets of [[-4, 0], [0, 1.5], [0, 2 ** 60], ['0', '4'], [0], [0, 4, 8], null]) {
      expect(messageWithB({ dtype: 'U8', shape: [4], data_offsets: offsets })).toMatch(/tensor "b": data_offsets/);
    }
  });

  it('a byte count that does not match dtype × shape', () => {
    const header = { 'features.0.weight': { dtype: 'F32', shape: [64, 3, 3, 3], data_offsets: [0, 100] } };
    expect(rejection(buildFile(header, new Uint8Array(100))).message).toBe(
      'tensor "features.0.weight": data_offsets [0, 100] hold 100 bytes but F32 × [64,3,3,3] needs 6912',
    );
    // Far beyond 2^53: the check must not overflow into a false match.
    expect(messageWithB({ dtype: 'F64', shape: [2 ** 53 - 1, 2 ** 53 - 1, 3], data_offsets: [24, 28] })).toMatch(
      /hold 4 bytes but F64 × \[9007199254740991,9007199254740991,3\] needs 1947\d+/,
    );
    expect(messageWithB({ dtype: 'I16', shape: [4], data_offsets: [24, 28] })).toMatch(
      /tensor "b": .* I16 × \[4\] needs 8/,
    );
  });

  it('bad JSON, non-UTF-8 and non-object headers', () => {
    expect(messageWithHeader('{"w": {"dtype": "F32",')).toMatch(/header is not valid JSON/);
    expect(messageWithHeader('')).toMatch(/header is not valid JSON/);
    const notUtf8 = buildFile(goodHeader, goodData);
    notUtf8[12] = 0xff;
    expect(rejection(notUtf8).message).toMatch(/header is not valid UTF-8/);
    for (const header of ['[]', 'null', '42', '"text"']) {
      expect(messageWithHeader(header)).toMatch(/header must be a JSON object/);
    }
  });

  it('unknown dtypes, bad shapes and malformed entries', () => {
    for (const dtype of ['f32', 'FLOAT', '', 'toString', 7, null]) {
      expect(messageWithB({ dtype, shape: [4], data_offsets: [24, 28] })).toMatch(/tensor "b": unknown dtype/);
    }
    for (const dim of [-1, 1.5, 2 ** 53, 1e300, '4', null, [4]]) {
      expect(messageWithB({ dtype: 'U8', shape: [dim], data_offsets: [24, 28] })).toMatch(
        /tensor "b": shape .* at axis 0, not a non-negative integer/,
      );
    }
    expect(messageWithB({ dtype: 'U8', shape: 4, data_offsets: [24, 28] })).toMatch(/shape must be an array/);
    for (const entry of [null, 3, 'U8', [1, 2]]) {
      expect(messageWithB(entry)).toMatch(/tensor "b": entry must be an object/);
    }
  });

  it('metadata that is not an object of strings', () => {
    for (const metadata of [{ n: 3 }, { n: null }, { n: ['x'] }]) {
      expect(messageWithHeader({ ...goodHeader, __metadata__: metadata })).toMatch(
        /"__metadata__" entry "n" must be a string/,
      );
    }
    for (const metadata of [null, 'text', ['a']]) {
      expect(messageWithHeader({ ...goodHeader, __metadata__: metadata })).toMatch(
        /"__metadata__" must be an object of strings/,
      );
    }
  });

  it('tolerates what is harmless: zero-length tensors anywhere, gaps, unpadded headers', () => {
    const header = {
      w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      inside: { dtype: 'F32', shape: [0], data_offsets: [4, 4] },
      after: { dtype: 'U8', shape: [2], data_offsets: [26, 28] },
    };
    const file = readSafetensors(buildFile(header, goodData, { pad: false }));
    expect(file.names()).toEqual(['w', 'inside', 'after']);
    expect(file.get('inside').data.length).toBe(0);
    expect([...file.get('after').data]).toEqual([26, 27]);
  });
});

describe('fuzzing the reader', () => {
  // Every kind of element size and alignment, metadata, an empty and a scalar tensor.
  const rng0 = seededRandom(99);
  const base = writeSafetensors(
    [
      { name: 'conv.weight', dtype: 'F32', shape: [4, 3], data: randomTensorData('F32', 12, rng0) },
      { name: 'labels', dtype: 'U8', shape: [5], data: randomTensorData('U8', 5, rng0) },
      { name: 'half', dtype: 'F16', shape: [3, 2], data: randomTensorData('F16', 6, rng0) },
      { name: 'ids', dtype: 'I64', shape: [2], data: randomTensorData('I64', 2, rng0) },
      { name: 'mask', dtype: 'BOOL', shape: [3], data: randomTensorData('BOOL', 3, rng0) },
      { name: 'empty', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      { name: 'scalar', dtype: 'F64', shape: [], data: new Float64Array([2.5]) },
      { name: 'brain', dtype: 'BF16', shape: [2], data: randomTensorData('BF16', 2, rng0) },
      { name: 'counts', dtype: 'U32', shape: [3], data: randomTensorData('U32', 3, rng0) },
    ],
    { source: 'fuzz base', version: '1' },
  );
  const baseHeaderLength = Number(new DataView(base.buffer).getBigUint64(0, true));
  const { header: baseHeader, data: baseData } = splitFile(base);
  const tensorNames = Object.keys(baseHeader).filter((k) => k !== '__metadata__');
  const nonEmptyNames = tensorNames.filter((n) => n !== 'empty');

  type Outcome = 'accepted' | 'rejected';
  const tally = { accepted: 0, rejected: 0 };

  /**
   * The property under test: a mutated file is either rejected with SafetensorsFormatError or
   * accepted and then fully usable. `expected` pins the outcome where the mutation guarantees it.
   */
  function probe(bytes: Uint8Array, label: string, expected?: Outcome): Outcome {
    let outcome: Outcome;
    try {
      useEveryTensor(readSafetensors(bytes));
      outcome = 'accepted';
    } catch (error) {
      if (!(error instanceof SafetensorsFormatError)) {
        throw new Error(`${label}: ${String(error)} escaped instead of a SafetensorsFormatError`, {
          cause: error,
        });
      }
      outcome = 'rejected';
    }
    if (expected !== undefined && outcome !== expected) {
      throw new Error(`${label}: expected ${expected}, was ${outcome}`);
    }
    tally[outcome]++;
    return outcome;
  }

  const rebuild = (header: unknown, data: Uint8Array = baseData) => buildFile(header, data);
  const clone = () => structuredClone(baseHeader) as Record<string, Record<string, unknown>>;
  /** Flips one random bit among bytes[from..to] (inclusive). */
  const flipBit = (bytes: Uint8Array, from: number, to: number, rng: () => number) => {
    bytes[intInRange(rng, from, to)] ^= 1 << intInRange(rng, 0, 7);
  };

  it('truncation at every kind of point (300 cases)', () => {
    const rng = seededRandom(1);
    for (let i = 0; i < 300; i++) {
      const length = intInRange(rng, 0, base.length - 1);
      probe(base.subarray(0, length), `truncated to ${length}`, 'rejected');
    }
  });

  it('random bit flips in the header (300 cases)', () => {
    const rng = seededRandom(2);
    for (let i = 0; i < 300; i++) {
      const bytes = base.slice();
      for (let f = intInRange(rng, 1, 3); f > 0; f--) flipBit(bytes, 8, 8 + baseHeaderLength - 1, rng);
      probe(bytes, `header flip case ${i}`);
    }
  });

  it('random bit flips in the data never matter to validation (100 cases)', () => {
    const rng = seededRandom(3);
    for (let i = 0; i < 100; i++) {
      const bytes = base.slice();
      for (let f = intInRange(rng, 1, 8); f > 0; f--) flipBit(bytes, 8 + baseHeaderLength, bytes.length - 1, rng);
      probe(bytes, `data flip case ${i}`, 'accepted');
    }
  });

  it('header length field edits (120 cases)', () => {
    const rng = seededRandom(4);
    const room = base.length - 8;
    const cases: { length: bigint; expected?: Outcome }[] = [
      { length: 0n, expected: 'rejected' },
      { length: BigInt(room + 1), expected: 'rejected' },
      { length: BigInt(base.length), expected: 'rejected' },
      { length: 2n ** 53n, expected: 'rejected' },
      { length: 2n ** 64n - 1n, expected: 'rejected' },
      { length: 2n ** 32n + BigInt(baseHeaderLength), expected: 'rejected' },
      { length: BigInt(room) },
      { length: BigInt(baseHeaderLength - 1) }, // valid if it only drops a padding space
      { length: BigInt(baseHeaderLength + 1) },
    ];
    while (cases.length < 120) {
      const length =
        rng() < 0.5 ? BigInt(intInRange(rng, 0, room)) : (BigInt(intInRange(rng, 0, 2 ** 32 - 1)) << 32n) | 1n;
      cases.push({ length, expected: length > BigInt(room) ? 'rejected' : undefined });
    }
    for (const { length, expected } of cases) {
      const bytes = base.slice();
      new DataView(bytes.buffer).setBigUint64(0, length, true);
      probe(bytes, `header length ${length}`, expected);
    }
  });

  // Structured edits of the header JSON, each with the outcome it must produce (or none when the
  // edit may happen to leave a valid file).
  const jsonEdits: { label: string; expected?: Outcome; apply(rng: () => number): Uint8Array }[] = [
    {
      label: 'offsets shifted into the previous tensor',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const name = pick(rng, nonEmptyNames.slice(1));
        const [b, e] = header[name].data_offsets as number[];
        const shift = intInRange(rng, 1, Math.min(b, 3));
        header[name].data_offsets = [b - shift, e - shift];
        return rebuild(header);
      },
    },
    {
      label: 'offsets out of range',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const name = pick(rng, tensorNames);
        const [b, e] = header[name].data_offsets as number[];
        const past = baseData.length;
        const extra = pick(rng, [past, past + intInRange(rng, 0, 1000), 2 ** 40, 2 ** 53 - 1 - e]);
        header[name].data_offsets = [b + extra, e + extra];
        return rebuild(header);
      },
    },
    {
      label: 'shape no longer matching the byte count',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const name = pick(rng, nonEmptyNames);
        const shape = [...(header[name].shape as number[])];
        const edit = intInRange(rng, 0, 2);
        if (edit === 0) shape.push(intInRange(rng, 2, 9));
        else if (edit === 1) shape.unshift(pick(rng, [2, 1000, 2 ** 31, 2 ** 53 - 1]));
        else shape.push(0); // zero elements but bytes remain
        header[name].shape = shape;
        return rebuild(header);
      },
    },
    {
      label: 'invalid shape entry',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const name = pick(rng, tensorNames);
        const shape: unknown[] = [...(header[name].shape as number[]), 1];
        const bad = pick(rng, [-1, -0.5, 1.5, 2 ** 53, 1e300, '2', null, true, [], {}]);
        shape[intInRange(rng, 0, shape.length - 1)] = bad;
        header[name].shape = shape;
        return rebuild(header);
      },
    },
    {
      label: 'invalid shape value',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        header[pick(rng, tensorNames)].shape = pick(rng, [5, '5', null, {}, 'F32']);
        return rebuild(header);
      },
    },
    {
      label: 'unknown dtype',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const bad = pick(rng, ['f32', 'F8', 'FLOAT', '', 'constructor', '__proto__', 4, null, ['F32']]);
        header[pick(rng, tensorNames)].dtype = bad;
        return rebuild(header);
      },
    },
    {
      label: 'dtype swapped for another',
      apply(rng) {
        const header = clone();
        header[pick(rng, tensorNames)].dtype = pick(rng, SAFETENSORS_DTYPES);
        return rebuild(header);
      },
    },
    {
      label: 'malformed data_offsets',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        const bad = pick(rng, [[0], [0, 4, 8], [-4, 0], [0.5, 4], ['0', '4'], null, 4, {}, [4, 0]]);
        header[pick(rng, tensorNames)].data_offsets = bad;
        return rebuild(header);
      },
    },
    {
      label: 'missing field',
      expected: 'rejected',
      apply(rng) {
        const header = clone();
        delete header[pick(rng, tensorNames)][pick(rng, ['dtype', 'shape', 'data_offsets'])];
        return rebuild(header);
      },
    },
    {
      label: 'entry not an object',
      expected: 'rejected',
      apply(rng) {
        const header: Record<string, unknown> = clone();
        header[pick(rng, tensorNames)] = pick(rng, [null, 0, 'F32', [], true]);
        return rebuild(header);
      },
    },
    {
      label: 'non-string metadata',
      expected: 'rejected',
      apply(rng) {
        const header: Record<string, unknown> = clone();
        header.__metadata__ =
          rng() < 0.5
            ? { source: 'x', bad: pick(rng, [1, null, true, {}, ['a']]) }
            : pick(rng, [null, 'text', 3, ['a']]);
        return rebuild(header);
      },
    },
    {
      label: 'top level not an object',
      expected: 'rejected',
      apply(rng) {
        return rebuild(pick(rng, ['[]', 'null', '0', '"x"', 'true', '[{"dtype":"F32"}]']));
      },
    },
    {
      label: 'JSON cut short',
      expected: 'rejected',
      apply(rng) {
        const text = JSON.stringify(baseHeader);
        return rebuild(text.slice(0, intInRange(rng, 0, text.length - 1)));
      },
    },
    {
      label: 'stray character inserted into the JSON',
      apply(rng) {
        const text = JSON.stringify(baseHeader);
        const at = intInRange(rng, 0, text.length);
        const stray = pick(rng, ['x', '{', '}', ']', ',', ':', '"', '\\', '9', '-', ' ', '\u0000']);
        return rebuild(text.slice(0, at) + stray + text.slice(at));
      },
    },
    {
      label: 'deeply nested or oversized values',
      expected: 'rejected',
      apply(rng) {
        // Spliced in as text: JSON.stringify itself overflows the stack on such depths.
        const header = clone();
        header[pick(rng, tensorNames)].shape = 'NESTED';
        const depth = intInRange(rng, 100, 200_000);
        return rebuild(JSON.stringify(header).replace('"NESTED"', '['.repeat(depth) + ']'.repeat(depth)));
      },
    },
    {
      label: 'a tensor renamed or an extra empty tensor added',
      expected: 'accepted',
      apply(rng) {
        const header: Record<string, unknown> = clone();
        if (rng() < 0.5) {
          const name = pick(rng, tensorNames);
          header[`${name}\u00e9\u{1F600}`] = header[name];
          delete header[name];
        } else {
          // defineProperty, because assigning to "__proto__" would set the prototype instead.
          const at = intInRange(rng, 0, baseData.length);
          Object.defineProperty(header, pick(rng, ['__proto__', 'constructor', 'toString', 'extra']), {
            value: {
              dtype: pick(rng, SAFETENSORS_DTYPES),
              shape: [intInRange(rng, 0, 9), 0],
              data_offsets: [at, at],
            },
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return rebuild(header);
      },
    },
  ];

  it(`structured JSON edits (${jsonEdits.length} kinds × 40 cases)`, () => {
    const rng = seededRandom(5);
    for (const edit of jsonEdits) {
      for (let i = 0; i < 40; i++) probe(edit.apply(rng), `${edit.label} #${i}`, edit.expected);
    }
  });

  it('random bit flips in the header of the real VGG16 test weights (200 cases)', async () => {
    const bytes = new Uint8Array(await readFile(testWeightsFile));
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const rng = seededRandom(6);
    for (let i = 0; i < 200; i++) {
      // Flip in place and undo afterwards: copying 7 MB per case would dominate the run time.
      const flips = Array.from({ length: intInRange(rng, 1, 2) }, () => [
        intInRange(rng, 0, headerLength + 7),
        1 << intInRange(rng, 0, 7),
      ]);
      for (const [at, bit] of flips) bytes[at] ^= bit;
      probe(bytes, `weights header flip case ${i}`);
      for (const [at, bit] of flips.reverse()) bytes[at] ^= bit;
    }
  });

  it('saw both outcomes over at least 1000 mutated files', () => {
    expect(tally.accepted + tally.rejected).toBeGreaterThanOrEqual(1000);
    expect(tally.accepted).toBeGreaterThan(50);
    expect(tally.rejected).toBeGreaterThan(500);
  });
});

describe('writing files on disk', () => {
  const tensorsA = { w: { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) } };
  const tensorsB = { v: { dtype: 'I32' as const, shape: [3], data: new Int32Array([7, 8, 9]) } };

  async function scratchDir(): Promise<string> {
    return mkdtemp(path.join(tmpdir(), 'convpaint-safetensors-'));
  }

  it('writes a file that reads back, and replaces an existing one leaving no temporary files', async () => {
    const dir = await scratchDir();
    try {
      const target = path.join(dir, 'model.safetensors');
      await writeSafetensorsFile(target, tensorsA, { version: '1' });
      expect((await readSafetensorsFile(target)).names()).toEqual(['w']);
      await writeSafetensorsFile(target, tensorsB, { version: '2' });
      const file = await readSafetensorsFile(target);
      expect(file.names()).toEqual(['v']);
      expect(file.metadata).toEqual({ version: '2' });
      expect([...file.get('v').data]).toEqual([7, 8, 9]);
      expect(await readdir(dir)).toEqual(['model.safetensors']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails in a directory that does not exist, creating nothing', async () => {
    const dir = await scratchDir();
    try {
      const target = path.join(dir, 'missing', 'm.safetensors');
      await expect(writeSafetensorsFile(target, tensorsA)).rejects.toThrow(/ENOENT/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes its temporary file when the final rename fails', async () => {
    const dir = await scratchDir();
    try {
      // A non-empty directory at the target path: the temporary file gets written, the rename fails.
      const target = path.join(dir, 'taken');
      await mkdir(target);
      await writeFile(path.join(target, 'keep.txt'), 'keep');
      await expect(writeSafetensorsFile(target, tensorsA)).rejects.toThrow();
      expect(await readdir(dir)).toEqual(['taken']);
      expect(await readFile(path.join(target, 'keep.txt'), 'utf8')).toBe('keep');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves the previous file untouched when the tensors are invalid', async () => {
    const dir = await scratchDir();
    try {
      const target = path.join(dir, 'model.safetensors');
      await writeSafetensorsFile(target, tensorsA);
      const before = await readFile(target);
      const bad = { w: { dtype: 'F32' as const, shape: [5], data: new Float32Array(2) } };
      await expect(writeSafetensorsFile(target, bad)).rejects.toThrow(ShapeError);
      expect(await readFile(target)).toEqual(before);
      expect(await readdir(dir)).toEqual(['model.safetensors']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
