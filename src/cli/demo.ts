/**
 * `convpaint demo`: the whole workflow on the sample that ships with the repository
 * (sample/ in the package and the repository: an RGB photo, scribbles of four classes and the full
 * ground truth).
 * It trains the `ilastik` filter bank — no downloaded weights, so it works on a machine that was
 * never online — with channel_mode rgb, segments the image, writes the segmentation, an overlay
 * and the model, and prints the accuracy against the ground truth.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import type { Command } from 'commander';
import { readImageFile, readLabelsFile } from '../io/image-read.js';
import { downscalePicture, overlayPicture } from '../postprocess/overlay.js';
import { encodeLabels, encodeRgbPng, writeAtomic } from '../io/image-write.js';
import type { DeviceChoice, LabelImage } from '../model/convpaint-model.js';
import { ConvpaintModel } from '../model/convpaint-model.js';
import { accuracy } from './common.js';
import { CliError, EXIT, runAction } from './errors.js';
import { Reporter } from './progress.js';

/** The sample, found relative to this file: src/cli/ (tsx) and dist/cli/ (built) both work. */
export const DEMO_DATA = fileURLToPath(new URL('../../sample/', import.meta.url));
export const DEMO_FILES = { image: '0000_img.png', scribbles: '0000_scribbles_all_01500_w3.png', truth: '0000_ground_truth.png' };

interface DemoOptions {
  out: string;
  data: string;
  thumbnail?: string;
  device: 'auto' | 'webgpu' | 'cpu';
  quiet?: boolean;
  json?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('train on the bundled sample and write its segmentation and overlay (no downloads needed)')
    .option('--out <dir>', 'output folder', 'convpaint-demo')
    .option('--data <dir>', 'folder with the sample files', DEMO_DATA)
    .option('--thumbnail <file>', 'also write the overlay at half size (how docs/images/demo-overlay.png is made)')
    .addOption(new Option('--device <device>', 'WebGPU if an adapter exists, else the CPU (auto); WebGPU or fail (webgpu); CPU reference (cpu)').choices(['auto', 'webgpu', 'cpu']).default('auto'))
    .option('-q, --quiet', 'print nothing but errors')
    .option('--json', 'print a machine-readable summary on stdout at the end')
    .action((opts: DemoOptions) => runAction(() => demo(opts)));
}

async function demo(opts: DemoOptions): Promise<number> {
  const paths = Object.fromEntries(Object.entries(DEMO_FILES).map(([k, f]) => [k, join(opts.data, f)])) as typeof DEMO_FILES;
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new CliError(`the demo's sample is missing (${missing.join(', ')}); it ships with the package (sample/ beside dist/), or point --data at a copy`, EXIT.input);
  }
  const reporter = new Reporter({ quiet: opts.quiet, json: opts.json });
  const started = performance.now();
  const [image, scribbles, truth] = await reporter.timed('read', () =>
    Promise.all([readImageFile(paths.image), readLabelsFile(paths.scribbles), readLabelsFile(paths.truth)]),
  );
  mkdirSync(opts.out, { recursive: true });

  const model = await reporter.timed('load', () =>
    ConvpaintModel.create({ alias: 'ilastik' }, { device: opts.device as DeviceChoice, onProgress: reporter.onProgress, onWarning: reporter.warn }),
  );
  try {
    model.setParam('channel_mode', 'rgb');
    await reporter.timed('train', () => model.train(image, scribbles));
    const labels = (await reporter.timed('predict', () => model.segment(image))) as LabelImage;
    const classes = model.classes!;
    const written: string[] = [];
    await reporter.timed('write', async () => {
      const seg = encodeLabels(labels);
      const segPath = join(opts.out, `segmentation${seg.ext}`);
      await writeAtomic(segPath, seg.bytes);
      const pic = overlayPicture(image, 'rgb', labels, classes, { scribbles });
      const overlayPath = join(opts.out, 'overlay.png');
      await writeAtomic(overlayPath, encodeRgbPng(pic.data, pic.width, pic.height));
      written.push(segPath, overlayPath);
      if (opts.thumbnail) {
        const small = downscalePicture(pic, 2);
        await writeAtomic(opts.thumbnail, encodeRgbPng(small.data, small.width, small.height));
        written.push(opts.thumbnail);
      }
      written.push(...(await model.save(join(opts.out, 'model'))));
    });
    reporter.stop();

    const all = accuracy(labels.data, truth.data);
    const unscribbled = accuracy(labels.data, truth.data, scribbles.data);
    const total = Math.round(performance.now() - started) / 1000;
    reporter.info(`demo: ilastik filter bank (${model.numFeatures} features/pixel) + boosted trees on ${DEMO_FILES.image} (512×384 RGB, ${classes.length} classes), device ${model.device}`);
    for (const f of written) reporter.info(`wrote ${f}`);
    reporter.info(`accuracy against the bundled ground truth: ${(100 * all.accuracy).toFixed(2)} % of ${all.pixels.toLocaleString('en-US')} pixels (${(100 * unscribbled.accuracy).toFixed(2)} % of the ${unscribbled.pixels.toLocaleString('en-US')} unscribbled)`);
    reporter.info(`time: ${total.toFixed(1)} s (${Object.entries(reporter.secondsSummary()).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')})`);
    reporter.info('The default model (vgg: VGG16 ImageNet features) needs weights: `convpaint weights fetch` downloads them once (528 MB), then e.g. `convpaint train --alias vgg …`.');
    reporter.summary({
      command: 'demo',
      device: model.device,
      fe_name: model.getParam('fe_name'),
      num_features: model.numFeatures,
      classes,
      written,
      accuracy: all.accuracy,
      accuracy_unscribbled: unscribbled.accuracy,
      seconds: { ...reporter.secondsSummary(), total },
    });
    return EXIT.ok;
  } finally {
    reporter.stop();
    model.dispose();
  }
}
