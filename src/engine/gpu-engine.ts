/**
 * The WebGPU engine. Every tile of the plan (tiling.ts) is cut from the image on the CPU with its
 * reflect padding (tile-cut.ts) and uploaded on its own, run through the pyramid with only its
 * kept window up-sampled, and then either gathered at the scribbled pixels (training: only those
 * rows are read back) or evaluated by the tree ensemble, its probabilities pasted into a band of
 * rows (prediction). Restoring `image_downsample`, argmax and smoothing (src/postprocess/) run
 * on the GPU per band.
 *
 * Nothing is ever one buffer for the whole image: tiles are bounded by the budget, bands too (an 8192² image on a device that binds 128 MiB becomes a few bands of tiles), and work
 * is recorded into batches of a bounded number of tiles, so GPU memory stays bounded too.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { BufferTooLargeError } from '../errors.js';
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
import { crop } from '../ops/pad.js';
import { labelsOnGpu, restoreOnGpu } from '../postprocess/labels.js';
import type { Labels3D } from '../prepare/dims.js';
import { checkSignal, concatRows, gridTrainingRule, hostArray, paddedGeometry, pasteFeatures, pasteInto, planBands, predictionResult } from './engine.js';
import type { Engine, PredictOptions, Prediction, ProgressSink, TrainingRows } from './engine.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { cutPaddedTile } from './tile-cut.js';
import { FeatureCache, imageFingerprint, tileKey } from './feature-cache.js';
import { autoBlockSize, predictionTiles, referenceTileBlock, trainingPlan } from './tiling.js';
import { isPatched, PatchGrids, patchedFeatureImage, patchedPrediction, patchedTrainingRows } from './patched.js';
import type { PatchGrid } from './patched.js';
import type { PaddedGeometry, PredictionBand, TileJob } from './tiling.js';

/** Tiles recorded per submit: bounds command-buffer size and in-flight memory. */
const TILES_PER_SUBMIT = 16;
/**
 * Kept pixels recorded per submit (a whole tile always goes in): a cancellation is seen between
 * submits, so this bounds how long a superseded prediction keeps the device — about one 1024²
 * tile.
 */
const PIXELS_PER_SUBMIT = 2 ** 20;
/**
 * The largest block side of the automatic plan. Bigger tiles save little halo work (at 1024 the
 * widest halo, ilastik at scalings 1,2,4, costs 1.9× the kept pixels; the others ≤ 1.2×) but
 * make a cancellation wait for one huge tile and a small region of a large image compute a block
 * far larger than itself.
 */
export const MAX_AUTO_BLOCK = 1024;

/**
 * Output rows per prediction band: as many as keep one band's buffers (its probabilities, their
 * restored copy when `image_downsample` is undone, two label planes) within the budget, in whole
 * tile blocks where possible; the whole plane when it fits.
 */
export function bandRowsFor(budgetBytes: number, classes: number, [h, w]: [number, number], [oh, ow]: [number, number], block: number, halo: number): number {
  const restore = h !== oh || w !== ow;
  const perRow = 4 * ((restore ? classes * w * (h / oh) + classes * ow : classes * w) + 2 * ow);
  // The restore reads up to two source rows beyond the band's share (and rounding adds one).
  const fixed = restore ? 4 * classes * w * 3 : 0;
  const fit = Math.floor((budgetBytes - fixed) / perRow) - 2 * halo;
  if (fit >= oh) return oh;
  if (fit < 1) {
    throw new BufferTooLargeError(
      `one row of ${classes}-class probabilities over ${Math.max(w, ow)} columns does not fit this device's buffers (${budgetBytes} bytes budget)`,
    );
  }
  return fit >= block ? Math.floor(fit / block) * block : fit;
}

function keptPixels(job: TileJob): number {
  return job.window.height * job.window.width;
}

export class GpuEngine implements Engine {
  readonly kind = 'webgpu' as const;
  private forestCache: { model: TreeEnsemble; gpu: GpuForest } | null = null;
  /** Tile features kept between calls (feature-cache.ts); off with 0 bytes. */
  readonly features: FeatureCache<GpuTensor>;

