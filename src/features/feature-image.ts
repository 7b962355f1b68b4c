/**
 * Features of a whole (normalised, unpadded) [C,Z,H,W] image, restored to its size: reflect-pad
 * by the overall paddings, run the pyramid with the unpadded image as its output window (the
 * padding is never materialised in the feature stack). GPU and CPU reference versions.
 * (The model layer adds dims handling, normalisation, resampling, tiling and annotations.)
 */
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { overallPaddings } from './padding.js';
import { reflectPad } from '../ops/pad.js';
import * as ref from '../reference/pad.js';
import type { Planar } from '../reference/planar.js';
import { extractPyramidCpu } from './pyramid-cpu.js';
import type { FeatureExtractor } from './extractor.js';
import type { PyramidOptions } from './plan.js';
import { extractPyramidGpu } from './pyramid.js';

/** Features [F, ...] of a whole normalised [C, Z, H, W] image on the GPU (recorded into `batch`; the caller disposes the result). */
export function featureImageGpu(batch: GpuBatch, fe: FeatureExtractor, image: GpuTensor, opts: PyramidOptions): GpuTensor {
  const [h, w] = image.shape.slice(-2);
  const pads = overallPaddings(fe.padding, fe.patchSize, opts.scalings, h, w);
  const padded = reflectPad(batch, image, pads, `${fe.name}/padded`);
  const out = extractPyramidGpu(batch, fe, padded, opts, { y0: pads.top, x0: pads.left, height: h, width: w });
  padded.dispose();
  return out;
}

/** The CPU reference of `featureImageGpu`. */
export function featureImageCpu(fe: FeatureExtractor, image: Planar, opts: PyramidOptions): Planar {
  const [h, w] = image.shape.slice(-2);
  const pads = overallPaddings(fe.padding, fe.patchSize, opts.scalings, h, w);
  return extractPyramidCpu(fe, ref.reflectPad(image, pads), opts, { y0: pads.top, x0: pads.left, height: h, width: w });
}
