/** Gathers feature rows at listed pixels (training samples); see shaders/gather.wgsl. */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';

const GATHER: KernelSpec = { shader: 'gather', entryPoint: 'gather_rows', overrides: { WG_X: 64, WG_Y: 4 } };

/**
 * `features` is [F, ...spatial] (N = product of spatial dims); `indices` a u32 tensor of pixel
 * numbers in [0, N). Returns rows [n, F].
 */
export function gatherRows(batch: GpuBatch, features: GpuTensor, indices: GpuTensor, label = `${features.label}/rows`): GpuTensor {
  if (features.shape.length < 2) throw new ShapeError(`gatherRows: features must be [F, ...spatial], got [${features.shape.join(',')}]`);
  if (indices.dtype !== 'u32' || indices.shape.length !== 1) throw new ShapeError('gatherRows: indices must be a 1-D u32 tensor');
  const nFeatures = features.shape[0];
  const pixels = features.size / nFeatures;
  const count = indices.shape[0];
  const dst = batch.tensor([count, nFeatures], label);
  if (count === 0) return dst;
  batch.dispatch(GATHER, {
    uniforms: { count, features: nFeatures, pixels, src_offset: 0 },
    bindings: { src: features, indices, dst },
    workgroups: [Math.ceil(count / GATHER.overrides.WG_X), Math.ceil(nFeatures / GATHER.overrides.WG_Y), 1],
    label,
  });
  return dst;
}
