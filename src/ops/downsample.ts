/** Block-mean downsampling by an integer factor; see shaders/downsample.wgsl. */
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkFactor } from '../reference/downsample.js';
import { grid2d, tensorGeometry, WG_2D } from './geometry.js';

const BLOCK_MEAN: KernelSpec = { shader: 'downsample', entryPoint: 'block_mean', overrides: WG_2D };

/** [..., H, W] → [..., floor(H/f), floor(W/f)], each output the mean of its f×f block. */
export function blockMeanDownsample(batch: GpuBatch, src: GpuTensor, factor: number, label = `${src.label}/down${factor}`): GpuTensor {
  checkFactor(factor);
  const g = tensorGeometry(src, 'blockMeanDownsample');
  const dh = Math.floor(g.height / factor);
  const dw = Math.floor(g.width / factor);
  const dst = batch.tensor([...g.lead, dh, dw], label);
  if (dst.size === 0) return dst;
  batch.dispatch(BLOCK_MEAN, {
    uniforms: {
      planes: g.planes,
      src_h: g.height,
      src_w: g.width,
      dst_h: dh,
      dst_w: dw,
      factor,
      src_offset: 0,
      src_plane_stride: g.height * g.width,
      dst_offset: 0,
      dst_plane_stride: dh * dw,
    },
    bindings: { src, dst },
    workgroups: grid2d(dw, dh, g.planes),
    label,
  });
  return dst;
}
