/**
 * Patch extraction for a ViT's patch embedding: one image of a [N, C, H, W] GPU batch → rows
 * [hp·wp, C·p·p] in (channel, ky, kx) order; see shaders/patchify.wgsl and the CPU twin
 * src/reference/patchify.ts. Followed by `linear` with the conv weight reshaped to [out, C·p·p].
 */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { WG_2D } from './geometry.js';

const KERNEL: KernelSpec = { shader: 'patchify', entryPoint: 'patchify', overrides: WG_2D };

/** Image `image` of `src` [N, C, H, W] (H, W multiples of `patch`) → new [hp·wp, C·patch²]. */
export function patchify(batch: GpuBatch, src: GpuTensor, patch: number, image = 0, label?: string): GpuTensor {
  if (src.shape.length !== 4) throw new ShapeError(`patchify: "${src.label}" must be [N, C, H, W], got [${src.shape.join(',')}]`);
  const [n, c, h, w] = src.shape;
  if (!Number.isInteger(patch) || patch < 1 || h % patch !== 0 || w % patch !== 0 || h < patch || w < patch) {
    throw new ShapeError(`patchify: image ${h}×${w} of "${src.label}" is not a non-empty multiple of the patch size ${patch}`);
  }
  if (!Number.isInteger(image) || image < 0 || image >= n) throw new ShapeError(`patchify: image ${image} outside the ${n} of "${src.label}"`);
  const [hp, wp] = [h / patch, w / patch];
  const rows = hp * wp;
  const cols = c * patch * patch;
  const name = label ?? `${src.label}/patches`;
  const dst = batch.tensor([rows, cols], name);
  batch.dispatch(KERNEL, {
    uniforms: { image, channels: c, height: h, width: w, patch_size: patch, grid_w: wp, rows },
    bindings: { src, dst },
    workgroups: [Math.ceil(cols / WG_2D.WG_X), Math.ceil(rows / WG_2D.WG_Y), 1],
    label: name,
  });
  return dst;
}