  constructor(
    private readonly ctx: GpuContext,
    /** Bytes one tile's buffers may use (≤ the device's binding limit). */
    private readonly budgetBytes: number,
    /** Bytes of tile features kept between calls (0: none). */
    cacheBytes = 0,
  ) {
    this.features = new FeatureCache<GpuTensor>(cacheBytes, (t) => t.dispose());
  }

  /** The image's cache key when features are cached, else null (no fingerprint to compute). */
  private imageKey(image: PreparedImage): string | null {
    return this.features.budgetBytes > 0 ? imageFingerprint(image) : null;
  }

  private blockFor(fe: FeatureExtractor, channels: number, pyramid: PyramidOptions, g: PaddedGeometry, tileImage: boolean): number {
    const a = g.alignment;
    const auto = Math.min(autoBlockSize(fe, channels, pyramid, g, this.budgetBytes), Math.max(a, Math.floor(MAX_AUTO_BLOCK / a) * a));
    return tileImage ? Math.min(auto, referenceTileBlock(g.alignment)) : auto;
  }

  /**
   * The features of one tile: from the cache (with `imageKey`) or computed — and then cached if
   * they fit. `release()` after recording the tile's last use: it disposes what is not cached.
   */
  private tileFeatures(batch: GpuBatch, fe: FeatureExtractor, image: PreparedImage, g: PaddedGeometry, job: TileJob, pyramid: PyramidOptions, imageKey: string | null): { feats: GpuTensor; release: () => void } {
    const key = imageKey === null ? null : tileKey(imageKey, fe, pyramid, job);
    const cached = key === null ? undefined : this.features.get(key);
    if (cached) return { feats: cached, release: () => undefined };
    const { tile } = job;
    const tileData = cutPaddedTile(image, g.pads, job.z, tile);
    const input = batch.upload(tileData, [image.shape[0], 1, tile.y1 - tile.y0, tile.x1 - tile.x0], `tile z${job.z} y${job.kept.y0} x${job.kept.x0}`);
    const global = fe.combo ? { grid: this.global!.value, features: this.global!.features, paddedH: g.paddedH, paddedW: g.paddedW, tileY0: tile.y0, tileX0: tile.x0, z: job.z } : undefined;
    const feats = extractPyramidGpu(batch, fe, input, pyramid, job.window, global);
    input.dispose();
    if (key !== null && this.features.accepts(feats.byteLength)) {
      this.features.put(key, feats, feats.byteLength);
      return { feats, release: () => undefined };
    }
    return { feats, release: () => feats.dispose() };
  }

  /**
   * Runs `record` for every tile, submitting after TILES_PER_SUBMIT tiles or PIXELS_PER_SUBMIT
   * kept pixels; `submitted(n)` after each submit of n tiles; `signal` is checked before each.
   */
  private async inBatches<T extends TileJob>(label: string, items: readonly T[], record: (batch: GpuBatch, item: T, index: number) => void, submitted?: (count: number) => void, signal?: AbortSignal): Promise<void> {
    for (let start = 0; start < items.length; ) {
      checkSignal(signal);
      const batch = this.ctx.batch(`${label} ${start}`);
      let end = start;
      let pixels = 0;
      while (end < items.length && end - start < TILES_PER_SUBMIT && (end === start || pixels + keptPixels(items[end]) <= PIXELS_PER_SUBMIT)) {
        pixels += keptPixels(items[end]);
        record(batch, items[end], end);
        end++;
      }
      await batch.submit();
      submitted?.(end - start);
      start = end;
    }
  }

  /** A ProgressSink adapter counting finished items towards `total`. */
  private static counter(progress: ProgressSink | undefined, stage: string, total: number): (count: number) => void {
    let done = 0;
    return (count) => {
      done += count;
      progress?.(stage, done, total);
    };
  }

  /**
   * Patch grids of patched extractors and combos' global parts (patched.ts): every plane through
   * the FE whole, one submit per plane, the grid read back; a combo's global grid is uploaded.
   */
  private readonly grids = new PatchGrids<GpuTensor>(
    async (fe, passes) => {
      const batch = this.ctx.batch(`${fe.name} patch grid`);
      const reads = passes.map((p) => {
        const input = batch.upload(p.input, p.shape, `${fe.name}/input`);
        const maps = fe.extractGpu(batch, input);
        input.dispose();
        const read = Promise.all(maps.map((m) => batch.read(m)));
        for (const m of maps) m.dispose();
        return read;
      });
      await batch.submit();
      return Promise.all(reads);
    },
    (data, shape) => this.ctx.upload(data, shape, 'combo global grid'),
    (t) => t.dispose(),
  );

