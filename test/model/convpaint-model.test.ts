/**
 * ConvpaintModel's API on the CPU engine (the same plan as the GPU engine; the GPU is covered by
 * test/model/*.gpu.test.ts). Small synthetic scenes and the cheap `gaussian` extractor keep this
 * fast; every behaviour of REFERENCE.md §1, §2 and §4 that the API exposes is exercised.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage, PredictionResult } from '../../src/model/convpaint-model.js';
import { settingsOf } from '../../src/model/settings.js';
import { labelsFromProbabilities } from '../../src/postprocess/labels.js';
import { Param } from '../../src/model/param.js';
import { DisposedError, FileReadError, ModelFormatError, ShapeError, ValueError } from '../../src/errors.js';
import { agreement, squareScene } from '../helpers/synthetic.js';
import { majorityFilter } from '../../src/reference/labels.js';
import { sharedPath } from '../helpers/data.js';

// VGG models need weights: the test weights the golden data were made with.
const TEST_WEIGHTS = sharedPath('weights/vgg16-test-random-init.safetensors');
const CPU = { device: 'cpu' as const, weights: TEST_WEIGHTS };

function quiet(): { warnings: string[]; onWarning: (m: string) => void; device: 'cpu'; weights: string } {
  const warnings: string[] = [];
  return { warnings, onWarning: (m) => warnings.push(m), device: 'cpu', weights: TEST_WEIGHTS };
}

describe('creation', () => {
  it('no source gives the default vgg16 model; each source kind works; several are refused', async () => {
    const d = await ConvpaintModel.create({}, CPU);
    expect(d.getParam('fe_name')).toBe('vgg16');
    expect(d.getParam('fe_layers')).toEqual(['features.0 Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))']);
    expect(d.getParam('fe_scalings')).toEqual([1, 2, 4]);
    d.dispose();
    const g = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    expect(g.getParams().toObject()).toMatchObject({ fe_name: 'gaussian_features', fe_scalings: [1], fe_layers: null, clf_iterations: 100 });
    g.dispose();
    const f = await ConvpaintModel.create({ feName: 'gaussian_features', fe_scalings: [1, 2], clf_depth: 3 }, CPU);
    expect([f.getParam('fe_scalings'), f.getParam('clf_depth'), f.getParam('normalize')]).toEqual([[1, 2], 3, 2]);
    f.dispose();
    const p = await ConvpaintModel.create({ param: new Param({ fe_name: 'ilastik_2d', seg_smoothening: 3 }) }, CPU);
    expect([p.getParam('fe_name'), p.getParam('seg_smoothening'), p.getParam('fe_scalings')]).toEqual(['ilastik_2d', 3, [1]]);
    p.dispose();
    await expect(ConvpaintModel.create({ alias: 'vgg', feName: 'vgg16' }, CPU)).rejects.toThrow(/not multiples/);
    await expect(ConvpaintModel.create({ fe_scalings: [1] }, CPU)).rejects.toThrow(/only intended together with feName/);
  });

  it('aliases: vgg-s is vgg; unknown and unavailable aliases and extractors say so', async () => {
    const s = await ConvpaintModel.create({ alias: 'vgg-s' }, CPU);
    const v = await ConvpaintModel.create({ alias: 'vgg' }, CPU);
    expect(s.getParams().toObject()).toEqual(v.getParams().toObject());
    const l = await ConvpaintModel.create({ alias: 'vgg-l' }, CPU);
    expect(l.getParam('fe_layers')).toHaveLength(5);
    expect(l.getParam('fe_scalings')).toEqual([1, 2, 4, 8]);
    [s, v, l].forEach((m) => m.dispose());
    await expect(ConvpaintModel.create({ alias: 'nope' }, CPU)).rejects.toThrow(/Alias "nope" not found/);
    await expect(ConvpaintModel.create({ alias: 'dinov3' }, CPU)).rejects.toThrow(/not available in this version/);
    await expect(ConvpaintModel.create({ feName: 'cellpose_backbone' }, CPU)).rejects.toThrow(/not available in this version/);
    await expect(ConvpaintModel.create({ feName: 'resnet' }, CPU)).rejects.toThrow(/not found/);
  });

  it('matches the reference alias table (golden params.json)', async () => {
    const golden = JSON.parse(await readFile(sharedPath('golden/params.json'), 'utf8')) as { aliases: Record<string, Record<string, unknown>> };
    for (const [alias, expected] of Object.entries(golden.aliases)) {
      const m = await ConvpaintModel.create({ alias }, CPU);
      const { _layer_keys: keys, ...params } = expected;
      expect(m.getParams().toObject(), alias).toEqual(params);
      expect(m.getFeLayerKeys(), alias).toEqual(keys);
      m.dispose();
    }
  });

  it('VGG models without ImageNet weights fail with instructions, never with other weights', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'convpaint-home-'));
    const saved = process.env.CONVPAINT_HOME;
    process.env.CONVPAINT_HOME = home;
    try {
      await expect(ConvpaintModel.create({ alias: 'vgg' }, { device: 'cpu' })).rejects.toThrow(/convpaint weights fetch/);
      await expect(ConvpaintModel.create({}, { device: 'cpu' })).rejects.toThrow(/not installed/);
    } finally {
      if (saved === undefined) delete process.env.CONVPAINT_HOME;
      else process.env.CONVPAINT_HOME = saved;
      await rm(home, { recursive: true, force: true });
    }
  });

  it('static helpers: extractor names, default params, createFe', async () => {
    expect(ConvpaintModel.getFeModelsTypes()).toEqual(expect.arrayContaining(['vgg16', 'gaussian_features', 'ilastik_2d']));
    expect(ConvpaintModel.getDefaultParams().toObject()).toMatchObject({ fe_name: 'vgg16', fe_scalings: [1, 2, 4], normalize: 2, clf_learning_rate: 0.1 });
    const fe = await ConvpaintModel.createFe('ilastik_2d');
    expect(fe.featuresPerLayer).toEqual([56]);
    expect(fe.padding).toBe(48);
  });
});

describe('parameters', () => {
  it('get returns copies; set validates; FE-defining keys warn and are refused without ignoreWarnings', async () => {
    const q = quiet();
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, q);
    const sc = m.getParam('fe_scalings')!;
    sc.push(99);
    expect(m.getParam('fe_scalings')).toEqual([1]);
    expect(() => m.setParam('normalize', 5 as never)).toThrow(/normalize must be one of 1, 2, 3/);
    expect(() => m.setParam('bogus' as never, 1 as never)).toThrow(/unknown parameter "bogus"/);
    m.setParam('fe_name', 'ilastik_2d');
    expect(m.getParam('fe_name')).toBe('gaussian_features');
    expect(q.warnings.at(-1)).toMatch(/create a new ConvpaintModel/);
    m.setParams({ seg_smoothening: 2, clf_iterations: 10 });
    expect([m.getParam('seg_smoothening'), m.getParam('clf_iterations')]).toEqual([2, 10]);
    const scene = squareScene(32);
    await m.train(scene.image, scene.annotations);
    m.setParam('fe_scalings', [1, 2]);
    expect(m.getParam('fe_scalings')).toEqual([1]);
    expect(q.warnings.at(-1)).toMatch(/reset the classifier first/);
    m.setParam('fe_scalings', [1, 2], true);
    expect(m.getParam('fe_scalings')).toEqual([1, 2]);
    expect(m.classifier).toBeNull(); // features changed: the classifier cannot be kept
    m.dispose();
  });

  it('fe_name changed with ignoreWarnings rebuilds the extractor before the next use', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
    m.setParam('fe_name', 'ilastik_2d', true);
    const scene = squareScene(24);
    const f = (await m.getFeatureImage(scene.image)) as { shape: number[] };
    expect(f.shape).toEqual([56, 24, 24]);
    m.dispose();
  });

  it('getFeDefaults overlays the extractor defaults', async () => {
    const m = await ConvpaintModel.create({ alias: 'vgg-l' }, CPU);
    expect(m.getFeDefaults().toObject()).toMatchObject({ fe_name: 'vgg16', fe_scalings: [1, 2, 4], tile_annotations: true });
    m.dispose();
  });
});

describe('training and segmentation (gaussian, CPU engine)', () => {
  it('segments the synthetic square well with either classifier; class values are kept', async () => {
    for (const useRf of [false, true]) {
      const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
      const scene = squareScene(64);
      const labels = Uint8Array.from(scene.annotations.data, (v) => (v === 1 ? 49 : v === 2 ? 91 : 0));
      await m.train(scene.image, { data: labels, shape: scene.annotations.shape }, { useRf });
      expect(m.getParam('classifier')).toBe(useRf ? 'RandomForest' : 'CatBoost');
      expect(m.classes).toEqual([49, 91]);
      const seg = (await m.segment(scene.image)) as LabelImage;
      expect(seg.shape).toEqual([64, 64]);
      expect(seg.data).toBeInstanceOf(Uint8Array);
      const truth = Uint8Array.from(scene.truth, (v) => (v === 1 ? 49 : 91));
      expect(agreement(seg.data, truth)).toBeGreaterThan(0.9);
      const probas = (await m.predictProbas(scene.image)) as { data: Float32Array; shape: number[] };
      expect(probas.shape).toEqual([2, 64, 64]);
      for (let i = 0; i < 64 * 64; i += 97) expect(probas.data[i] + probas.data[64 * 64 + i]).toBeCloseTo(1, 5);
      m.dispose();
    }
  });

  it('output shapes follow the dimension rules (2D, 3D single/multi/rgb, 4D)', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
    const s = squareScene(20);
    const stack = { data: new Uint8Array(3 * 400), shape: [3, 20, 20] };
    for (let z = 0; z < 3; z++) stack.data.set(s.image.data, z * 400);
    const ann3 = { data: new Uint8Array(3 * 400), shape: [3, 20, 20] };
    ann3.data.set(s.annotations.data, 0);
    await m.train(stack, ann3);
    expect(((await m.segment(stack)) as LabelImage).shape).toEqual([3, 20, 20]);
    expect(((await m.predictProbas(stack)) as { shape: number[] }).shape).toEqual([2, 3, 20, 20]);
    expect(((await m.getFeatureImage(stack)) as { shape: number[] }).shape).toEqual([1, 3, 20, 20]);
    m.dispose();

    const multi = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
    multi.setParam('channel_mode', 'multi');
    await multi.train(stack, s.annotations);
    expect(((await multi.segment(stack)) as LabelImage).shape).toEqual([20, 20]);
    expect(((await multi.getFeatureImage(stack)) as { shape: number[] }).shape).toEqual([3, 20, 20]);
    const four = { data: stack.data, shape: [3, 1, 20, 20] };
    expect(((await multi.segment(four)) as LabelImage).shape).toEqual([1, 20, 20]);
    multi.dispose();
  });

  it('channel_mode is adjusted with a warning: 2D → single, rgb with 2 channels → multi, 4D single → multi', async () => {
    const q = quiet();
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, q);
    m.setParam('channel_mode', 'rgb');
    const s = squareScene(16);
    await m.getFeatureImage(s.image);
    expect(m.getParam('channel_mode')).toBe('single');
    expect(q.warnings.join('\n')).toMatch(/2D image has no channel axis/);
    m.setParam('channel_mode', 'rgb');
    await m.getFeatureImage({ data: new Uint8Array(2 * 256), shape: [2, 16, 16] });
    expect(m.getParam('channel_mode')).toBe('multi');
    m.setParam('channel_mode', 'single');
    await m.getFeatureImage({ data: new Uint8Array(2 * 256), shape: [2, 1, 16, 16] });
    expect(m.getParam('channel_mode')).toBe('multi');
    m.dispose();
  });

  it('in_channels selects channels, and is refused in single mode or out of range', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
    m.setParam('channel_mode', 'multi');
    const img = { data: new Uint8Array(3 * 256).map((_, i) => i % 251), shape: [3, 16, 16] };
    expect(((await m.getFeatureImage(img, { inChannels: [0, 2] })) as { shape: number[] }).shape).toEqual([2, 16, 16]);
    await expect(m.getFeatureImage(img, { inChannels: [3] })).rejects.toThrow(/in_channels index 3 is out of range/);
    m.setParam('channel_mode', 'single');
    await expect(m.getFeatureImage({ data: new Uint8Array(256), shape: [16, 16] }, { inChannels: [0] })).rejects.toThrow(/channel_mode "single"/);
    m.dispose();
  });

  it('the reference errors (§1.6) are typed and name the problem', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
    const s = squareScene(16);
    await expect(m.segment(s.image)).rejects.toThrow(/No trained classifier found/);
    await expect(m.train(s.image, { data: new Uint8Array(16 * 15), shape: [15, 16] })).rejects.toThrow(ShapeError);
    await expect(m.train(s.image, { data: new Uint8Array(16 * 16), shape: [16, 16] })).rejects.toThrow(/No features or targets found/);
    const one = Uint8Array.from(s.annotations.data, (v) => (v ? 1 : 0));
    await expect(m.train(s.image, { data: one, shape: [16, 16] })).rejects.toThrow(/Not enough classes/);
    await expect(m.train([s.image, s.image], [s.annotations])).rejects.toThrow(/2 image\(s\) but 1 annotation/);
    await expect(m.train({ data: new Uint8Array(32), shape: [2, 2, 2, 2, 2] }, s.annotations)).rejects.toThrow(/5 dimensions/);
    await expect(m.train(s.image, { data: new Float32Array(256).fill(0.5), shape: [16, 16] })).rejects.toThrow(/integer class labels/);
    await expect(m.train(s.image, { data: new Int32Array(256).fill(-1), shape: [16, 16] })).rejects.toThrow(/negative labels/);
    const nan = new Float32Array(256);
    nan[17] = Number.NaN;
    await expect(m.train({ data: nan, shape: [16, 16] }, s.annotations)).rejects.toThrow(/1 NaN\/Inf value\(s\); the first at \[c,z,y,x\] = \[0,0,1,1\]/);
    await expect(m.train({ data: new Uint8Array(10), shape: [16, 16] } as never, s.annotations)).rejects.toThrow(/holds 256 values but the data has 10/);
    m.setParam('channel_mode', 'multi');
    const two = new Uint8Array(2 * 256);
    two.set(s.image.data, 0);
    two.set(s.image.data, 256);
    await m.train({ data: two, shape: [2, 16, 16] }, s.annotations);
    await expect(m.segment({ data: new Uint8Array(3 * 256), shape: [3, 16, 16] })).rejects.toThrow(/Extracted features \(3\) have a different length than the classifier expects \(2\)/);
    m.dispose();
    await expect(m.segment(s.image)).rejects.toThrow(DisposedError);
  });

  it('getFeatureImage with annotations returns the training rows (the seed API form)', async () => {
    const m = await ConvpaintModel.create({ feName: 'gaussian_features', fe_scalings: [1, 2] }, CPU);
    const s = squareScene(32);
    const rows = await m.getFeatureImage(s.image, { annotations: s.annotations });
    const n = s.annotations.data.filter((v) => v > 0).length;
    expect(rows.features.shape).toEqual([n, 2]);
    expect(new Set(rows.targets)).toEqual(new Set([1, 2]));
    const full = (await m.getFeatureImage(s.image)) as { data: Float32Array };
    // every row equals the feature image at some labelled pixel with that label
    const index = new Map<string, number>();
    s.annotations.data.forEach((v, p) => {
      if (v > 0) index.set(`${full.data[p]},${full.data[1024 + p]}`, v);
    });
    for (let i = 0; i < n; i++) expect(index.get(`${rows.features.data[2 * i]},${rows.features.data[2 * i + 1]}`)).toBe(rows.targets[i]);
    m.dispose();
  });

  it('reports progress through onProgress (features, training, prediction)', async () => {
    const events: Array<{ stage: string; done: number; total: number }> = [];
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, { device: 'cpu', onProgress: (e) => events.push(e) });
    const s = squareScene(32);
    await m.train(s.image, s.annotations);
    await m.segment(s.image);
    const stages = new Set(events.map((e) => e.stage));
    for (const stage of ['features', 'gbdt', 'predict']) expect(stages, stage).toContain(stage);
    for (const e of events) expect(e.done).toBeLessThanOrEqual(e.total);
    const gbdt = events.filter((e) => e.stage === 'gbdt');
    expect(gbdt.at(-1)).toEqual({ stage: 'gbdt', done: 100, total: 100 });
    m.dispose();
  });

  it('lists in, lists out; images may differ in size', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    const a = squareScene(24, 1);
    const b = squareScene(32, 2);
    await m.train([a.image, b.image], [a.annotations, b.annotations]);
    const segs = (await m.segment([a.image, b.image])) as LabelImage[];
    expect(segs.map((s) => s.shape)).toEqual([[24, 24], [32, 32]]);
    m.dispose();
  });

  it('image_downsample: training and segmentation work and outputs have the input size', async () => {
    for (const ds of [-2, 0, 2, 3]) {
      const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
      m.setParam('image_downsample', ds);
      const s = squareScene(40);
      await m.train(s.image, s.annotations);
      const seg = (await m.segment(s.image)) as LabelImage;
      expect(seg.shape, `downsample ${ds}`).toEqual([40, 40]);
      expect(agreement(seg.data, s.truth), `downsample ${ds}`).toBeGreaterThan(0.85);
      m.dispose();
    }
  });

  it('seg_smoothening applies the disk majority filter to the labels (radius = value, only if > 1)', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    const s = squareScene(48);
    // a few deliberately wrong scribbles make a speckled segmentation
    const noisy = s.annotations.data.slice();
    for (let i = 0; i < noisy.length; i += 37) if (!noisy[i]) noisy[i] = s.truth[i] === 1 ? 2 : 1;
    await m.train(s.image, { data: noisy, shape: [48, 48] }, { useRf: true });
    const raw = (await m.segment(s.image)) as LabelImage;
    m.setParam('seg_smoothening', 1);
    expect(((await m.segment(s.image)) as LabelImage).data).toEqual(raw.data);
    m.setParam('seg_smoothening', 3);
    const smooth = (await m.segment(s.image)) as LabelImage;
    const index = Uint32Array.from(raw.data, (v) => v - 1);
    const expected = majorityFilter(index, [1, 48, 48], 2, 3);
    expect(Array.from(smooth.data)).toEqual(Array.from(expected, (v) => v + 1));
    expect(agreement(smooth.data, raw.data)).toBeLessThan(1);
    m.dispose();
  });
});

describe('predict: probabilities and labels from one pass', () => {
  it('equals predictProbas and segment (with smoothing and image_downsample); labelsFromProbabilities gives the same labels', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    m.setParam('seg_smoothening', 2);
    m.setParam('image_downsample', 2);
    const s = squareScene(40);
    await m.train(s.image, s.annotations);
    const both = (await m.predict(s.image)) as PredictionResult;
    const probas = (await m.predictProbas(s.image)) as FloatImage;
    const labels = (await m.segment(s.image)) as LabelImage;
    expect(both.probabilities.shape).toEqual([2, 40, 40]);
    expect(both.probabilities.data).toEqual(probas.data);
    expect(both.labels.shape).toEqual([40, 40]);
    expect(both.labels.data).toEqual(labels.data);
    const fromProbas = labelsFromProbabilities(probas, m.classes!, m.getParam('seg_smoothening')!);
    expect(fromProbas.data).toEqual(labels.data);
    const list = (await m.predict([s.image, s.image])) as PredictionResult[];
    expect(list).toHaveLength(2);
    expect(list[1].labels.data).toEqual(labels.data);
    await expect(ConvpaintModel.create({ alias: 'gaussian' }, CPU).then((u) => u.predict(s.image))).rejects.toThrow(/No trained classifier/);
    m.dispose();
  });

  it('labelsFromProbabilities refuses probabilities that do not match the classes', () => {
    expect(() => labelsFromProbabilities({ data: new Float32Array(12), shape: [3, 2, 2] }, [1, 2])).toThrow(ShapeError);
  });
});

describe('settings: one place for defaults', () => {
  it('every null parameter takes the Convpaint default (fe_scalings [1, 2, 4], not [1])', () => {
    const s = settingsOf(new Param({}));
    expect(s).toMatchObject({ feName: 'vgg16', scalings: [1, 2, 4], order: 0, channelMode: 'single', normalize: 2, imageDownsample: 1, tileAnnotations: true, tileImage: false, smoothing: 1, iterations: 100, learningRate: 0.1, depth: 5 });
    expect(settingsOf(new Param({ fe_scalings: [1, 3], clf_depth: 4 }))).toMatchObject({ scalings: [1, 3], depth: 4 });
  });

  it('the tile budget is exposed: null on the CPU engine (GPU: test/engine/tiling.gpu.test.ts)', async () => {
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    expect(m.tileBudgetBytes).toBeNull();
    m.dispose();
  });
});

describe('tiling invariance (the reference pins 0 differing pixels)', () => {
  it('tile_annotations on/off and tile_image on/off give identical segmentations', async () => {
    const s = squareScene(64, 3);
    const results: Uint8Array[] = [];
    for (const [tileAnnotations, tileImage] of [[true, false], [false, false], [true, true], [false, true]]) {
      const m = await ConvpaintModel.create({ feName: 'gaussian_features', fe_scalings: [1, 2, 4], tile_annotations: tileAnnotations, tile_image: tileImage }, CPU);
      await m.train(s.image, s.annotations, { useRf: true });
      results.push(((await m.segment(s.image)) as LabelImage).data as Uint8Array);
      m.dispose();
    }
    for (const r of results.slice(1)) expect(agreement(r, results[0])).toBe(1);
  });
});

describe('memory mode', () => {
  function strokes(s: ReturnType<typeof squareScene>, parts: number): Array<{ data: Uint8Array; shape: number[] }> {
    // cumulative annotations: stroke k adds every parts-th labelled row
    const out = [];
    const acc = new Uint8Array(s.annotations.data.length);
    for (let k = 0; k < parts; k++) {
      for (let i = 0; i < acc.length; i++) if (s.annotations.data[i] && Math.floor(i / 64) % parts === k) acc[i] = s.annotations.data[i];
      out.push({ data: acc.slice(), shape: s.annotations.shape });
    }
    return out;
  }

  it('three strokes in memory mode give the same model as one training on the union', async () => {
    const s = squareScene(64, 4);
    const once = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    await once.train(s.image, s.annotations);
    const inc = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    for (const a of strokes(s, 3)) await inc.train(s.image, a, { memoryMode: true, imgIds: 'img' });
    expect(inc.memoryRows).toBe(s.annotations.data.filter((v) => v > 0).length);
    expect(Buffer.from(inc.toBundle().slice(0, 0))).toBeDefined();
    const a = (await once.segment(s.image)) as LabelImage;
    const b = (await inc.segment(s.image)) as LabelImage;
    expect(agreement(a.data, b.data)).toBe(1);
    expect(JSON.stringify(Array.from(inc.classifier!.leafValues))).toBe(JSON.stringify(Array.from(once.classifier!.leafValues)));
    once.dispose();
    inc.dispose();
  });

  it('relabelling a pixel replaces its row; erasing removes it; resetTraining clears the table', async () => {
    const q = quiet();
    const s = squareScene(32, 5);
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, q);
    await m.train(s.image, s.annotations, { memoryMode: true, imgIds: 'a' });
    const n = m.memoryRows;
    const relabel = s.annotations.data.slice();
    const first = relabel.findIndex((v) => v === 1);
    relabel[first] = 2;
    const second = relabel.findIndex((v, i) => v === 1 && i > first);
    relabel[second] = 0;
    await m.train(s.image, { data: relabel, shape: s.annotations.shape }, { memoryMode: true, imgIds: 'a' });
    expect(m.memoryRows).toBe(n - 1);
    await m.train(s.image, { data: relabel, shape: s.annotations.shape }, { memoryMode: true, imgIds: 'a' });
    expect(q.warnings.at(-1)).toMatch(/No new annotations/);
    m.resetTraining();
    expect(m.memoryRows).toBe(0);
    m.dispose();
  });
});

describe('saving and loading', () => {
  it('save writes .yml (reference format) and .safetensors; both load; the bundle reproduces the labels', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'convpaint-model-'));
    try {
      const s = squareScene(48, 6);
      const m = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
      m.setParam('seg_smoothening', 2);
      await m.train(s.image, s.annotations, { memoryMode: true, imgIds: 'x' });
      const before = (await m.segment(s.image)) as LabelImage;
      const written = await m.save(path.join(dir, 'model.yml'));
      expect(written.map((p) => path.basename(p))).toEqual(['model.yml', 'model.safetensors']);
      expect((await readdir(dir)).sort()).toEqual(['model.safetensors', 'model.yml']);
      const yml = await readFile(path.join(dir, 'model.yml'), 'utf8');
      expect(yml).toContain('classifier: CatBoost\n');
      expect(yml).toContain('fe_name: gaussian_features\n');

      const fromBundle = await ConvpaintModel.create({ modelPath: path.join(dir, 'model.safetensors') }, CPU);
      expect(fromBundle.getParams().toObject()).toEqual(m.getParams().toObject());
      expect(fromBundle.memoryRows).toBe(m.memoryRows);
      const after = (await fromBundle.segment(s.image)) as LabelImage;
      expect(agreement(after.data, before.data)).toBe(1);

      const fromYml = await ConvpaintModel.create({ modelPath: path.join(dir, 'model.yml') }, CPU);
      expect(fromYml.classifier).toBeNull();
      expect(fromYml.getParam('seg_smoothening')).toBe(2);
      await expect(fromYml.segment(s.image)).rejects.toThrow(/No trained classifier/);
      [m, fromBundle, fromYml].forEach((x) => x.dispose());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a model file that is missing is a FileReadError naming it', async () => {
    await expect(ConvpaintModel.create({ modelPath: '/nonexistent/model.safetensors' }, CPU)).rejects.toThrow(FileReadError);
    await expect(ConvpaintModel.create({ modelPath: '/nonexistent/model.yml' }, CPU)).rejects.toThrow(/model file \/nonexistent\/model\.yml: cannot read \(no such file\)/);
  });

  it('the golden .yml loads; a .pkl is refused with an explanation; a corrupt or newer bundle is refused', async () => {
    const m = await ConvpaintModel.create({ modelPath: sharedPath('golden/vgg-m-untrained.yml') }, CPU);
    expect(m.getParam('fe_layers')).toHaveLength(3);
    expect(m.toYaml()).toBe(await readFile(sharedPath('golden/vgg-m-untrained.yml'), 'utf8'));
    m.dispose();
    await expect(ConvpaintModel.create({ modelPath: 'lily_VGG16.pkl' }, CPU)).rejects.toThrow(/Python pickle .* cannot be read outside Python/);
    await expect(ConvpaintModel.create({ modelPath: 'model.yaml' }, CPU)).rejects.toThrow(/must end with/);
    await expect(ConvpaintModel.create({ bundle: new Uint8Array([1, 2, 3]) }, CPU)).rejects.toThrow(ModelFormatError);
    const g = await ConvpaintModel.create({ alias: 'gaussian' }, CPU);
    const bytes = g.toBundle();
    const text = new TextDecoder().decode(bytes);
    const newer = new TextEncoder().encode(text.replace('"format_version":"1"', '"format_version":"9"'));
    await expect(ConvpaintModel.create({ bundle: newer }, CPU)).rejects.toThrow(/bundle format 9; this version .* reads up to format 1/);
    g.dispose();
  });

  it('a failed save leaves the previous files intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'convpaint-save-'));
    try {
      const m = await ConvpaintModel.create({ alias: 'gaussian' }, quiet());
      await m.save(path.join(dir, 'm'));
      const before = await readFile(path.join(dir, 'm.yml'));
      // a directory where the temp file's rename must land makes the write fail
      await rm(path.join(dir, 'm.safetensors'));
      await writeFile(path.join(dir, 'keep'), 'x');
      await expect(m.save(path.join(dir, 'missing-dir', 'm'))).rejects.toThrow(/ENOENT/);
      expect(await readFile(path.join(dir, 'm.yml'))).toEqual(before);
      expect((await readdir(dir)).sort()).toEqual(['keep', 'm.yml']);
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
