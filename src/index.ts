/**
 * convpaint-webgpu — public API. Everything a user imports comes from here; nothing else.
 * Works in Node (Dawn through the `webgpu` package) and in browsers (`navigator.gpu`).
 *
 * Start with `ConvpaintModel` (the reference tool's API); the lower layers — GPU context and
 * kernels, extractors, tree ensembles, file formats — are exported for advanced use and tests.
 */
export * from './errors.js';
export { VERSION } from './version.js';

// The model API (REFERENCE.md §1)
export { ConvpaintModel } from './model/convpaint-model.js';
export type {
  ModelSource,
  CreateOptions,
  DeviceChoice,
  ProgressEvent,
  TrainOptions,
  PredictCallOptions,
  LabelImage,
  FloatImage,
  TrainingRowsResult,
} from './model/convpaint-model.js';
export { Param, PARAM_KEYS, FE_KEYS, validateParam, convpaintDefaults } from './model/param.js';
export type { ParamValues, ParamKey, ChannelMode, LayerSpec } from './model/param.js';
export { paramFromYaml, paramToYaml } from './model/param-yaml.js';
export { aliasNames, aliasParam } from './model/aliases.js';
export type { NdArray } from './model/dims.js';
export { readBundle, writeBundle, BUNDLE_FORMAT_VERSION } from './model/bundle.js';

// Feature extractors
export type { FeatureExtractor, FeParamDefaults } from './features/extractor.js';
export { createExtractor, extractorNames, getExtractorEntry, registerExtractor } from './features/registry.js';
export type { ExtractorEntry, ExtractorOptions, WeightsSource } from './features/registry.js';
export type { PyramidOptions } from './features/plan.js';
export { extractPyramidGpu } from './features/pyramid.js';
export { featureImageGpu, featureImageCpu } from './features/feature-image.js';

// Tree ensembles
export * from './classifiers/index.js';
export { uploadForest, predictForest, GpuForest } from './ops/forest.js';

// GPU runtime and kernels
export { GpuContext } from './gpu/context.js';
export type { GpuContextOptions, KernelSpec, AdapterDescription } from './gpu/context.js';
export { GpuBatch } from './gpu/batch.js';
export { GpuTensor } from './gpu/tensor.js';
export type { GpuDtype } from './gpu/tensor.js';
export { reflectPad, zeroPad, crop, cropTile } from './ops/pad.js';
export type { Pads } from './ops/pad.js';
export { blockMeanDownsample } from './ops/downsample.js';
export { resample } from './ops/resample.js';
export type { ResampleMode, ResampleTarget, ResampleSource, ResampleOptions } from './ops/resample.js';
export { concatChannels, copyPlanes } from './ops/concat.js';
export { gatherRows } from './ops/gather.js';
export { argmaxClasses, majorityFilter } from './ops/labels.js';
export * as reference from './reference/index.js';

// File formats (browser-safe; Node file helpers live in convpaint-webgpu/node)
export { readSafetensors, writeSafetensors, SafetensorsFile } from './io/safetensors.js';
export type { SafetensorsDtype, TensorInfo } from './io/safetensors.js';
export { loadWeightsBytes, saveWeightsBytes, deleteWeightsBytes, IMAGENET_WEIGHTS_KEY } from './weights/browser-store.js';
