import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ValueError, WeightsFormatError, WeightsNotFoundError } from '../../src/errors.js';
import { createExtractor, extractorNames, getExtractorEntry } from '../../src/features/registry.js';
import { createVgg16, vgg16DefaultParams } from '../../src/features/vgg16.js';
import { resolveVgg16Layers, VGG16_CONV_LAYERS, VGG16_LAYER_KEYS, vgg16Geometry } from '../../src/core/vgg16-layers.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { conv3x3 } from '../../src/reference/conv3x3.js';
import { sharedPath } from '../helpers/data.js';
import { randomFloats } from '../helpers/random.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { TEST_WEIGHTS } from './vgg16-helpers.js';

const savedHome = process.env.CONVPAINT_HOME;
afterEach(() => {
  if (savedHome === undefined) delete process.env.CONVPAINT_HOME;
  else process.env.CONVPAINT_HOME = savedHome;
});

describe('vgg16 layers (REFERENCE.md §3.4)', () => {
  it('has the reference\'s 13 key strings, as golden/params.json lists them', () => {
    const params = JSON.parse(readFileSync(sharedPath('golden/params.json'), 'utf8')) as { aliases: Record<string, { _layer_keys: string[]; fe_layers: string[] }> };
    expect(VGG16_LAYER_KEYS).toEqual(params.aliases.vgg._layer_keys);
    expect(getExtractorEntry('vgg16').layerKeys).toEqual(VGG16_LAYER_KEYS);
    expect(extractorNames()).toContain('vgg16');
    expect(vgg16DefaultParams().fe_layers).toEqual(params.aliases.vgg.fe_layers);
  });

  it('receptive field, padding and patch size match the reference table', () => {
    const table: Array<[string, number, number, number]> = [
      ['features.0', 3, 1, 1], ['features.2', 5, 2, 1], ['features.5', 10, 5, 2], ['features.7', 14, 7, 2],
      ['features.10', 24, 12, 4], ['features.12', 32, 16, 4], ['features.14', 40, 20, 4], ['features.17', 60, 30, 8],
      ['features.19', 76, 38, 8], ['features.21', 92, 46, 8], ['features.24', 132, 66, 16], ['features.26', 164, 82, 16],
      ['features.28', 196, 98, 16],
    ];
    expect(VGG16_CONV_LAYERS.map((l) => [l.module, l.receptiveField, Math.floor(l.receptiveField / 2), l.stride])).toEqual(table);
    // padding and patch come from the deepest layer, whatever the order given
    expect(vgg16Geometry(resolveVgg16Layers([4, 0, 2]))).toEqual({ padding: 12, patchSize: 4 });
  });

  it('resolves keys and indices in the given order; unknown or repeated ones are ValueErrors listing the keys', () => {
    expect(resolveVgg16Layers([VGG16_LAYER_KEYS[5], 0]).map((l) => l.module)).toEqual(['features.12', 'features.0']);
    expect(resolveVgg16Layers(null).map((l) => l.index)).toEqual([0]);
    expect(() => resolveVgg16Layers(['features.3'])).toThrow(ValueError);
    expect(() => resolveVgg16Layers([13])).toThrow(/unknown vgg16 layer 13\. Valid layers are indices 0–12 or the keys:\n {2}features\.0 Conv2d/);
    expect(() => resolveVgg16Layers([0, VGG16_LAYER_KEYS[0]])).toThrow(/selected twice/);
    expect(() => vgg16DefaultParams(['nope'])).toThrow(/unknown vgg16 layer "nope"/);
  });

  it('defaultParams keeps the given layers (ints stay ints, as in the reference) with scalings [1, 2, 4]', () => {
    expect(vgg16DefaultParams([0, 1])).toMatchObject({ fe_name: 'vgg16', fe_layers: [0, 1], fe_scalings: [1, 2, 4], fe_order: 0, tile_annotations: true, tile_image: false });
  });
});

