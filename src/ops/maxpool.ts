/** 2×2 max pooling, stride 2, floor mode, of [..., H, W] GPU tensors; see shaders/maxpool.wgsl. */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { grid2d, tensorGeometry, WG_2D } from './geometry.js';

const MAXPOOL: KernelSpec = { shader: 'maxpool', entryPoint: 'maxpool2x2', overrides: WG_2D };

/** [..., H, W] → new [..., floor(H / 2), floor(W / 2)]. */
export function maxPool2x2(batch: GpuBatch, src: GpuTensor, label = `${src.label}/maxpool`): GpuTensor {
  const g = tensorGeometry(src, 'maxpool2x2');
  const dh = Math.floor(g.height / 2);
  const dw = Math.floor(g.width / 2);
  if (dh < 1 || dw < 1) throw new ShapeError(`maxpool2x2: "${src.label}" is ${g.height}×${g.width}, too small for a 2×2 block`);
  const dst = batch.tensor([...g.lead, dh, dw], label);
  batch.dispatch(MAXPOOL, {
    uniforms: { planes: g.planes, src_h: g.height, src_w: g.width, dst_h: dh, dst_w: dw },
    bindings: { src, dst },
    workgroups: grid2d(dw, dh, g.planes),
    label,
  });
  return dst;
}
