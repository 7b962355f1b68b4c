/**
 * The `convpaint` command on the GPU (--device webgpu; the subprocess inherits VK_ICD_FILENAMES,
 * so this runs on each driver the test runner selects): its files equal the library's results
 * on the same driver, labels via --probas equal labels without it, --tile changes nothing, and
 * `convpaint demo` on the bundled sample reaches the expected accuracy.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode as decodePng } from 'fast-png';
import { decode as decodeTiff } from 'tiff';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage, LabelImage } from '../../src/model/convpaint-model.js';
import { readImageFile, readLabelsFile } from '../../src/io/image-read.js';
import { useGpu } from '../helpers/gpu.js';
import { cleanStderr, runCli } from './run-cli.js';
import type { CliResult } from './run-cli.js';
import { H, W, scene, writeFixtures } from './fixtures.js';
import type { Fixtures } from './fixtures.js';

const gpu = useGpu();
const GPU = ['--device', 'webgpu'];
let fx: Fixtures;
let dir: string;

function expectOk(r: CliResult): void {
  expect(r.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(0);
}

beforeAll(() => {
  dir = join(tmpdir(), `convpaint-cli-gpu-${process.pid}-${Date.now()}`);
  fx = writeFixtures(join(dir, 'data'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train and segment on the GPU', () => {
  it('ilastik on RGB PNG: segmentation and probabilities equal ConvpaintModel on the same driver; --probas and --tile change no label', async () => {
    const model = join(dir, 'models/ilastik');
    const train = await runCli(['train', '--alias', 'ilastik', '--channel-mode', 'rgb', '--image', fx.rgb, '--scribbles', fx.scribbles, '--out', model, '--iterations', '30', ...GPU, '--json']);
    expectOk(train);
    expect(JSON.parse(train.stdout).device).toBe('webgpu');
    // With --json the human lines go to stderr; a well-formed run has no warnings among them.
    expect(cleanStderr(train.stderr)).toContain('trained ilastik_2d (168 features/pixel)');
    expect(cleanStderr(train.stderr)).not.toMatch(/warning|error/i);
    // Dawn's adapter-limit notices are kept out of the output, and shown with --verbose.
    expect(train.stderr).not.toMatch(/artificially reduced/);
    const verbose = await runCli(['gpu', '--verbose']);
    expectOk(verbose);
    // Dawn prints them on lavapipe (its limits fall below Dawn's tiers); SwiftShader's don't.
    if (/llvmpipe/i.test(verbose.stdout)) expect(verbose.stderr).toMatch(/artificially reduced/);

    const plain = join(dir, 'seg-plain');
    const withProbas = join(dir, 'seg-probas');
    const tiled = join(dir, 'seg-tiled');
    expectOk(await runCli(['segment', '--model', `${model}.safetensors`, fx.rgb, '--out', plain, ...GPU, '-q']));
    expectOk(await runCli(['segment', '--model', `${model}.safetensors`, fx.rgb, '--out', withProbas, '--probas', '--overlay', ...GPU, '-q']));
    expectOk(await runCli(['segment', '--model', `${model}.safetensors`, fx.rgb, '--out', tiled, '--tile', ...GPU, '-q']));

    const lib = await ConvpaintModel.create({ modelPath: `${model}.safetensors` }, { device: gpu() });
    const image = await readImageFile(fx.rgb);
    const labels = (await lib.segment(image)) as LabelImage;
    const probas = (await lib.predictProbas(image)) as FloatImage;
    lib.dispose();

    const read = (folder: string) => Array.from(decodePng(readFileSync(join(folder, 'scene_rgb_segmentation.png'))).data);
    expect(read(plain)).toEqual(Array.from(labels.data));
    expect(read(withProbas)).toEqual(Array.from(labels.data));
    expect(read(tiled)).toEqual(Array.from(labels.data));
    const right = scene(0).truth.filter((t, i) => labels.data[i] === t).length / (H * W);
    expect(right).toBeGreaterThan(0.9);

    const pages = decodeTiff(readFileSync(join(withProbas, 'scene_rgb_probabilities.tif')));
    expect(pages).toHaveLength(2);
    let worst = 0;
    for (let c = 0; c < 2; c++) {
      const page = pages[c].data as Float32Array;
      for (let i = 0; i < H * W; i++) worst = Math.max(worst, Math.abs(page[i] - probas.data[c * H * W + i]));
    }
    // The same kernels on the same driver: identical up to float reassociation inside the driver.
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('a 3-page TIFF stack on the GPU gives a 3-page 8-bit TIFF', async () => {
    const model = join(dir, 'models/gauss');
    expectOk(await runCli(['train', '--alias', 'gaussian', '--image', fx.grey, '--scribbles', fx.scribbles, '--out', model, '--iterations', '20', ...GPU, '-q']));
    const out = join(dir, 'seg-stack');
    expectOk(await runCli(['segment', '--model', `${model}.safetensors`, fx.stack, '--out', out, ...GPU, '-q']));
    const pages = decodeTiff(readFileSync(join(out, 'stack_segmentation.tif')));
    expect(pages.map((p) => [p.width, p.height, p.bitsPerSample])).toEqual([[W, H, 8], [W, H, 8], [W, H, 8]]);
    for (let z = 0; z < 3; z++) {
      const right = scene(z).truth.filter((t, i) => pages[z].data[i] === t).length / (H * W);
      expect(right).toBeGreaterThan(0.9);
    }
  });
});

describe('convpaint demo', () => {
  it(
    'trains ilastik on the bundled sample: accuracy ≥ 0.93, and the printed accuracy is that of the written segmentation',
    async () => {
      const out = join(dir, 'demo');
      const r = await runCli(['demo', '--out', out, ...GPU, '--json']);
      expectOk(r);
      const summary = JSON.parse(r.stdout);
      console.log(`[demo] accuracy ${summary.accuracy.toFixed(4)} (unscribbled ${summary.accuracy_unscribbled.toFixed(4)}), seconds ${JSON.stringify(summary.seconds)}`);
      expect(summary.device).toBe('webgpu');
      expect(summary.fe_name).toBe('ilastik_2d');
      expect(summary.classes).toEqual([1, 49, 67, 91]);
      expect(summary.accuracy).toBeGreaterThanOrEqual(0.93);

      const seg = await readLabelsFile(join(out, 'segmentation.png'));
      const truth = await readLabelsFile('sample/0000_ground_truth.png');
      expect(seg.shape).toEqual([384, 512]);
      let right = 0;
      for (let i = 0; i < truth.data.length; i++) if (seg.data[i] === truth.data[i]) right++;
      expect(summary.accuracy).toBeCloseTo(right / truth.data.length, 12);
      // The human lines (on stderr with --json) print the same number and the way to the VGG weights.
      expect(r.stderr).toContain(`${(100 * summary.accuracy).toFixed(2)} %`);
      expect(r.stderr).toContain('convpaint weights fetch');

      const overlay = decodePng(readFileSync(join(out, 'overlay.png')));
      expect([overlay.width, overlay.height, overlay.channels]).toEqual([512, 384, 3]);
      const info = JSON.parse((await runCli(['info', join(out, 'model.safetensors'), '--json'])).stdout);
      expect(info.param.channel_mode).toBe('rgb');
      expect(info.num_features).toBe(summary.num_features);
    },
    600_000,
  );
});
