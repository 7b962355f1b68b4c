/**
 * The WebGPU engine. The normalised image is uploaded once and reflect-padded on the GPU; every
 * tile of the plan (tiling.ts) is cut out, run through the pyramid with only its kept window
 * up-sampled, and then either gathered at the scribbled pixels (training: only those rows are read
 * back) or evaluated by the tree ensemble, its probabilities pasted into the [K, Z, H, W] result
 * (prediction). Argmax and smoothing run on the GPU too; one readback per call.
 *
 * Work is recorded into batches of a bounded number of tiles, so a huge image becomes a few
 * submits of bounded size, and every buffer stays under the device's binding limit.
 */
import type { TreeEnsemble } from '../classifiers/forest.js';
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import { totalFeatures } from '../features/plan.js';
import { extractPyramidGpu } from '../features/pyramid.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuContext } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { uploadForest } from '../ops/forest.js';
import type { GpuForest } from '../ops/forest.js';
import { predictForest } from '../ops/forest.js';
import { gatherRows } from '../ops/gather.js';
import { argmaxClasses, majorityFilter } from '../ops/labels.js';
import { crop, cropTile, reflectPad } from '../ops/pad.js';
import { resample } from '../ops/resample.js';
import type { Labels3D } from './dims.js';
import { concatRows, paddedGeometry } from './engine.js';
import type { Engine, PredictOptions, Prediction, PreparedImage, ProgressSink, TrainingRows } from './engine.js';
import { pasteFeatures } from './cpu-engine.js';
import { autoBlockSize, predictionTiles, referenceTileBlock, trainingTiles } from './tiling.js';
import type { PaddedGeometry, TileJob } from './tiling.js';

/** Tiles recorded per submit: bounds command-buffer size and in-flight memory. */
const TILES_PER_SUBMIT = 16;

export class GpuEngine implements Engine {
  readonly kind = 'webgpu' as const;
  private forestCache: { model: TreeEnsemble; gpu: GpuForest } | null = null;

  constructor(
    private readonly ctx: GpuContext,
    /** Bytes one tile's buffers may use (≤ the device's binding limit). */
    private readonly budgetBytes: number,
  ) {}

  private blockFor(fe: FeatureExtractor, channels: number, pyramid: PyramidOptions, g: PaddedGeometry, tileImage: boolean): number {
    const auto = autoBlockSize(fe, channels, pyramid, g, this.budgetBytes);
    return tileImage ? Math.min(auto, referenceTileBlock(g.alignment)) : auto;
  }

  /** Uploads and pads the image in its own batch; returns the padded [C,Z,Hp,Wp] tensor. */
  private async uploadPadded(image: PreparedImage, g: PaddedGeometry): Promise<GpuTensor> {
    const raw = this.ctx.upload(image.data, image.shape, 'image');
    const batch = this.ctx.batch('pad image');
    const padded = reflectPad(batch, raw, g.pads, 'image/padded');
    raw.dispose();
    await batch.submit();
    return padded;
  }

  private tileFeatures(batch: GpuBatch, fe: FeatureExtractor, padded: GpuTensor, job: TileJob, pyramid: PyramidOptions): GpuTensor {
    const tile = cropTile(batch, padded, job.z, job.tile, `tile z${job.z} y${job.kept.y0} x${job.kept.x0}`);
    const feats = extractPyramidGpu(batch, fe, tile, pyramid, job.window);
    tile.dispose();
    return feats;
  }

  /** Runs `record` for every item, submitting every TILES_PER_SUBMIT items. */
  private async inBatches<T>(label: string, items: readonly T[], record: (batch: GpuBatch, item: T, index: number) => void, progress?: ProgressSink, stage = label): Promise<void> {
    for (let start = 0; start < items.length; start += TILES_PER_SUBMIT) {
      const batch = this.ctx.batch(`${label} ${start}`);
      const end = Math.min(items.length, start + TILES_PER_SUBMIT);
      for (let i = start; i < end; i++) record(batch, items[i], i);
      await batch.submit();
      progress?.(stage, end, items.length);
    }
  }

