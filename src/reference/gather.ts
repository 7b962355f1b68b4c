/** CPU reference of shaders/gather.wgsl: rows [n, F] of planar features [F, N] at given pixels. */
import { ShapeError } from '../errors.js';

/** Rows [n, F] of planar features [F, pixels] at the listed pixels (CPU reference of gather.wgsl). */
export function gatherRows(features: Float32Array, nFeatures: number, pixels: number, indices: ArrayLike<number>): Float32Array {
  if (features.length < nFeatures * pixels) throw new ShapeError(`gather: ${features.length} values cannot hold ${nFeatures}×${pixels} features`);
  const out = new Float32Array(indices.length * nFeatures);
  for (let i = 0; i < indices.length; i++) {
    const p = indices[i];
    if (!(p >= 0 && p < pixels)) throw new ShapeError(`gather: pixel index ${p} outside [0, ${pixels})`);
    for (let f = 0; f < nFeatures; f++) out[i * nFeatures + f] = features[f * pixels + p];
  }
  return out;
}
