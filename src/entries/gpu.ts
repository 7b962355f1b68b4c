/**
 * convpaint-webgpu/gpu — the layers under `ConvpaintModel` for advanced use: the WebGPU context,
 * batches and tensors, the kernels (each with its CPU twin in `convpaint-webgpu/reference`), the
 * feature extractors and their scale pyramid, and the tree-ensemble evaluator. Browser-safe.
 */

// Runtime: a device and its caches, recorded batches (one submit), tensors from a pooled allocator
export { GpuContext } from '../gpu/context.js';
export type { GpuContextOptions, KernelSpec, AdapterDescription } from '../gpu/context.js';
export { GpuBatch } from '../gpu/batch.js';
export type { BatchHost } from '../gpu/batch.js';
export { GpuTensor } from '../gpu/tensor.js';
export type { GpuDtype } from '../gpu/tensor.js';

// Kernels
export { reflectPad, zeroPad, crop, cropTile } from '../ops/pad.js';
export type { Pads } from '../ops/pad.js';
export { blockMeanDownsample } from '../ops/downsample.js';
export { resample } from '../ops/resample.js';
export type { ResampleMode, ResampleTarget, ResampleSource, ResampleOptions } from '../ops/resample.js';
export { concatChannels, copyPlanes } from '../ops/concat.js';
export { gatherRows } from '../ops/gather.js';
export { argmaxClasses, majorityFilter } from '../ops/labels.js';
export { conv3x3, conv3x3Naive, uploadConv3x3Weights } from '../ops/conv3x3.js';
export { maxPool2x2 } from '../ops/maxpool.js';
export { convolve1d, GpuKernelSet } from '../ops/separable.js';
export { uploadForest, predictForest, GpuForest } from '../ops/forest.js';
export { labelsOnGpu } from '../postprocess/labels.js';
export { defaultTileBudget } from '../model/create.js';

// Feature extractors: the contract, the registry, the GPU pyramid and whole-image features
export type { FeatureExtractor, FeParamDefaults, ExtractorEntry, ExtractorOptions } from '../features/extractor.js';
export { createExtractor, extractorNames, getExtractorEntry, registerExtractor } from '../features/registry.js';
export type { PyramidOptions } from '../features/plan.js';
export { extractPyramidGpu } from '../features/pyramid.js';
export { featureImageGpu } from '../features/feature-image.js';
