/**
 * From class probabilities to a segmentation (REFERENCE.md §4.8): undo `image_downsample`
 * (bilinear restore of the probabilities), argmax over classes (ties → the first class), the
 * optional majority filter (`seg_smoothening` > 1), and class indices → class values.
 *
 * This is the one implementation of that step. The GPU engine records it on the device per band
 * of rows (`labelsOnGpu`); the CPU engine, and any front end that holds probabilities (a file,
 * a worker message), call `labelsFromProbabilities`. Both use the same rules, so the labels of
 * a probability image never depend on where they were computed.
 */
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { argmaxClasses as argmaxGpu, majorityFilter as majorityGpu } from '../ops/labels.js';
import { resample } from '../ops/resample.js';
import type { OutputWindow, SourceCols, SourceRows } from '../reference/resample.js';
import { argmaxClasses, majorityFilter } from '../reference/labels.js';
import { upsampleBilinear } from '../reference/resample.js';
import { ShapeError } from '../errors.js';

/** Class values per pixel in the smallest array that holds them (uint8 when every value ≤ 255). */
export type LabelArray = Uint8Array | Uint16Array | Int32Array;

/** An array of the smallest integer type that holds every class value. */
export function labelArrayFor(classes: ArrayLike<number>, length: number): LabelArray {
  let max = 0;
  for (let i = 0; i < classes.length; i++) max = Math.max(max, classes[i]);
  return max <= 255 ? new Uint8Array(length) : max <= 65535 ? new Uint16Array(length) : new Int32Array(length);
}

/** Class indices (0 … K−1, ascending class value) → the class values themselves. */
export function classValues(index: Uint32Array, classes: ArrayLike<number>): LabelArray {
  const out = labelArrayFor(classes, index.length);
  for (let i = 0; i < index.length; i++) out[i] = classes[index[i]];
  return out;
}

/** Class indices of [K, Z, H, W] (or [K, H, W]) probabilities: argmax, then the majority filter when `smoothing` > 1. */
export function classIndexFromProbabilities(probas: Float32Array, classes: number, [z, h, w]: readonly [number, number, number], smoothing: number): Uint32Array {
  if (probas.length !== classes * z * h * w) throw new ShapeError(`probabilities: ${probas.length} values are not [${classes}, ${z}, ${h}, ${w}]`);
  const index = argmaxClasses(probas, classes);
  return smoothing > 1 ? majorityFilter(index, [z, h, w], classes, smoothing) : index;
}

/**
 * A segmentation from probabilities `[K, ...spatial]` (spatial = [H, W] or [Z, H, W]): argmax,
 * majority filter when `smoothing` > 1 (the model's `seg_smoothening`), class values. The result
 * equals `ConvpaintModel.segment` on the image the probabilities came from.
 */
export function labelsFromProbabilities(
  probas: { data: Float32Array; shape: readonly number[] },
  classes: ArrayLike<number>,
  smoothing = 1,
): { data: LabelArray; shape: number[] } {
  const k = classes.length;
  const spatial = probas.shape.slice(1);
  if (probas.shape[0] !== k || (spatial.length !== 2 && spatial.length !== 3)) {
    throw new ShapeError(`probabilities must be [K, H, W] or [K, Z, H, W] with K = ${k} classes, got [${probas.shape.join(',')}]`);
  }
  const [z, h, w] = spatial.length === 2 ? [1, spatial[0], spatial[1]] : spatial;
  return { data: classValues(classIndexFromProbabilities(probas.data, k, [z, h, w], smoothing), classes), shape: spatial };
}

/** Brings a planar [planes, h, w] stack (probabilities, features) back to the input's size after `image_downsample` (CPU, bilinear). */
export function restoreToInputSize(probas: Float32Array, planes: number, [h, w]: readonly [number, number], [oh, ow]: readonly [number, number]): Float32Array {
  if (oh === h && ow === w) return probas;
  return upsampleBilinear({ data: probas, shape: [planes, h, w] }, oh, ow).data;
}

/**
 * The GPU twin of `classIndexFromProbabilities`, recorded into `batch`: u32 class indices of a
 * [K, ...spatial] probability tensor (argmax, then the majority filter when `smoothing` > 1).
 * The caller disposes the result.
 */
export function labelsOnGpu(batch: GpuBatch, probas: GpuTensor, smoothing: number): GpuTensor {
  const classes = probas.shape[0];
  const index = argmaxGpu(batch, probas);
  if (smoothing <= 1) return index;
  const smooth = majorityGpu(batch, index, classes, smoothing);
  index.dispose();
  return smooth;
}

/**
 * The GPU twin of `restoreToInputSize` for one band: the `window` of the [K, oh, ow] restored
 * probabilities, bilinear from a tensor that holds source rows `rows` (and columns `cols`) of the
 * image. The caller disposes both tensors.
 */
export function restoreOnGpu(batch: GpuBatch, probas: GpuTensor, [oh, ow]: readonly [number, number], window: OutputWindow, rows: SourceRows, cols?: SourceCols): GpuTensor {
  return resample(batch, probas, oh, ow, 'bilinear', { window, rows, cols, label: 'probas/restored' });
}
