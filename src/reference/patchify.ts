/**
 * CPU reference of shaders/patchify.wgsl: cuts a [N, C, H, W] image into non-overlapping p×p
 * patches and flattens each in (channel, ky, kx) order — the rows a stride-p p×p convolution
 * multiplies with its weight reshaped to [out, C·p·p]. Row `b·hp·wp + py·wp + px` is patch
 * (py, px) of image b (row-major patch order, as a ViT numbers its tokens).
 */
import { ShapeError } from '../errors.js';
import type { Planar } from './planar.js';

export function patchify(src: Planar, p: number): { data: Float32Array; rows: number; cols: number; grid: [number, number] } {
  if (src.shape.length !== 4) throw new ShapeError(`patchify: input must be [N, C, H, W], got [${src.shape.join(',')}]`);
  const [n, c, h, w] = src.shape;
  if (!Number.isInteger(p) || p < 1 || h % p !== 0 || w % p !== 0 || h < p || w < p) {
    throw new ShapeError(`patchify: image ${h}×${w} is not a non-empty multiple of the patch size ${p}`);
  }
  const [hp, wp] = [h / p, w / p];
  const cols = c * p * p;
  const rows = n * hp * wp;
  const data = new Float32Array(rows * cols);
  for (let b = 0; b < n; b++) {
    for (let py = 0; py < hp; py++) {
      for (let px = 0; px < wp; px++) {
        const row = (b * hp + py) * wp + px;
        for (let ch = 0; ch < c; ch++) {
          for (let ky = 0; ky < p; ky++) {
            const from = ((b * c + ch) * h + py * p + ky) * w + px * p;
            data.set(src.data.subarray(from, from + p), row * cols + (ch * p + ky) * p);
          }
        }
      }
    }
  }
  return { data, rows, cols, grid: [hp, wp] };
}
