/**
 * convpaint-webgpu — public API. Everything a user imports comes from here; nothing else.
 * Works in Node (Dawn through the `webgpu` package) and in browsers (`navigator.gpu`).
 */
export * from './errors.js';
export { VERSION } from './version.js';
export { GpuContext } from './gpu/context.js';
export type { GpuContextOptions, KernelSpec, AdapterDescription } from './gpu/context.js';
export { GpuBatch } from './gpu/batch.js';
export { GpuTensor } from './gpu/tensor.js';
export type { GpuDtype } from './gpu/tensor.js';
export { readSafetensors, writeSafetensors, SafetensorsFile } from './io/safetensors.js';
export type { SafetensorsDtype, TensorInfo } from './io/safetensors.js';
export { reflectPad, zeroPad } from './ops/pad.js';
export type { Pads } from './ops/pad.js';
export { blockMeanDownsample } from './ops/downsample.js';
export { resample } from './ops/resample.js';
export type { ResampleMode, ResampleTarget, ResampleSource, ResampleOptions } from './ops/resample.js';
export { concatChannels, copyPlanes } from './ops/concat.js';
export * as reference from './reference/index.js';
