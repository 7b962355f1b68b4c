/** The CPU reference implementations: the test oracle and the `device: 'cpu'` fallback. */
export * from './planar.js';
export * from './pad.js';
export * from './downsample.js';
export * from './resample.js';
export * from './concat.js';
export * from './pyramid.js';
export * from './conv3x3.js';
export * from './maxpool.js';
export * from './gather.js';
export * from './labels.js';
export * from './separable.js';
export * from './filter-combine.js';
export * from './forest.js';
