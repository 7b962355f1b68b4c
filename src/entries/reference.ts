/**
 * convpaint-webgpu/reference — the plain-TypeScript side: the CPU twin of every WGSL kernel
 * (the test oracle and the `device: 'cpu'` fallback), the CPU scale pyramid, and the tree
 * ensembles (structure, trainers, CPU evaluator, serialisation). Browser-safe.
 */

// Kernels over planar float arrays ({ data: Float32Array, shape })
export * from '../reference/planar.js';
export * from '../reference/pad.js';
export * from '../reference/downsample.js';
export * from '../reference/resample.js';
export * from '../reference/concat.js';
export * from '../reference/conv3x3.js';
export * from '../reference/maxpool.js';
export * from '../reference/gather.js';
export * from '../reference/labels.js';
export * from '../reference/separable.js';
export * from '../reference/filter-combine.js';
export * from '../core/filter-kernels.js';

// The pyramid and whole-image features on the CPU
export { extractPyramidCpu } from '../features/pyramid-cpu.js';
export { featureImageCpu } from '../features/feature-image.js';

// Tree ensembles: one structure of arrays, the GBDT and random-forest trainers, the CPU evaluator
export * from '../classifiers/index.js';
