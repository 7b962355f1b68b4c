/**
 * The CPU engine: the same tile plan as the GPU engine, computed with the plain-TypeScript
 * references (src/reference/). It is the `device: 'cpu'` fallback and the oracle the model-level
 * GPU tests compare against. Slow for VGG on large images, exact by construction.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import { totalFeatures } from '../features/plan.js';
import { predictCpu } from '../reference/forest.js';
import { gatherRows } from '../reference/gather.js';
import { cropTile, reflectPad } from '../reference/pad.js';
import { extractPyramidCpu } from '../features/pyramid-cpu.js';
import { classIndexFromProbabilities } from '../postprocess/labels.js';
import { upsampleBilinear } from '../reference/resample.js';
import type { Labels3D } from '../prepare/dims.js';
import { checkSignal, concatRows, gridTrainingRule, hostArray, paddedGeometry, pasteFeatures, pasteInto, planBands, predictionResult } from './engine.js';
import type { Engine, PredictOptions, Prediction, ProgressSink, TrainingRows } from './engine.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { predictionTiles, referenceTileBlock, trainingPlan } from './tiling.js';
import { FeatureCache, imageFingerprint, tileKey } from './feature-cache.js';
import type { TileJob } from './tiling.js';
import { isPatched, PatchGrids, patchedFeatureImage, patchedPrediction, patchedTrainingRows } from './patched.js';
import type { PaddedGeometry } from './tiling.js';
import type { Planar } from '../reference/planar.js';
import type { PatchGrid } from './patched.js';

/** Blocks bound the size of one tile's feature stack in JS memory. */
const CPU_BLOCK_BYTES = 256 * 2 ** 20;

export class CpuEngine implements Engine {
  readonly kind = 'cpu' as const;
  /** Tile features kept between calls (feature-cache.ts); off with 0 bytes. */
  readonly features: FeatureCache<Float32Array>;

  constructor(cacheBytes = 0) {
    this.features = new FeatureCache<Float32Array>(cacheBytes, () => undefined);
  }

  private blockFor(fe: FeatureExtractor, channels: number, pyramid: PyramidOptions, tileImage: boolean, alignment: number): number {
    const f = totalFeatures(fe, channels, pyramid);
    let side = alignment;
    while (4 * f * (side + alignment) ** 2 <= CPU_BLOCK_BYTES) side += alignment;
    return tileImage ? Math.min(side, referenceTileBlock(alignment)) : side;
  }

  /** A tile's features, from the cache when `imageKey` is given and it holds them (then kept there if they fit). */
  private tileFeatures(fe: FeatureExtractor, padded: { data: Float32Array; shape: number[] }, job: TileJob, pyramid: PyramidOptions, imageKey: string | null = null): Float32Array {
    const key = imageKey === null ? null : tileKey(imageKey, fe, pyramid, job);
    const cached = key === null ? undefined : this.features.get(key);
    if (cached) return cached;
    const global = fe.combo ? { grid: this.global!.value, features: this.global!.features, paddedH: padded.shape[2], paddedW: padded.shape[3], tileY0: job.tile.y0, tileX0: job.tile.x0, z: job.z } : undefined;
    const feats = extractPyramidCpu(fe, cropTile(padded, job.z, job.tile), pyramid, job.window, global).data;
    if (key !== null && this.features.accepts(feats.byteLength)) this.features.put(key, feats, feats.byteLength);
    return feats;
  }

  private imageKey(image: PreparedImage): string | null {
    return this.features.budgetBytes > 0 ? imageFingerprint(image) : null;
  }

  /** Patch grids of patched extractors and combos' global parts (patched.ts). */
  private readonly grids = new PatchGrids<Planar>(
    async (fe, passes) => passes.map((p) => fe.extractCpu({ data: p.input, shape: [...p.shape] }).map((m) => m.data)),
    (data, shape) => ({ data, shape: [...shape] }),
  );

