/**
 * `convpaint train`: fit a model on image/scribble pairs and save it (`MODEL.yml` with the
 * parameters, readable by napari-convpaint, and `MODEL.safetensors` with the trained classifier).
 *
 * With `--memory` the extracted training pixels are kept in the bundle; `--continue MODEL` then
 * adds new or changed scribbles (the reference's memory mode: pixels already seen are not
 * extracted again) and retrains on everything remembered.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { readImageFile, readLabelsFile } from '../io/image-read.js';
import type { ImageArray } from '../io/image-read.js';
import type { ChannelMode } from '../prepare/dims.js';
import { resolveModelFile } from './model-file.js';
import { CliError, EXIT, runAction } from './errors.js';
import { addCommonOptions, addSourceOptions, checkLabelsFit, collect, createModel, modelSource, parsePositiveInt, parsePositiveNumber } from './common.js';
import type { CommonOptions, SourceOptions } from './common.js';
import { Reporter } from './progress.js';

interface TrainOptions extends CommonOptions, SourceOptions {
  image: string[];
  scribbles: string[];
  out: string;
  rf?: boolean;
  iterations?: string;
  depth?: string;
  lr?: string;
  memory?: boolean;
  continue?: string;
}

export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a model on images and their scribbles, and save it (MODEL.yml + MODEL.safetensors)')
    .option('--image <file>', 'an image (PNG or TIFF); repeat for several, each followed by its --scribbles', collect, [])
    .option('--scribbles <file>', 'labels for the preceding --image: 0 = unlabelled, classes 1, 2, … (PNG or TIFF)', collect, [])
    .requiredOption('--out <model>', 'where to save: MODEL.yml and MODEL.safetensors (an extension given is replaced)');
  addSourceOptions(cmd, 'parameters');
  cmd
    .option('--rf', 'train a random forest instead of gradient-boosted trees (CatBoost-like)')
    .option('--iterations <n>', 'boosting iterations (default 100)')
    .option('--depth <n>', 'tree depth of the boosted trees (default 5)')
    .option('--lr <x>', 'learning rate of the boosted trees (default 0.1)')
    .option('--memory', 'keep the training pixels in the saved model, so that --continue can add to them later')
    .option('--continue <model>', 'continue a model saved with --memory (its bundle, .yml or name): new scribbles are added to the remembered ones');
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  convpaint train --alias ilastik --image cells.png --scribbles cells_scribbles.png --out cells
  convpaint train --fe vgg16 --layers 0,1 --scalings 1,2 --image a.tif --scribbles a_s.tif \\
                  --image b.tif --scribbles b_s.tif --channel-mode multi --out model
  convpaint train --continue model.safetensors --image c.tif --scribbles c_s.tif --out model`,
  );
  cmd.action((opts: TrainOptions) => runAction(() => train(opts)));
}

async function train(opts: TrainOptions): Promise<number> {
  if (opts.image.length === 0) throw new CliError('give at least one --image with its --scribbles');
  if (opts.image.length !== opts.scribbles.length) {
    throw new CliError(`each --image needs its --scribbles: got ${opts.image.length} image(s) and ${opts.scribbles.length} scribble file(s)`);
  }
  if (opts.continue && (opts.alias || opts.model || opts.fe)) throw new CliError('--continue takes its parameters from that model: leave out --alias, --model and --fe');
  if (opts.continue) opts.continue = await resolveModelFile(opts.continue, 'bundle', '--continue');
  if (opts.model) opts.model = await resolveModelFile(opts.model, 'any', '--model');
  const iterations = opts.iterations === undefined ? undefined : parsePositiveInt(opts.iterations, '--iterations');
  const depth = opts.depth === undefined ? undefined : parsePositiveInt(opts.depth, '--depth');
  const lr = opts.lr === undefined ? undefined : parsePositiveNumber(opts.lr, '--lr');
  if (opts.rf && (iterations !== undefined || depth !== undefined || lr !== undefined)) {
    throw new CliError('--iterations, --depth and --lr set the boosted trees; the random forest (--rf) has fixed settings');
  }
  const source = opts.continue ? { modelPath: opts.continue } : modelSource(opts);
  const reporter = new Reporter({ quiet: opts.quiet, json: opts.json });
  const started = performance.now();

  // Inputs first: a typo in a file name should not cost a GPU start-up.
  const images: ImageArray[] = [];
  const scribbles: ImageArray[] = [];
  await reporter.timed('read', async () => {
    for (let i = 0; i < opts.image.length; i++) {
      images.push(await readImageFile(opts.image[i]));
      scribbles.push(await readLabelsFile(opts.scribbles[i]));
    }
  });

  const model = await createModel(source, opts, reporter);
  try {
    if (opts.continue && model.memoryRows === 0) {
      throw new CliError(`${opts.continue} remembers no training pixels (it was trained without --memory); train it again with --memory, or train a new model`, EXIT.model);
    }
    // A trained bundle given with --model is a starting point for parameters only: start afresh.
    if (!opts.continue && model.classifier) model.resetClassifier();
    if (opts.channelMode) {
      if (opts.continue && opts.channelMode !== model.getParam('channel_mode')) {
        throw new CliError(`--channel-mode ${opts.channelMode} differs from the model's (${model.getParam('channel_mode')}); a continued model keeps its channel mode`);
      }
      model.setParam('channel_mode', opts.channelMode);
    }
    if (iterations !== undefined) model.setParam('clf_iterations', iterations);
    if (depth !== undefined) model.setParam('clf_depth', depth);
    if (lr !== undefined) model.setParam('clf_learning_rate', lr);

    const mode = (model.getParam('channel_mode') ?? 'single') as ChannelMode;
    images.forEach((img, i) => checkLabelsFit(img, opts.image[i], scribbles[i], opts.scribbles[i], mode));
    const memoryMode = Boolean(opts.memory || opts.continue);
    await reporter.timed('train', () =>
      model.train(images, scribbles, {
        useRf: opts.rf ?? false,
        memoryMode,
        imgIds: memoryMode ? imageIds(opts.image) : undefined,
      }),
    );
    mkdirSync(dirname(opts.out), { recursive: true });
    const written = await reporter.timed('write', () => model.save(opts.out));
    reporter.stop();
    const classes = model.classes ?? [];
    reporter.info(`trained ${model.getParam('fe_name')} (${model.numFeatures} features/pixel) + ${opts.rf ? 'random forest' : 'boosted trees'} on ${images.length} image(s), classes ${classes.join(', ')}${memoryMode ? `, ${model.memoryRows} remembered pixels` : ''}`);
    for (const f of written) reporter.info(`wrote ${f}`);
    reporter.summary({
      command: 'train',
      images: opts.image,
      scribbles: opts.scribbles,
      written,
      device: model.device,
      fe_name: model.getParam('fe_name'),
      num_features: model.numFeatures,
      classes,
      memory_rows: memoryMode ? model.memoryRows : undefined,
      seconds: { ...reporter.secondsSummary(), total: Math.round(performance.now() - started) / 1000 },
    });
    return EXIT.ok;
  } finally {
    reporter.stop();
    model.dispose();
  }
}

/**
 * Memory-mode image ids: the file name, so the same image trained again (from another folder or
 * machine) is recognised; the path as given when two inputs share a name.
 */
function imageIds(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p));
  return names.map((n, i) => (names.indexOf(n) !== names.lastIndexOf(n) ? paths[i] : n));
}