  /** A combo's global grid for the current call (`PatchGrids.globalFor`), read by `tileFeatures`. */
  private global: { value: GpuTensor; features: number } | null = null;

  private gridOf(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, progress?: ProgressSink): Promise<PatchGrid> {
    return this.grids.grid(fe, image, pyramid, this.imageKey(image), progress);
  }

  private async globalFor(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, g: PaddedGeometry, progress?: ProgressSink): Promise<void> {
    this.global = await this.grids.globalFor(fe, image, pyramid, g, this.imageKey(image), progress);
  }

  async trainingRows(fe: FeatureExtractor, image: PreparedImage, labels: Labels3D, pyramid: PyramidOptions, tileAnnotations: boolean, progress?: ProgressSink): Promise<TrainingRows> {
    if (isPatched(fe)) return patchedTrainingRows(await this.gridOf(fe, image, pyramid, progress), labels);
    const [c, , h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    await this.globalFor(fe, image, pyramid, g, progress);
    const nFeatures = totalFeatures(fe, c, pyramid);
    const imageKey = this.imageKey(image);
    // With a feature cache, train on the prediction grid's tiles when they are cached or the
    // image is one block (gridTrainingRule): what training computes, the next segmentation
    // reuses, and rows of tiles already seen cost no features.
    const block = this.blockFor(fe, c, pyramid, g, false);
    const cached = (job: TileJob) => imageKey !== null && this.features.has(tileKey(imageKey, fe, pyramid, job));
    const { tiles, order } = trainingPlan(labels, g, tileAnnotations, block, imageKey === null ? undefined : gridTrainingRule(g, block, cached));
    const reads: Array<Promise<Float32Array>> = [];
    await this.inBatches('training rows', tiles, (batch, t) => {
      const { feats, release } = this.tileFeatures(batch, fe, image, g, t, pyramid, imageKey);
      const idx = batch.upload(t.pixels, [t.pixels.length], 'pixels');
      const rows = gatherRows(batch, feats, idx);
      reads.push(batch.read(rows));
      release();
      idx.dispose();
      rows.dispose();
    }, GpuEngine.counter(progress, 'features', tiles.length));
    const xs = await Promise.all(reads);
    return concatRows(tiles.map((t, i) => ({ x: xs[i], y: t.labels, coords: t.coords })), nFeatures, order);
  }

  private forestFor(model: TreeEnsemble): GpuForest {
    if (this.forestCache?.model !== model) {
      this.forestCache?.gpu.dispose();
      this.forestCache = { model, gpu: uploadForest(this.ctx, model) };
    }
    return this.forestCache.gpu;
  }

  async predict(fe: FeatureExtractor, model: TreeEnsemble, image: PreparedImage, pyramid: PyramidOptions, options: PredictOptions, progress?: ProgressSink): Promise<Prediction> {
    if (isPatched(fe)) return patchedPrediction(await this.gridOf(fe, image, pyramid, progress), model, options);
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    await this.globalFor(fe, image, pyramid, g, progress);
    const k = model.classes.length;
    const forest = this.forestFor(model);
    const [oh, ow] = options.outputSize ?? [h, w];
    const halo = options.wantLabels && options.smoothing > 1 ? options.smoothing : 0;
    const block = this.blockFor(fe, c, pyramid, g, options.tileImage);
    const imageKey = this.imageKey(image);
    const cached = (job: TileJob) => imageKey !== null && this.features.has(tileKey(imageKey, fe, pyramid, job));
    const bands = planBands(g, z, block, [oh, ow], bandRowsFor(this.budgetBytes, k, [h, w], [oh, ow], block, halo), halo, options.region, cached);
    const result = predictionResult(k, z, [oh, ow], options);
    const submitted = GpuEngine.counter(progress, 'predict', bands.reduce((n, b) => n + b.jobs.length, 0));
    for (const band of bands) await this.predictBand(fe, forest, image, g, pyramid, band, [oh, ow], options, result, submitted, imageKey);
    return result;
  }

  /** Probabilities of one band's tiles, restored, argmax and smoothed; its rows pasted into `result`. */
  private async predictBand(
    fe: FeatureExtractor,
    forest: GpuForest,
    image: PreparedImage,
    g: PaddedGeometry,
    pyramid: PyramidOptions,
    band: PredictionBand,
    [oh, ow]: [number, number],
    options: PredictOptions,
    result: Prediction,
    submitted: (count: number) => void,
    imageKey: string | null,
  ): Promise<void> {
    const { height: h, width: w } = g;
    const k = forest.model.classes.length;
    const [s0, s1] = band.source;
    const [sc0, sc1] = band.sourceCols;
    const [e0, e1] = band.computed;
    const [ec0, ec1] = band.computedCols;
    const sw = sc1 - sc0;
    let probas = this.ctx.tensor([k, s1 - s0, sw], `probas z${band.z} rows ${s0}-${s1} cols ${sc0}-${sc1}`);
    let labels: GpuTensor | null = null;
    try {
      await this.inBatches('predict', band.jobs, (batch, job) => {
        const { feats, release } = this.tileFeatures(batch, fe, image, g, job, pyramid, imageKey);
        const out = predictForest(batch, forest, feats);
        release();
        crop(batch, out.probas, { top: 0, bottom: 0, left: 0, right: 0 }, {
          tensor: probas,
          offset: (job.kept.y0 - s0) * sw + (job.kept.x0 - sc0),
          planeStride: (s1 - s0) * sw,
          rowStride: sw,
        });
        out.probas.dispose();
      }, submitted, options.signal);

      const batch = this.ctx.batch(`labels z${band.z} rows ${band.rows[0]}-${band.rows[1]}`);
      // Labels come from the computed window (restored) or, without a restore, from everything
      // computed (a region's whole tiles: only more true neighbours for the filter). That window
      // is read whole — it exceeds the band by the filter's halo and tile margins — and the band's
      // own rectangle is pasted into the result on the host.
      let origin: [number, number] = [s0, sc0];
      let width = sw;
      if (oh !== h || ow !== w) {
        const window = { y0: e0, x0: ec0, height: e1 - e0, width: ec1 - ec0 };
        const restored = restoreOnGpu(batch, probas, [oh, ow], window, { y0: s0, fullHeight: h }, { x0: sc0, fullWidth: w });
        probas.dispose();
        probas = restored;
        origin = [e0, ec0];
        width = ec1 - ec0;
      }
      const reads: Promise<void>[] = [];
      const paste = pasteInto(result, band, origin, width);
      if (options.wantLabels) {
        labels = labelsOnGpu(batch, probas, options.smoothing);
        reads.push(batch.readU32(labels).then((d) => paste(result.classIndex!, d, 0)));
      }
      if (options.wantProbas) {
        const windowSize = probas.size / k;
        reads.push(batch.read(probas).then((d) => {
          for (let kk = 0; kk < k; kk++) paste(result.probas!, d.subarray(kk * windowSize, (kk + 1) * windowSize), kk);
        }));
      }
      await batch.submit();
      await Promise.all(reads);
    } finally {
      probas.dispose();
      (labels as GpuTensor | null)?.dispose();
    }
  }

  async featureImage(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, tileImage: boolean, progress?: ProgressSink): Promise<Float32Array> {
    if (isPatched(fe)) return patchedFeatureImage(await this.gridOf(fe, image, pyramid, progress));
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    await this.globalFor(fe, image, pyramid, g, progress);
    const f = totalFeatures(fe, c, pyramid);
    const out = hostArray(Float32Array, f * z * h * w, 'the feature image');
    const jobs = predictionTiles(g, z, this.blockFor(fe, c, pyramid, g, tileImage));
    const pastes: Promise<void>[] = [];
    const imageKey = this.imageKey(image);
    await this.inBatches('feature image', jobs, (batch, job) => {
      const { feats, release } = this.tileFeatures(batch, fe, image, g, job, pyramid, imageKey);
      pastes.push(batch.read(feats).then((d) => pasteFeatures(out, d, f, [z, h, w], job)));
      release();
    }, GpuEngine.counter(progress, 'features', jobs.length));
    await Promise.all(pastes);
    return out;
  }

  dispose(): void {
    this.forestCache?.gpu.dispose();
    this.forestCache = null;
    this.grids.clear();
    this.global = null;
    this.features.clear();
  }
}