  /** A combo's global grid for the current call (`PatchGrids.globalFor`), read by `tileFeatures`. */
  private global: { value: Planar; features: number } | null = null;

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
    const padded = reflectPad({ data: image.data, shape: [...image.shape] }, g.pads);
    const nFeatures = totalFeatures(fe, c, pyramid);
    const imageKey = this.imageKey(image);
    const block = this.blockFor(fe, c, pyramid, false, g.alignment);
    const cached = (job: TileJob) => imageKey !== null && this.features.has(tileKey(imageKey, fe, pyramid, job));
    const { tiles, order } = trainingPlan(labels, g, tileAnnotations, block, imageKey === null ? undefined : gridTrainingRule(g, block, cached));
    const parts = tiles.map((t, i) => {
      const feats = this.tileFeatures(fe, padded, t, pyramid, imageKey);
      progress?.('features', i + 1, tiles.length);
      return { x: gatherRows(feats, nFeatures, t.window.height * t.window.width, t.pixels), y: t.labels, coords: t.coords };
    });
    return concatRows(parts, nFeatures, order);
  }

  async predict(fe: FeatureExtractor, model: TreeEnsemble, image: PreparedImage, pyramid: PyramidOptions, options: PredictOptions, progress?: ProgressSink): Promise<Prediction> {
    if (isPatched(fe)) return patchedPrediction(await this.gridOf(fe, image, pyramid, progress), model, options);
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    await this.globalFor(fe, image, pyramid, g, progress);
    const padded = reflectPad({ data: image.data, shape: [...image.shape] }, g.pads);
    const k = model.classes.length;
    const [oh, ow] = options.outputSize ?? [h, w];
    const halo = options.wantLabels && options.smoothing > 1 ? options.smoothing : 0;
    // One band per plane (or the region): the same plan as the GPU engine's bands.
    const imageKey = this.imageKey(image);
    const cached = (job: TileJob) => imageKey !== null && this.features.has(tileKey(imageKey, fe, pyramid, job));
    const bands = planBands(g, z, this.blockFor(fe, c, pyramid, options.tileImage, g.alignment), [oh, ow], oh, halo, options.region, cached);
    const result = predictionResult(k, z, [oh, ow], options);
    const total = bands.reduce((n, b) => n + b.jobs.length, 0);
    let done = 0;
    for (const band of bands) {
      const [s0, s1] = band.source;
      const [sc0, sc1] = band.sourceCols;
      const [e0, e1] = band.computed;
      const [ec0, ec1] = band.computedCols;
      const [sh, sw] = [s1 - s0, sc1 - sc0];
      let probas: Float32Array = hostArray(Float32Array, k * sh * sw, 'the probabilities');
      for (const job of band.jobs) {
        checkSignal(options.signal);
        const feats = this.tileFeatures(fe, padded, job, pyramid, imageKey);
        const { height: wh, width: ww } = job.window;
        const p = predictCpu(model, feats, 'planar').probas;
        for (let kk = 0; kk < k; kk++) {
          for (let y = 0; y < wh; y++) {
            const from = kk * wh * ww + y * ww;
            probas.set(p.subarray(from, from + ww), (kk * sh + job.kept.y0 - s0 + y) * sw + job.kept.x0 - sc0);
          }
        }
        progress?.('predict', ++done, total);
      }
      // As the GPU engine: the restored computed window, or without a restore all that was computed.
      let [eh, ew, origin] = [sh, sw, [s0, sc0] as [number, number]];
      if (oh !== h || ow !== w) {
        [eh, ew, origin] = [e1 - e0, ec1 - ec0, [e0, ec0]];
        probas = upsampleBilinear({ data: probas, shape: [k, sh, sw] }, oh, ow, { y0: e0, x0: ec0, height: eh, width: ew }, { y0: s0, fullHeight: h }, { x0: sc0, fullWidth: w }).data;
      }
      const paste = pasteInto(result, band, origin, ew);
      if (options.wantLabels) paste(result.classIndex!, classIndexFromProbabilities(probas, k, [1, eh, ew], options.smoothing), 0);
      if (options.wantProbas) for (let kk = 0; kk < k; kk++) paste(result.probas!, probas.subarray(kk * eh * ew, (kk + 1) * eh * ew), kk);
    }
    return result;
  }

  async featureImage(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, tileImage: boolean, progress?: ProgressSink): Promise<Float32Array> {
    if (isPatched(fe)) return patchedFeatureImage(await this.gridOf(fe, image, pyramid, progress));
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    await this.globalFor(fe, image, pyramid, g, progress);
    const padded = reflectPad({ data: image.data, shape: [...image.shape] }, g.pads);
    const f = totalFeatures(fe, c, pyramid);
    const out = hostArray(Float32Array, f * z * h * w, 'the feature image');
    const jobs = predictionTiles(g, z, this.blockFor(fe, c, pyramid, tileImage, g.alignment));
    jobs.forEach((job, i) => {
      pasteFeatures(out, this.tileFeatures(fe, padded, job, pyramid), f, [z, h, w], job);
      progress?.('features', i + 1, jobs.length);
    });
    return out;
  }

  dispose(): void {
    this.grids.clear();
    this.global = null;
    this.features.clear();
  }
}
