/**
 * convpaint-webgpu — the public API: interactive pixel classification (the reference tool's
 * `ConvpaintModel`) on WebGPU, in Node (Dawn through the `webgpu` package) and in browsers
 * (`navigator.gpu`). Everything here is browser-safe.
 *
 * Advanced use has sub-paths: `convpaint-webgpu/gpu` (the GPU context, kernels, extractors and
 * the forest evaluator), `convpaint-webgpu/reference` (the plain-TypeScript twins: CPU kernels,
 * pyramids and the tree trainers), `convpaint-webgpu/node` (files: images, bundles,
 * safetensors, the weights cache).
 */

/** Every error the library throws on purpose is a `ConvpaintError`; see the README's "Errors". */
export * from './errors.js';
/** The package version. */
export { VERSION } from './version.js';

// The model (REFERENCE.md §1)
export { ConvpaintModel } from './model/convpaint-model.js';
export type {
  ModelSource,
  CreateOptions,
  DeviceChoice,
  ProgressEvent,
  TrainOptions,
  PredictCallOptions,
  PredictionResult,
  LabelImage,
  FloatImage,
  ImageInput,
  Region,
  TrainingRowsResult,
} from './model/types.js';
export type { TreeEnsemble } from './core/tree-ensemble.js';
export type { FeatureCacheStats } from './engine/feature-cache.js';

// Parameters, their YAML, the standard models
export { Param, PARAM_KEYS, FE_KEYS, validateParam, convpaintDefaults } from './model/param.js';
export type { ParamValues, ParamKey, ChannelMode, LayerSpec } from './model/param.js';
export { paramFromYaml, paramToYaml } from './model/param-yaml.js';
export { aliasNames, aliasParam } from './model/aliases.js';
export { readBundle, writeBundle, BUNDLE_FORMAT_VERSION } from './model/bundle.js';
export type { BundleContents } from './model/bundle.js';
export type { NdArray } from './prepare/dims.js';

// Extractors by name (what a model picker shows)
export { extractorNames, getExtractorEntry } from './features/registry.js';
export type { ExtractorEntry, FeParamDefaults } from './features/extractor.js';
export type { WeightsSource } from './weights/source.js';

// From probabilities to labels (for probabilities held elsewhere: files, worker messages)
export { labelsFromProbabilities, classValues } from './postprocess/labels.js';
export type { LabelArray } from './postprocess/labels.js';

// Guidance: where the model is unsure (where to paint next), and how much of each class there is
export { marginUncertainty, boxMean, suggestAnnotationRegions, classAreas } from './postprocess/guidance.js';
export type { AnnotationSuggestion, ClassArea } from './postprocess/guidance.js';

// Images: PNG and TIFF decoding into the model's arrays (browser-safe), and label colours
export { decodeImage, decodeLabels, sniffFormat, ImageFormatError, IMAGE_EXTENSIONS } from './io/image-read.js';
export type { ImageArray, DecodedImage, PixelArray } from './io/image-read.js';

// VGG weights kept in a browser's IndexedDB
export { loadWeightsBytes, saveWeightsBytes, deleteWeightsBytes, hasWeightsBytes, IMAGENET_WEIGHTS_KEY, DINOV2_WEIGHTS_KEY } from './weights/browser-store.js';
export { weightsNetworkOf } from './weights/network-of.js';
