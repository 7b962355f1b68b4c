/**
 * The `convpaint` command driven as a subprocess on the CPU engine (--device cpu), on generated
 * PNG and TIFF files: what it writes (read back and checked value by value against the library),
 * sharding, skipping and --force, a batch with a corrupt file, and the one-line errors with their
 * exit codes. GPU runs of the same command are in cli.gpu.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode as decodePng } from 'fast-png';
import { decode as decodeTiff } from 'tiff';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { readImageFile, readLabelsFile } from '../../src/io/image-read.js';
import { cleanStderr, runCli } from './run-cli.js';
import { sharedPath } from '../helpers/data.js';
import { TEST_WEIGHTS as VGG_TEST_WEIGHTS } from '../features/vgg16-helpers.js';
import type { CliResult } from './run-cli.js';
import { H, W, png8, scene, writeFixtures } from './fixtures.js';
import type { Fixtures } from './fixtures.js';

const CPU = ['--device', 'cpu'];
let fx: Fixtures;
let dir: string;
/** A gaussian model trained once on scene.png (single channel). */
let model: string;

function tmp(name: string): string {
  return join(dir, name);
}

function expectOk(r: CliResult): void {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

/** The error line(s) of a failed run, Dawn's start-up noise removed. */
function errorLines(r: CliResult): string[] {
  return cleanStderr(r.stderr).split('\n').filter((l) => l.startsWith('convpaint: error'));
}

beforeAll(async () => {
  dir = join(tmpdir(), `convpaint-cli-${process.pid}-${Date.now()}`);
  fx = writeFixtures(join(dir, 'data'));
  model = tmp('models/grey');
  expectOk(await runCli(['train', '--fe', 'gaussian_features', '--scalings', '1,2', '--image', fx.grey, '--scribbles', fx.scribbles, '--out', model, '--iterations', '30', ...CPU, '-q']));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--help', () => {
  it('every command has help that names its options', async () => {
    const expected: Record<string, string[]> = {
      train: ['--image', '--scribbles', '--alias', '--model', '--fe', '--layers', '--scalings', '--rf', '--iterations', '--depth', '--lr', '--continue', '--channel-mode', '--weights', '--device', '--quiet', '--json'],
      segment: ['--model', '--out', '--probas', '--overlay', '--tile', '--shard', '--force', '--truth', '--device'],
      features: ['--alias', '--out', '--device'],
      info: ['--json'],
      demo: ['--out', '--device', '--json'],
    };
    for (const [command, options] of Object.entries(expected)) {
      const r = await runCli([command, '--help']);
      expectOk(r);
      for (const o of options) expect(r.stdout, `${command} --help mentions ${o}`).toContain(o);
    }
    const top = await runCli(['--help']);
    for (const c of ['train', 'segment', 'features', 'info', 'demo', 'gpu']) expect(top.stdout).toContain(c);
  });
});

describe('train and info', () => {
  it('writes MODEL.yml and MODEL.safetensors; info reads them without a GPU', async () => {
    expect(existsSync(`${model}.yml`)).toBe(true);
    const r = await runCli(['info', `${model}.safetensors`, '--json']);
    expectOk(r);
    const info = JSON.parse(r.stdout);
    expect(info.trained).toBe(true);
    expect(info.classes).toEqual([1, 2]);
    expect(info.num_features).toBe(2); // gaussian: one feature per scaling
    expect(info.param.fe_name).toBe('gaussian_features');
    expect(info.param.fe_scalings).toEqual([1, 2]);
    expect(info.param.clf_iterations).toBe(30);
    const text = await runCli(['info', `${model}.yml`]);
    expectOk(text);
    expect(text.stdout).toContain('untrained');
    expect(text.stdout).toContain('fe_name: "gaussian_features"');
  });

  it('--json prints a summary with the written files and seconds per stage', async () => {
    const r = await runCli(['train', '--alias', 'gaussian', '--image', fx.grey, '--scribbles', fx.scribbles, '--out', tmp('models/json'), '--rf', ...CPU, '--json']);
    expectOk(r);
    const s = JSON.parse(r.stdout);
    expect(s.written).toEqual([tmp('models/json.yml'), tmp('models/json.safetensors')]);
    expect(s.classes).toEqual([1, 2]);
    expect(s.device).toBe('cpu');
    for (const stage of ['read', 'load', 'train', 'write', 'total']) expect(s.seconds[stage]).toBeGreaterThanOrEqual(0);
    const info = JSON.parse((await runCli(['info', tmp('models/json.safetensors'), '--json'])).stdout);
    expect(info.classifier).toBe('RandomForest');
  });

  it('dinov2 with --weights: train and segment give the library\'s labels', async () => {
    const weights = sharedPath('golden/dinov2/dinov2_vits14_reg_test_random.safetensors');
    const out = tmp('models/dino');
    expectOk(await runCli(['train', '--alias', 'dinov2', '--weights', weights, '--rf', '--image', fx.grey, '--scribbles', fx.scribbles, '--out', out, ...CPU, '-q']));
    const info = JSON.parse((await runCli(['info', `${out}.safetensors`, '--json'])).stdout);
    expect(info.param.fe_name).toBe('dinov2_small-reg');
    expect(info.num_features).toBe(384);
    expectOk(await runCli(['segment', '--model', out, '--weights', weights, fx.grey, '--out', tmp('dino-seg'), ...CPU, '-q']));
    const written = decodePng(readFileSync(join(tmp('dino-seg'), 'scene_segmentation.png')));
    const m = await ConvpaintModel.create({ modelPath: `${out}.safetensors` }, { device: 'cpu', weights });
    const expected = (await m.segment(await readImageFile(fx.grey))) as LabelImage;
    expect(Array.from(written.data)).toEqual(Array.from(expected.data));
    m.dispose();
  });

  it('combo_dino_vgg takes one --weights per network', async () => {
    const dino = sharedPath('golden/dinov2/dinov2_vits14_reg_test_random.safetensors');
    const out = tmp('models/combo-vgg');
    expectOk(await runCli(['train', '--fe', 'combo_dino_vgg', '--weights', dino, '--weights', VGG_TEST_WEIGHTS, '--rf', '--image', fx.grey, '--scribbles', fx.scribbles, '--out', out, ...CPU, '-q']));
    const info = JSON.parse((await runCli(['info', `${out}.safetensors`, '--json'])).stdout);
    expect(info.param.fe_name).toBe('combo_dino_vgg');
    expect(info.num_features).toBe(192 + 384);
  });

  it('memory mode: --memory keeps the pixels, --continue adds a second image', async () => {
    const base = tmp('models/mem');
    expectOk(await runCli(['train', '--alias', 'gaussian', '--image', fx.grey, '--scribbles', fx.scribbles, '--memory', '--out', base, '--iterations', '10', ...CPU, '-q']));
    const before = JSON.parse((await runCli(['info', `${base}.safetensors`, '--json'])).stdout).memory_rows;
    const scribbled = Array.from(scene(0).scribbles).filter((v) => v > 0).length;
    expect(before).toBe(scribbled);
    expectOk(await runCli(['train', '--continue', `${base}.safetensors`, '--image', fx.grey2, '--scribbles', fx.scribbles2, '--out', `${base}2`, '--iterations', '10', ...CPU, '-q']));
    const after = JSON.parse((await runCli(['info', `${base}2.safetensors`, '--json'])).stdout);
    expect(after.memory_rows).toBe(scribbled + Array.from(scene(1).scribbles).filter((v) => v > 0).length);
    expect(after.num_trainings).toBe(2);
    // A model trained without --memory cannot be continued.
    const r = await runCli(['train', '--continue', `${model}.safetensors`, '--image', fx.grey2, '--scribbles', fx.scribbles2, '--out', tmp('models/x'), ...CPU]);
    expect(r.code).toBe(4);
    expect(errorLines(r)[0]).toMatch(/remembers no training pixels/);
  });
});

describe('segment', () => {
  it('8-bit PNG, 16-bit PNG and 16-bit TIFF: labels equal ConvpaintModel.segment, probabilities are float32 pages, overlays RGB', async () => {
    const out = tmp('seg-basic');
    const inputs = [fx.grey, fx.grey16, fx.tiff16];
    const r = await runCli(['segment', '--model', `${model}.safetensors`, ...inputs, '--out', out, '--probas', '--overlay', ...CPU, '--json', '--truth', fx.truth, '--truth', fx.truth, '--truth', fx.truth]);
    expectOk(r);
    const summary = JSON.parse(r.stdout);
    expect(summary.written).toBe(3);
    const lib = await ConvpaintModel.create({ modelPath: `${model}.safetensors` }, { device: 'cpu' });
    for (const [k, input] of inputs.entries()) {
      const stem = ['scene', 'scene16', 'scene16_tiff'][k];
      const seg = decodePng(readFileSync(join(out, `${stem}_segmentation.png`)));
      expect([seg.width, seg.height, seg.depth, seg.channels]).toEqual([W, H, 8, 1]);
      const expected = (await lib.segment(await readImageFile(input))) as LabelImage;
      expect(Array.from(seg.data)).toEqual(Array.from(expected.data));
      // The scene is easy: nearly every pixel right, and the summary's accuracy is the file's.
      const truth = scene(0).truth;
      const right = truth.filter((t, i) => seg.data[i] === t).length / truth.length;
      expect(right).toBeGreaterThan(0.9);
      expect(summary.files[k].accuracy).toBeCloseTo(right, 10);

      const pages = decodeTiff(readFileSync(join(out, `${stem}_probabilities.tif`)));
      expect(pages).toHaveLength(2);
      expect(JSON.parse(pages[0].imageDescription!)).toEqual({ shape: [2, H, W], classes: [1, 2] });
      const probas = (await lib.predictProbas(await readImageFile(input))) as FloatImage;
      for (let c = 0; c < 2; c++) {
        expect(pages[c].data).toBeInstanceOf(Float32Array);
        expect(Array.from(pages[c].data)).toEqual(Array.from(probas.data.subarray(c * W * H, (c + 1) * W * H)));
      }
      const overlay = decodePng(readFileSync(join(out, `${stem}_overlay.png`)));
      expect([overlay.width, overlay.height, overlay.channels]).toEqual([W, H, 3]);
    }
    lib.dispose();
    for (const stage of ['read', 'predict', 'write']) expect(summary.seconds[stage]).toBeGreaterThan(0);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a 3-page TIFF with a single-channel model → [Z,H,W] stack → a 3-page 8-bit TIFF equal to the library\'s', async () => {
    const out = tmp('seg-stack');
    expectOk(await runCli(['segment', '--model', `${model}.safetensors`, fx.stack, '--out', out, '--probas', ...CPU, '-q']));
    const pages = decodeTiff(readFileSync(join(out, 'stack_segmentation.tif')));
    expect(pages).toHaveLength(3);
    const lib = await ConvpaintModel.create({ modelPath: `${model}.safetensors` }, { device: 'cpu' });
    // The planes of the file, stacked: normalisation is over the whole stack (normalize 2), so
    // this is not the same as segmenting each plane alone.
    const stack = new Uint8Array(3 * H * W);
    for (let z = 0; z < 3; z++) stack.set(scene(z).grey, z * H * W);
    const expected = (await lib.segment({ data: stack, shape: [3, H, W] })) as LabelImage;
    lib.dispose();
    expect(expected.shape).toEqual([3, H, W]);
    for (let z = 0; z < 3; z++) {
      expect([pages[z].width, pages[z].height, pages[z].bitsPerSample]).toEqual([W, H, 8]);
      expect(Array.from(pages[z].data)).toEqual(Array.from(expected.data.subarray(z * H * W, (z + 1) * H * W)));
      const right = scene(z).truth.filter((t, i) => pages[z].data[i] === t).length / (H * W);
      expect(right).toBeGreaterThan(0.9);
    }
    const probas = await readImageFile(join(out, 'stack_probabilities.tif'));
    expect(probas.shape).toEqual([2, 3, H, W]);
  });

  it('RGB PNG with an rgb model → [H,W] labels; a grey image for that model fails with exit 4', async () => {
    const rgbModel = tmp('models/rgb');
    expectOk(await runCli(['train', '--alias', 'gaussian', '--channel-mode', 'rgb', '--image', fx.rgb, '--scribbles', fx.scribbles, '--out', rgbModel, '--iterations', '20', ...CPU, '-q']));
    expect(JSON.parse((await runCli(['info', `${rgbModel}.safetensors`, '--json'])).stdout).num_features).toBe(3);
    const out = tmp('seg-rgb');
    expectOk(await runCli(['segment', '--model', `${rgbModel}.safetensors`, fx.rgb, '--out', out, ...CPU, '-q']));
    const seg = decodePng(readFileSync(join(out, 'scene_rgb_segmentation.png')));
    const lib = await ConvpaintModel.create({ modelPath: `${rgbModel}.safetensors` }, { device: 'cpu' });
    const expected = (await lib.segment(await readImageFile(fx.rgb))) as LabelImage;
    lib.dispose();
    expect(expected.shape).toEqual([H, W]);
    expect(Array.from(seg.data)).toEqual(Array.from(expected.data));

    const bad = await runCli(['segment', '--model', `${rgbModel}.safetensors`, fx.grey, '--out', tmp('seg-rgb-bad'), ...CPU]);
    expect(bad.code).toBe(4);
    expect(cleanStderr(bad.stderr)).toMatch(/scene\.png .*does not fit the model's channel_mode "rgb"/);
  });

  it('a model trained on 2 channels meets a 3-channel stack: the feature-count error, exit 4', async () => {
    const multi = tmp('models/multi');
    expectOk(await runCli(['train', '--alias', 'gaussian', '--channel-mode', 'multi', '--image', fx.twoPage, '--scribbles', fx.twoPageScribbles, '--out', multi, '--iterations', '10', ...CPU, '-q']));
    const r = await runCli(['segment', '--model', `${multi}.safetensors`, fx.threePage, '--out', tmp('seg-multi'), ...CPU]);
    expect(r.code).toBe(4);
    expect(cleanStderr(r.stderr)).toMatch(/three\.tif: Extracted features \(3\) have a different length than the classifier expects \(2\)/);
  });

  it('--shard i/n covers every input exactly once; a rerun skips, --force recomputes', async () => {
    const folder = tmp('shard-in');
    mkdirSync(folder);
    for (let v = 0; v < 7; v++) writeFileSync(join(folder, `img${v}.png`), png8(scene(v).grey));
    const out = tmp('shard-out');
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runCli(['segment', '--model', `${model}.safetensors`, folder, '--out', out, '--shard', `${i}/3`, ...CPU, '--json']);
      expectOk(r);
      const s = JSON.parse(r.stdout);
      expect(s.shard).toBe(`${i}/3`);
      for (const f of s.files) {
        expect(f.status).toBe('written');
        seen.push(f.input);
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((v) => join(folder, `img${v}.png`)));
    expect(readdirSync(out).sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((v) => `img${v}_segmentation.png`));

    const again = JSON.parse((await runCli(['segment', '--model', `${model}.safetensors`, join(folder, '*.png'), '--out', out, ...CPU, '--json'])).stdout);
    expect(again.files.map((f: { status: string }) => f.status)).toEqual(new Array(7).fill('skipped'));
    // Asking for an output that is missing recomputes; --force recomputes everything.
    const more = JSON.parse((await runCli(['segment', '--model', `${model}.safetensors`, folder, '--out', out, '--overlay', ...CPU, '--json'])).stdout);
    expect(more.written).toBe(7);
    const forced = JSON.parse((await runCli(['segment', '--model', `${model}.safetensors`, folder, '--out', out, '--force', ...CPU, '--json'])).stdout);
    expect(forced.written).toBe(7);
  });

  it('a batch with a corrupt file writes the others, lists the bad one at the end and exits 6', async () => {
    const folder = tmp('batch-in');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.png'), png8(scene(0).grey));
    writeFileSync(join(folder, 'b.png'), png8(scene(1).grey).subarray(0, 60)); // truncated
    writeFileSync(join(folder, 'c.tif'), new TextEncoder().encode('not a tiff at all'));
    writeFileSync(join(folder, 'd.png'), png8(scene(2).grey));
    const out = tmp('batch-out');
    const r = await runCli(['segment', '--model', `${model}.safetensors`, folder, '--out', out, ...CPU]);
    expect(r.code).toBe(6);
    expect(readdirSync(out).sort()).toEqual(['a_segmentation.png', 'd_segmentation.png']);
    const tail = cleanStderr(r.stderr).split('\n').slice(-3);
    expect(tail[0]).toBe('convpaint: 2 of 4 input(s) failed:');
    expect(tail[1]).toMatch(/b\.png: .*b\.png: cannot decode this PNG file/);
    expect(tail[2]).toMatch(/c\.tif: .*not a PNG or TIFF file/);
    expect(r.stdout).toContain('2 written, 0 skipped, 2 failed');
  });
});

describe('features', () => {
  it('writes a float32 multi-page TIFF equal to getFeatureImage', async () => {
    const path = tmp('features/scene.tiff');
    mkdirSync(tmp('features'));
    expectOk(await runCli(['features', '--fe', 'gaussian_features', '--scalings', '1,2', fx.grey, '--out', path, ...CPU, '-q']));
    const pages = decodeTiff(readFileSync(path));
    expect(pages).toHaveLength(2);
    const lib = await ConvpaintModel.create({ feName: 'gaussian_features', fe_scalings: [1, 2] }, { device: 'cpu' });
    const f = (await lib.getFeatureImage(await readImageFile(fx.grey))) as FloatImage;
    lib.dispose();
    expect(f.shape).toEqual([2, H, W]);
    for (let k = 0; k < 2; k++) expect(Array.from(pages[k].data)).toEqual(Array.from(f.data.subarray(k * H * W, (k + 1) * H * W)));
    const exists = await runCli(['features', '--alias', 'gaussian', fx.grey, '--out', path, ...CPU]);
    expect(exists.code).toBe(2);
    expect(errorLines(exists)[0]).toMatch(/exists; pass --force/);
  });
});

describe('errors: one line, a meaningful exit code', () => {
  it('usage mistakes exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['train', '--alias', 'gaussian', '--fe', 'ilastik_2d', '--image', 'a.png', '--scribbles', 'b.png', '--out', 'm'], /choose one of --alias, --model and --fe/],
      [['train', '--alias', 'gaussian', '--image', 'a.png', '--out', 'm'], /each --image needs its --scribbles/],
      [['train', '--alias', 'gaussian', '--layers', '0', '--image', 'a.png', '--scribbles', 'b.png', '--out', 'm'], /--layers and --scalings go with --fe/],
      [['segment', '--model', 'm.safetensors', 'x.png', '--out', 'o', '--shard', '3/3'], /need 0 ≤ i < n/],
      [['segment', '--model', 'm.safetensors', join(dir, 'nothing-here', '*.png'), '--out', 'o'], /no input images/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli([...args, ...CPU]);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = errorLines(r);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    }
  });

  it('unreadable inputs and mismatched scribbles exit 3, naming the files', async () => {
    const missing = await runCli(['train', '--alias', 'gaussian', '--image', tmp('nope.png'), '--scribbles', fx.scribbles, '--out', tmp('m'), ...CPU]);
    expect(missing.code).toBe(3);
    expect(errorLines(missing)[0]).toMatch(/nope\.png: cannot read \(no such file\)/);
    const mismatch = await runCli(['train', '--alias', 'gaussian', '--image', fx.grey, '--scribbles', fx.transposed, '--out', tmp('m'), ...CPU]);
    expect(mismatch.code).toBe(3);
    expect(errorLines(mismatch)).toEqual([`convpaint: error: scribbles ${fx.transposed} are 48×40 but image ${fx.grey} is 40×48 (channel_mode single) — transposed?`]);
    const info = await runCli(['info', tmp('nope.safetensors')]);
    expect(info.code).toBe(3);
  });

  it('a model file that is not a model exits 4', async () => {
    writeFileSync(tmp('junk.safetensors'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const r = await runCli(['segment', '--model', tmp('junk.safetensors'), fx.grey, '--out', tmp('o'), ...CPU]);
    expect(r.code).toBe(4);
    expect(errorLines(r)).toHaveLength(1);
    // A .yml without a trained bundle beside it holds parameters only.
    writeFileSync(tmp('params-only.yml'), readFileSync(`${model}.yml`));
    const yml = await runCli(['segment', '--model', tmp('params-only.yml'), fx.grey, '--out', tmp('o'), ...CPU]);
    expect(yml.code).toBe(4);
    expect(errorLines(yml)[0]).toMatch(/holds parameters only, and there is no trained bundle .*params-only\.safetensors beside it/);
  });

  it('--model takes the name given to train --out, the .yml beside the bundle, or the bundle; a missing one exits 3', async () => {
    const outputs: string[] = [];
    for (const [i, arg] of [model, `${model}.yml`, `${model}.safetensors`].entries()) {
      const r = await runCli(['segment', '--model', arg, fx.grey, '--out', tmp(`by-name-${i}`), ...CPU, '-q']);
      expectOk(r);
      outputs.push(readFileSync(join(tmp(`by-name-${i}`), 'scene_segmentation.png')).toString('base64'));
    }
    expect(new Set(outputs).size).toBe(1);
    const info = await runCli(['info', model, '--json']);
    expectOk(info);
    expect(JSON.parse(info.stdout).file).toBe(`${model}.safetensors`);
    const missing = await runCli(['segment', '--model', tmp('models/none'), fx.grey, '--out', tmp('o'), ...CPU]);
    expect(missing.code).toBe(3);
    expect(errorLines(missing)).toEqual([`convpaint: error: --model ${tmp('models/none')}: no model there (looked for ${tmp('models/none')}.safetensors)`]);
    const gone = await runCli(['segment', '--model', tmp('models/none.safetensors'), fx.grey, '--out', tmp('o'), ...CPU]);
    expect(gone.code).toBe(3);
    expect(errorLines(gone)[0]).toMatch(/none\.safetensors: no such file/);
  });

  it('no WebGPU adapter with --device webgpu: exit 5 and the set-up hint', async () => {
    // An ICD list naming a file that does not exist leaves the Vulkan loader without drivers.
    const env = { VK_ICD_FILENAMES: join(dir, 'no-such-icd.json'), VK_DRIVER_FILES: join(dir, 'no-such-icd.json') };
    const r = await runCli(['segment', '--model', `${model}.safetensors`, fx.grey, '--out', tmp('o-gpu'), '--device', 'webgpu'], { env });
    expect(r.code).toBe(5);
    const lines = errorLines(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no WebGPU adapter found/);
    expect(lines[0]).toMatch(/scripts\/setup-gpu\.sh/);
    expect(lines[0]).toMatch(/--device cpu/);
  });
});

describe('labels read back', () => {
  it('the ground truth fixture reads as written (sanity of the fixtures themselves)', async () => {
    const t = await readLabelsFile(fx.truth);
    expect(t.shape).toEqual([H, W]);
    expect(Array.from(t.data)).toEqual(Array.from(scene(0).truth));
  });
});
