/**
 * `convpaint segment`: apply a trained model to many images. The model is loaded once; each input
 * is read, segmented and written on its own, so one bad file costs only itself (it is reported
 * at the end and the exit code is 6). Outputs already present are skipped unless --force, so an
 * interrupted job array can simply be started again.
 *
 * Outputs in --out, per input `<name>`:
 *   <name>_segmentation.png   labels (class values), 8-bit; `.tif` for stacks or values > 255
 *   <name>_probabilities.tif  --probas: float32 [K, (Z,) H, W], classes ascending
 *   <name>_overlay.png        --overlay: the image with translucent class colours
 */
import { mkdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ShapeError, ValueError } from '../errors.js';
import { readImageFile, readLabelsFile } from '../io/image-read.js';
import type { DecodedImage } from '../io/image-read.js';
import { overlayPicture } from '../postprocess/overlay.js';
import { encodeFloatStack, encodeLabels, encodeRgbPng, writeAtomic } from '../io/image-write.js';
import type { ConvpaintModel, FloatImage, LabelImage, PredictionResult } from '../model/convpaint-model.js';
import type { ChannelMode } from '../prepare/dims.js';
import { accuracy, addCommonOptions, collect, createModel, spatialShape } from './common.js';
import type { CommonOptions } from './common.js';
import { resolveModelFile } from './model-file.js';
import { CliError, EXIT, errorMessage, exitCodeFor, runAction } from './errors.js';
import { applyShard, expandInputs, parseShard, stemOf } from './inputs.js';
import { Reporter } from './progress.js';

interface SegmentOptions extends CommonOptions {
  model: string;
  out: string;
  probas?: boolean;
  overlay?: boolean;
  tile?: boolean;
  shard?: string;
  force?: boolean;
  truth: string[];
}

interface FileResult {
  input: string;
  status: 'written' | 'skipped' | 'failed';
  outputs: string[];
  seconds?: number;
  accuracy?: number;
  error?: string;
  exitCode?: number;
}