describe('vgg16 weights', () => {
  it('without weights and nothing installed: WeightsNotFoundError saying how to install and where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convpaint-empty-'));
    process.env.CONVPAINT_HOME = dir;
    try {
      const attempt = createExtractor('vgg16');
      await expect(attempt).rejects.toThrow(WeightsNotFoundError);
      await expect(attempt).rejects.toThrow(/convpaint weights fetch/);
      await expect(attempt).rejects.toThrow(/convpaint weights convert vgg16-397923af\.pth/);
      await expect(attempt).rejects.toThrow(join(dir, 'vgg16-imagenet.safetensors'));
      await expect(createVgg16({ weights: join(dir, 'missing.safetensors') })).rejects.toThrow(/missing\.safetensors does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses the installed weights from $CONVPAINT_HOME when none are given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convpaint-home-'));
    process.env.CONVPAINT_HOME = dir;
    try {
      writeFileSync(join(dir, 'vgg16-imagenet.safetensors'), readFileSync(TEST_WEIGHTS));
      const fe = await createExtractor('vgg16', { layers: [0] });
      expect(fe.featuresPerLayer).toEqual([64]);
      fe.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates names, shapes and dtypes (F32, or F16 widened) with WeightsFormatError', async () => {
    const w = randomFloats(64 * 27, 1);
    const good = { 'features.0.weight': { dtype: 'F32' as const, shape: [64, 3, 3, 3], data: w }, 'features.0.bias': { dtype: 'F32' as const, shape: [64], data: new Float32Array(64) } };
    const fe = await createVgg16({ weights: writeSafetensors(good) });
    fe.dispose();
    const half = await createVgg16({ weights: writeSafetensors({ ...good, 'features.0.weight': { dtype: 'F16', shape: [64, 3, 3, 3], data: w } }) });
    half.dispose();
    await expect(createVgg16({ weights: writeSafetensors(good), layers: [1] })).rejects.toThrow(/no tensor "features\.2\.weight" \(needed for layer features\.2 Conv2d/);
    await expect(createVgg16({ weights: writeSafetensors({ ...good, 'features.0.bias': { dtype: 'F32', shape: [63], data: new Float32Array(63) } }) })).rejects.toThrow(/shape \[63\], expected \[64\]/);
    await expect(createVgg16({ weights: writeSafetensors({ ...good, 'features.0.bias': { dtype: 'I32', shape: [64], data: new Int32Array(64) } }) })).rejects.toThrow(WeightsFormatError);
    await expect(createVgg16({ weights: new Uint8Array(10) })).rejects.toThrow(/not a valid safetensors file/);
  });
});

describe('vgg16 CPU forward pass: hook semantics', () => {
  it('deepest selected layer before ReLU, shallower ones after; maps in the given order at their strides', async () => {
    const fe = await createVgg16({ weights: TEST_WEIGHTS, layers: [2, 0] });
    expect(fe.featuresPerLayer).toEqual([128, 64]);
    expect(fe.layerStrides).toEqual([2, 1]);
    expect([fe.padding, fe.patchSize]).toEqual([5, 2]);
    const input = { data: randomFloats(3 * 8 * 10, 5), shape: [1, 3, 8, 10] };
    const [deep, shallow] = fe.extractCpu(input);
    expect(deep.shape).toEqual([1, 128, 4, 5]);
    expect(shallow.shape).toEqual([1, 64, 8, 10]);
    expect(shallow.data.every((v) => v >= 0)).toBe(true); // post-ReLU
    expect(deep.data.some((v) => v < 0)).toBe(true); // pre-ReLU
    // features.0 alone is the raw conv: check against the reference conv with the file's weights
    const single = await createVgg16({ weights: TEST_WEIGHTS, layers: [0] });
    const file = (await import('../../src/io/safetensors.js')).readSafetensors(readFileSync(TEST_WEIGHTS));
    const raw = conv3x3(input, file.getFloat32('features.0.weight'), file.getFloat32('features.0.bias'), { relu: false });
    expectClose(single.extractCpu(input)[0].data, raw.data, EXACT, raw.shape, 'features.0');
    expect(() => fe.extractCpu({ data: new Float32Array(3 * 7 * 10), shape: [1, 3, 7, 10] })).toThrow(/multiple of the patch size 2/);
    fe.dispose();
    single.dispose();
  });
});
