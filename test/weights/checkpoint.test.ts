import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { CheckpointFormatError } from '../../src/errors.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/io/half-float.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { readTorchCheckpoint, tensorValues } from '../../src/weights/checkpoint.js';
import { convertVgg16Checkpoint, convertVgg16CheckpointToBytes } from '../../src/weights/convert.js';
import { ZipArchive } from '../../src/weights/zip.js';
import { CHANNELS, expectedValues, fixture, MODULES } from './fixtures.js';
import { expectClose, EXACT } from '../helpers/tolerance.js';

const toF32 = (v: Float64Array) => Float32Array.from(v);
const toF16 = (v: Float64Array) => Float32Array.from(v, (x) => float16BitsToFloat32(float32ToFloat16Bits(x)));

describe('torch checkpoints: zip (torch ≥ 1.6) and legacy (torchvision 2017) formats', () => {
  for (const [file, format, round, tol] of [
    ['vgg16-tiny.pth', 'zip', toF32, EXACT],
    ['vgg16-tiny-legacy.pth', 'legacy', toF32, EXACT],
    // float64 → float16 directly in torch vs via float32 here: may differ by one half-ulp
    ['vgg16-tiny-f16.pth', 'zip', toF16, { atol: 2.5e-4, rtol: 0 }],
  ] as const) {
    it(`${file}: every tensor in logical order (incl. a non-contiguous view and biases sharing one storage)`, () => {
      const ckpt = readTorchCheckpoint(fixture(file));
      expect(ckpt.format).toBe(format);
      expect([...ckpt.tensors.keys()]).toEqual([
        ...MODULES.flatMap((m) => [`features.${m}.weight`, `features.${m}.bias`]),
        'classifier.0.weight',
        'classifier.0.bias',
      ]);
      MODULES.forEach((m, k) => {
        const w = ckpt.tensors.get(`features.${m}.weight`)!;
        expect(w.shape).toEqual([CHANNELS[k + 1], CHANNELS[k], 3, 3]);
        expect(w.dtype).toBe(file.includes('f16') ? 'float16' : 'float32');
        expectClose(tensorValues(w), round(expectedValues(k, CHANNELS[k + 1] * CHANNELS[k] * 9)), tol, w.shape, `${file} ${w.name}`);
        const b = ckpt.tensors.get(`features.${m}.bias`)!;
        expectClose(tensorValues(b), round(expectedValues(100 + k, CHANNELS[k + 1])), tol, b.shape, `${file} ${b.name}`);
      });
      // the fixture's features.2.weight really is strided, and biases really share a storage
      expect(ckpt.tensors.get('features.2.weight')!.ref.stride).not.toEqual([36, 9, 3, 1]);
      expect(ckpt.tensors.get('features.2.bias')!.ref.offset).toBe(4);
    });
  }
});

describe('VGG16 conversion to safetensors', () => {
  it('keeps the conv layers as float32 [out, in, 3, 3] / [out], drops the classifier, records provenance', () => {
    const converted = convertVgg16Checkpoint(fixture('vgg16-tiny-legacy.pth'), { source: 'vgg16-tiny-legacy.pth' });
    expect(converted.layers.map((l) => l.module)).toEqual(MODULES.map((m) => `features.${m}`));
    expect(converted.dropped).toEqual(['classifier.0.weight', 'classifier.0.bias']);
    expect(converted.matchesVgg16).toBe(false); // tiny channel counts
    const file = readSafetensors(convertVgg16CheckpointToBytes(fixture('vgg16-tiny.pth'), { source: 'x.pth' }));
    expect(file.names()).toEqual(MODULES.flatMap((m) => [`features.${m}.weight`, `features.${m}.bias`]));
    expect(file.info('features.5.weight')).toMatchObject({ dtype: 'F32', shape: [6, 4, 3, 3] });
    expectClose(file.getFloat32('features.5.weight'), toF32(expectedValues(2, 6 * 4 * 9)), EXACT, [6, 4, 3, 3], 'converted features.5');
    expect(file.metadata.source).toBe('x.pth');
    expect(file.metadata.checkpoint_format).toBe('zip');
  });

  it('rejects checkpoints without VGG conv weights, or with a broken layer chain, clearly', () => {
    const notVgg = zipSync({ 'a/data.pkl': Uint8Array.from([0x80, 2, 0x7d, 0x2e]) }, { level: 0 });
    expect(() => convertVgg16Checkpoint(notVgg)).toThrow(/no VGG16 conv weights/);
  });
});

describe('corrupt, hostile and foreign files give CheckpointFormatError', () => {
  it('truncated zip and legacy files', () => {
    const zip = fixture('vgg16-tiny.pth');
    expect(() => readTorchCheckpoint(zip.subarray(0, zip.length - 100))).toThrow(CheckpointFormatError);
    const legacy = fixture('vgg16-tiny-legacy.pth');
    expect(() => readTorchCheckpoint(legacy.subarray(0, legacy.length - 10))).toThrow(/truncated/);
  });

  it('a zip whose data.pkl calls os.system is refused without running it', () => {
    const pickle = Uint8Array.from('\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.', (c) => c.charCodeAt(0));
    const evil = zipSync({ 'evil/data.pkl': pickle }, { level: 0 });
    expect(() => readTorchCheckpoint(evil)).toThrow(/refusing global os\.system/);
  });

  it('deflated zip entries are read (repacked archives)', () => {
    const original = new ZipArchive(fixture('vgg16-tiny.pth'));
    const files: Record<string, Uint8Array> = {};
    for (const name of original.entries.keys()) files[name] = original.read(name);
    const repacked = zipSync(files, { level: 6 });
    const converted = convertVgg16Checkpoint(repacked);
    expect(converted.layers).toHaveLength(13);
  });

  it('files that are neither zip nor pickle, and old tar checkpoints', () => {
    expect(() => readTorchCheckpoint(new TextEncoder().encode('hello world'))).toThrow(/not a PyTorch checkpoint/);
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expect(() => readTorchCheckpoint(tar)).toThrow(/tar-format/);
    // a legacy-looking pickle without the magic number
    expect(() => readTorchCheckpoint(Uint8Array.from([0x80, 2, 0x4b, 1, 0x2e]))).toThrow(/magic number/);
  });
});