  async trainingRows(fe: FeatureExtractor, image: PreparedImage, labels: Labels3D, pyramid: PyramidOptions, tileAnnotations: boolean, progress?: ProgressSink): Promise<TrainingRows> {
    const [c, , h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    const nFeatures = totalFeatures(fe, c, pyramid);
    const tiles = trainingTiles(labels, g, tileAnnotations, this.blockFor(fe, c, pyramid, g, false));
    const padded = await this.uploadPadded(image, g);
    const reads: Array<Promise<Float32Array>> = [];
    try {
      await this.inBatches('training rows', tiles, (batch, t) => {
        const feats = this.tileFeatures(batch, fe, padded, t, pyramid);
        const idx = this.ctx.upload(t.pixels, [t.pixels.length], 'pixels');
        const rows = gatherRows(batch, feats, idx);
        reads.push(batch.read(rows));
        feats.dispose();
        idx.dispose();
        rows.dispose();
      }, progress, 'features');
    } finally {
      padded.dispose();
    }
    const xs = await Promise.all(reads);
    return concatRows(tiles.map((t, i) => ({ x: xs[i], y: t.labels, coords: t.coords })), nFeatures);
  }

  private forestFor(model: TreeEnsemble): GpuForest {
    if (this.forestCache?.model !== model) {
      this.forestCache?.gpu.dispose();
      this.forestCache = { model, gpu: uploadForest(this.ctx, model) };
    }
    return this.forestCache.gpu;
  }

  async predict(fe: FeatureExtractor, model: TreeEnsemble, image: PreparedImage, pyramid: PyramidOptions, options: PredictOptions, progress?: ProgressSink): Promise<Prediction> {
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    const k = model.classes.length;
    const forest = this.forestFor(model);
    const jobs = predictionTiles(g, z, this.blockFor(fe, c, pyramid, g, options.tileImage));
    const padded = await this.uploadPadded(image, g);
    let probas = this.ctx.tensor([k, z, h, w], 'probas');
    try {
      await this.inBatches('predict', jobs, (batch, job) => {
        const feats = this.tileFeatures(batch, fe, padded, job, pyramid);
        const out = predictForest(batch, forest, feats);
        feats.dispose();
        crop(batch, out.probas, { top: 0, bottom: 0, left: 0, right: 0 }, {
          tensor: probas,
          offset: job.z * h * w + job.kept.y0 * w + job.kept.x0,
          planeStride: z * h * w,
          rowStride: w,
        });
        out.probas.dispose();
      }, progress, 'predict');
    } finally {
      padded.dispose();
    }

    const batch = this.ctx.batch('labels');
    let [oh, ow] = [h, w];
    if (options.outputSize && (options.outputSize[0] !== h || options.outputSize[1] !== w)) {
      [oh, ow] = options.outputSize;
      const resized = resample(batch, probas, oh, ow, 'bilinear', { label: 'probas/restored' });
      probas.dispose();
      probas = resized;
    }
    const result: Prediction = { shape: [z, oh, ow] };
    const reads: Promise<void>[] = [];
    let labels: GpuTensor | null = null;
    if (options.wantLabels) {
      labels = argmaxClasses(batch, probas);
      if (options.smoothing > 1) {
        const smooth = majorityFilter(batch, labels, k, options.smoothing);
        labels.dispose();
        labels = smooth;
      }
      reads.push(batch.readU32(labels).then((d) => void (result.classIndex = d)));
    }
    if (options.wantProbas) reads.push(batch.read(probas).then((d) => void (result.probas = d)));
    try {
      await batch.submit();
      await Promise.all(reads);
    } finally {
      probas.dispose();
      labels?.dispose();
    }
    return result;
  }

  async featureImage(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, tileImage: boolean, progress?: ProgressSink): Promise<Float32Array> {
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    const f = totalFeatures(fe, c, pyramid);
    const out = new Float32Array(f * z * h * w);
    const jobs = predictionTiles(g, z, this.blockFor(fe, c, pyramid, g, tileImage));
    const padded = await this.uploadPadded(image, g);
    const pastes: Promise<void>[] = [];
    try {
      await this.inBatches('feature image', jobs, (batch, job) => {
        const feats = this.tileFeatures(batch, fe, padded, job, pyramid);
        pastes.push(batch.read(feats).then((d) => pasteFeatures(out, d, f, [z, h, w], job)));
        feats.dispose();
      }, progress, 'features');
    } finally {
      padded.dispose();
    }
    await Promise.all(pastes);
    return out;
  }

  dispose(): void {
    this.forestCache?.gpu.dispose();
    this.forestCache = null;
  }
}
