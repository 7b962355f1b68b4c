/** The CPU reference implementations: the test oracle and the `device: 'cpu'` fallback. */
export * from './planar.js';
export * from './pad.js';
export * from './downsample.js';
export * from './resample.js';
export * from './concat.js';
export * from './pyramid.js';
