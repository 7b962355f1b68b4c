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
import { classIndexFromProbabilities, restoreToInputSize } from '../postprocess/labels.js';
import type { Labels3D } from '../prepare/dims.js';
import { concatRows, hostArray, paddedGeometry, pasteFeatures } from './engine.js';
import type { Engine, PredictOptions, Prediction, ProgressSink, TrainingRows } from './engine.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { predictionTiles, referenceTileBlock, trainingPlan } from './tiling.js';
import type { TileJob } from './tiling.js';

/** Blocks bound the size of one tile's feature stack in JS memory. */
const CPU_BLOCK_BYTES = 256 * 2 ** 20;

export class CpuEngine implements Engine {
  readonly kind = 'cpu' as const;

  private blockFor(fe: FeatureExtractor, channels: number, pyramid: PyramidOptions, tileImage: boolean, alignment: number): number {
    const f = totalFeatures(fe, channels, pyramid);
    let side = alignment;
    while (4 * f * (side + alignment) ** 2 <= CPU_BLOCK_BYTES) side += alignment;
    return tileImage ? Math.min(side, referenceTileBlock(alignment)) : side;
  }

  private tileFeatures(fe: FeatureExtractor, padded: { data: Float32Array; shape: number[] }, job: TileJob, pyramid: PyramidOptions): Float32Array {
    return extractPyramidCpu(fe, cropTile(padded, job.z, job.tile), pyramid, job.window).data;
  }

  async trainingRows(fe: FeatureExtractor, image: PreparedImage, labels: Labels3D, pyramid: PyramidOptions, tileAnnotations: boolean, progress?: ProgressSink): Promise<TrainingRows> {
    const [c, , h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    const padded = reflectPad({ data: image.data, shape: [...image.shape] }, g.pads);
    const nFeatures = totalFeatures(fe, c, pyramid);
    const { tiles, order } = trainingPlan(labels, g, tileAnnotations, this.blockFor(fe, c, pyramid, false, g.alignment));
    const parts = tiles.map((t, i) => {
      const feats = this.tileFeatures(fe, padded, t, pyramid);
      progress?.('features', i + 1, tiles.length);
      return { x: gatherRows(feats, nFeatures, t.window.height * t.window.width, t.pixels), y: t.labels, coords: t.coords };
    });
    return concatRows(parts, nFeatures, order);
  }

  async predict(fe: FeatureExtractor, model: TreeEnsemble, image: PreparedImage, pyramid: PyramidOptions, options: PredictOptions, progress?: ProgressSink): Promise<Prediction> {
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
    const padded = reflectPad({ data: image.data, shape: [...image.shape] }, g.pads);
    const k = model.classes.length;
    let probas: Float32Array = hostArray(Float32Array, k * z * h * w, 'the probabilities');
    const jobs = predictionTiles(g, z, this.blockFor(fe, c, pyramid, options.tileImage, g.alignment));
    jobs.forEach((job, i) => {
      const feats = this.tileFeatures(fe, padded, job, pyramid);
      const { height: wh, width: ww } = job.window;
      const p = predictCpu(model, feats, 'planar').probas;
      for (let kk = 0; kk < k; kk++) {
        for (let y = 0; y < wh; y++) {
          const from = kk * wh * ww + y * ww;
          probas.set(p.subarray(from, from + ww), ((kk * z + job.z) * h + job.kept.y0 + y) * w + job.kept.x0);
        }
      }
      progress?.('predict', i + 1, jobs.length);
    });
    const [oh, ow] = options.outputSize ?? [h, w];
    probas = restoreToInputSize(probas, k * z, [h, w], [oh, ow]);
    const out: Prediction = { shape: [z, oh, ow] };
    if (options.wantLabels) out.classIndex = classIndexFromProbabilities(probas, k, [z, oh, ow], options.smoothing);
    if (options.wantProbas) out.probas = probas;
    return out;
  }

  async featureImage(fe: FeatureExtractor, image: PreparedImage, pyramid: PyramidOptions, tileImage: boolean, progress?: ProgressSink): Promise<Float32Array> {
    const [c, z, h, w] = image.shape;
    const g = paddedGeometry(fe, pyramid, h, w);
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

  dispose(): void {}
}