export function registerSegmentCommand(program: Command): void {
  const cmd = program
    .command('segment')
    .description('segment images with a trained model; writes <name>_segmentation.png (and probabilities, overlays) into --out')
    .argument('<inputs...>', 'image files, folders (their PNG/TIFF files) or quoted glob patterns (e.g. "data/**/*.tif")')
    .requiredOption('--model <model>', 'a trained model: the bundle (.safetensors), the .yml beside it, or the name given to `convpaint train --out`')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--probas', 'also write <name>_probabilities.tif: float32, one page per class (and plane)')
    .option('--overlay', 'also write <name>_overlay.png: the image with translucent class colours')
    .option('--tile', 'predict in tiles (less GPU memory for large images; same result)')
    .option('--shard <i/n>', 'process only inputs i, i+n, i+2n, … (0-based), e.g. --shard $SLURM_ARRAY_TASK_ID/8')
    .option('--force', 'recompute outputs that already exist')
    .option('--truth <file>', 'ground-truth labels for the input at the same position (repeatable): prints the accuracy', collect, []);
  addCommonOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Examples:
  convpaint segment --model cells.safetensors images/ --out results --overlay
  convpaint segment --model cells.safetensors "plate1/**/*.tif" --out results --shard 3/16

Exit codes: 0 all written (or already there), 3/4/5 nothing could be done (input, model, GPU),
6 some inputs failed (each is listed at the end; the others were written).`,
  );
  cmd.action((inputs: string[], opts: SegmentOptions) => runAction(() => segment(inputs, opts)));
}

async function segment(inputArgs: string[], opts: SegmentOptions): Promise<number> {
  const shard = opts.shard ? parseShard(opts.shard) : null;
  const expanded = expandInputs(inputArgs);
  const reporter = new Reporter({ quiet: opts.quiet, json: opts.json });
  for (const e of expanded.empty) reporter.warn(`${e}: no PNG or TIFF files there`);
  if (expanded.files.length === 0) throw new CliError('no input images (check the paths and patterns)');
  if (opts.truth.length > 0 && opts.truth.length !== expanded.files.length) {
    throw new CliError(`--truth: ${opts.truth.length} file(s) for ${expanded.files.length} input(s); give one per input, in the same order`);
  }
  // Name clashes are checked over the whole list, so every shard of a job array agrees.
  const byStem = new Map<string, string>();
  for (const f of expanded.files) {
    const other = byStem.get(stemOf(f));
    if (other) throw new CliError(`${other} and ${f} would write the same outputs (${stemOf(f)}_…); segment them into different --out folders`);
    byStem.set(stemOf(f), f);
  }
  const modelFile = await resolveModelFile(opts.model, 'bundle', '--model');
  const indices = applyShard(expanded.files.map((_, i) => i), shard);
  mkdirSync(opts.out, { recursive: true });
  const started = performance.now();

  const model = await createModel({ modelPath: modelFile }, opts, reporter);
  const results: FileResult[] = [];
  try {
    if (!model.classifier) throw new CliError(`${modelFile} holds no trained classifier`, EXIT.model);
    if (opts.tile) model.setParam('tile_image', true);
    const mode = (model.getParam('channel_mode') ?? 'single') as ChannelMode;
    reporter.startFiles(indices.length);
    for (const i of indices) {
      const input = expanded.files[i];
      const t0 = performance.now();
      const result = await segmentOne(model, mode, input, opts.truth[i], opts, reporter).catch(
        (error: unknown): FileResult => ({ input, status: 'failed', outputs: [], error: errorMessage(error), exitCode: exitCodeFor(error) }),
      );
      result.seconds = Math.round(performance.now() - t0) / 1000;
      results.push(result);
      reporter.fileDone(stemOf(input));
      const what = result.status === 'failed' ? `FAILED: ${result.error}` : result.status === 'skipped' ? 'skipped (outputs exist; --force recomputes)' : `→ ${result.outputs.join(', ')}`;
      const acc = result.accuracy === undefined ? '' : ` accuracy ${(100 * result.accuracy).toFixed(2)} %`;
      reporter.info(`[${results.length}/${indices.length}] ${input} ${what}${acc} (${result.seconds.toFixed(1)} s)`);
    }
  } finally {
    reporter.stop();
    model.dispose();
  }

  const failed = results.filter((r) => r.status === 'failed');
  const written = results.filter((r) => r.status === 'written').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  reporter.info(`${written} written, ${skipped} skipped, ${failed.length} failed${shard ? ` (shard ${shard.index}/${shard.count}: ${indices.length} of ${expanded.files.length} inputs)` : ''}`);
  reporter.summary({
    command: 'segment',
    model: modelFile,
    shard: shard ? `${shard.index}/${shard.count}` : null,
    files: results,
    written,
    skipped,
    failed: failed.length,
    seconds: { ...reporter.secondsSummary(), total: Math.round(performance.now() - started) / 1000 },
  });
  if (failed.length > 0) {
    // The list at the end, so it is not lost above a long log; always printed, even with --quiet.
    console.error(`convpaint: ${failed.length} of ${results.length} input(s) failed:`);
    for (const f of failed) console.error(`  ${f.input}: ${f.error}`);
    // One kind of failure for every input (e.g. no GPU, wrong model): its own code; mixed: 6.
    const codes = new Set(failed.map((f) => f.exitCode));
    return failed.length === results.length && codes.size === 1 ? [...codes][0]! : EXIT.batch;
  }
  return EXIT.ok;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function segmentOne(model: ConvpaintModel, mode: ChannelMode, input: string, truthPath: string | undefined, opts: SegmentOptions, reporter: Reporter): Promise<FileResult> {
  const stem = join(opts.out, stemOf(input));
  const classes = model.classes!;
  // The label file's extension depends on the image (a stack is a TIFF), known only after
  // reading; a skip check accepts either.
  const segCandidates = [`${stem}_segmentation.png`, `${stem}_segmentation.tif`];
  const extras = [...(opts.probas ? [`${stem}_probabilities.tif`] : []), ...(opts.overlay ? [`${stem}_overlay.png`] : [])];
  if (!opts.force) {
    const present = await Promise.all(segCandidates.map(exists));
    const segPath = segCandidates.find((_, i) => present[i]);
    if (segPath && (await Promise.all(extras.map(exists))).every(Boolean)) {
      const acc = truthPath ? await accuracyOf(await readLabelsFile(segPath), truthPath) : undefined;
      return { input, status: 'skipped', outputs: [], accuracy: acc };
    }
  }

  const image = await reporter.timed('read', () => readImageFile(input));
  checkChannels(image, mode, model.numFeatures, input, reporter);
  let labels: LabelImage;
  let probas: FloatImage | null = null;
  if (opts.probas) {
    const both = (await reporter.timed('predict', () => model.predict(image))) as PredictionResult;
    probas = both.probabilities;
    labels = both.labels;
  } else {
    labels = (await reporter.timed('predict', () => model.segment(image))) as LabelImage;
  }

  const outputs: string[] = [];
  await reporter.timed('write', async () => {
    const encoded = encodeLabels(labels);
    const segPath = `${stem}_segmentation${encoded.ext}`;
    await writeAtomic(segPath, encoded.bytes);
    outputs.push(segPath);
    if (probas) {
      const path = `${stem}_probabilities.tif`;
      await writeAtomic(path, encodeFloatStack(probas, { classes }));
      outputs.push(path);
    }
    if (opts.overlay) {
      const pic = overlayPicture(image, mode, labels, classes);
      const path = `${stem}_overlay.png`;
      await writeAtomic(path, encodeRgbPng(pic.data, pic.width, pic.height));
      outputs.push(path);
    }
  });
  const acc = truthPath ? await accuracyOf(labels, truthPath) : undefined;
  return { input, status: 'written', outputs, accuracy: acc };
}

async function accuracyOf(labels: { data: ArrayLike<number>; shape: readonly number[] }, truthPath: string): Promise<number> {
  const truth = await readLabelsFile(truthPath);
  if (truth.data.length !== labels.data.length) {
    throw new ShapeError(`ground truth ${truthPath} is [${truth.shape.join(',')}] but the segmentation is [${labels.shape.join(',')}]`);
  }
  return accuracy(labels.data, truth.data).accuracy;
}

/**
 * The model keeps the channel mode it was trained with. An image that would make the engine
 * switch modes (a grey image for an RGB model, say) is refused here: the engine would otherwise
 * change the shared model's mode for every later file of the batch.
 */
function checkChannels(image: DecodedImage, mode: ChannelMode, numFeatures: number, input: string, reporter: Reporter): void {
  const { mode: wouldBe } = spatialShape(image, mode);
  if (wouldBe !== mode) {
    throw new ValueError(`${input} is [${image.shape.join(',')}] (${image.samples === 3 ? 'RGB' : `${image.pages} page(s)`}), which does not fit the model's channel_mode "${mode}" (${numFeatures} features); use images like the training images`);
  }
  if (mode === 'single' && image.samples === 3) {
    reporter.warn(`${input} is RGB but the model reads single channels: its R, G and B are segmented as three planes`);
  }
}
