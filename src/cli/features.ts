/**
 * `convpaint features`: the per-pixel features of one image as a float32 multi-page TIFF
 * ([F, H, W], or [F, Z, H, W] for a stack: one page per feature and plane), e.g. to inspect
 * what the classifier sees or to train something else on them.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readImageFile } from '../io/image-read.js';
import { encodeFloatStack, writeAtomic } from '../io/image-write.js';
import type { FloatImage } from '../model/convpaint-model.js';
import { addCommonOptions, addSourceOptions, createModel, modelSource } from './common.js';
import type { CommonOptions, SourceOptions } from './common.js';
import { resolveModelFile } from './model-file.js';
import { CliError, EXIT, runAction } from './errors.js';
import { Reporter } from './progress.js';

interface FeaturesOptions extends CommonOptions, SourceOptions {
  out: string;
  force?: boolean;
}

export function registerFeaturesCommand(program: Command): void {
  const cmd = program
    .command('features')
    .description('export the feature image of IMAGE as a float32 multi-page TIFF (one page per feature)')
    .argument('<image>', 'a PNG or TIFF image')
    .requiredOption('--out <file>', 'the TIFF to write (e.g. features.tiff)')
    .option('--force', 'overwrite --out if it exists');
  addSourceOptions(cmd, 'extractor');
  addCommonOptions(cmd);
  cmd.addHelpText('after', '\nExample:\n  convpaint features --alias gaussian cells.png --out cells_features.tiff');
  cmd.action((image: string, opts: FeaturesOptions) => runAction(() => features(image, opts)));
}

async function features(imagePath: string, opts: FeaturesOptions): Promise<number> {
  if (!/\.tiff?$/i.test(opts.out)) throw new CliError(`--out must end in .tif or .tiff (features are written as float32 TIFF), got ${opts.out}`);
  if (existsSync(opts.out) && !opts.force) throw new CliError(`${opts.out} exists; pass --force to overwrite it`);
  if (opts.model) opts.model = await resolveModelFile(opts.model, 'any', '--model');
  const source = modelSource(opts);
  const reporter = new Reporter({ quiet: opts.quiet, json: opts.json });
  const started = performance.now();
  const image = await reporter.timed('read', () => readImageFile(imagePath));
  const model = await createModel(source, opts, reporter);
  try {
    if (opts.channelMode) model.setParam('channel_mode', opts.channelMode);
    const result = (await reporter.timed('features', () => model.getFeatureImage(image))) as FloatImage;
    await reporter.timed('write', () => writeAtomic(opts.out, encodeFloatStack(result, { fe_name: model.getParam('fe_name') })));
    reporter.stop();
    reporter.info(`wrote ${opts.out}: ${result.shape[0]} features × ${result.shape.slice(1).join('×')} (float32, ${result.data.length / result.shape.slice(-2).reduce((a, b) => a * b, 1)} pages)`);
    reporter.summary({
      command: 'features',
      image: imagePath,
      written: [opts.out],
      shape: result.shape,
      device: model.device,
      fe_name: model.getParam('fe_name'),
      seconds: { ...reporter.secondsSummary(), total: Math.round(performance.now() - started) / 1000 },
    });
    return EXIT.ok;
  } finally {
    reporter.stop();
    model.dispose();
  }
}
