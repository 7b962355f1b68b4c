/** CPU reference of shaders/downsample.wgsl: block means over factor×factor blocks. */
import { ShapeError } from '../errors.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** Refuses a downsampling factor that is not a positive integer. */
export function checkFactor(factor: number): void {
  if (!Number.isInteger(factor) || factor < 1) throw new ShapeError(`downsampling factor must be a positive integer, got ${factor}`);
}

/** Block means of factor × factor pixels per plane (CPU reference of downsample.wgsl); sizes must be multiples of the factor. */
export function blockMeanDownsample(src: Planar, factor: number): Planar {
  checkFactor(factor);
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'downsample input');
  const oh = Math.floor(h / factor);
  const ow = Math.floor(w / factor);
  const out = planar([...src.shape.slice(0, -2), oh, ow]);
  const area = Math.fround(factor * factor);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        // Same summation order as the shader, rounded to f32 at each step.
        let sum = 0;
        const base = p * h * w + y * factor * w + x * factor;
        for (let dy = 0; dy < factor; dy++) {
          for (let dx = 0; dx < factor; dx++) sum = Math.fround(sum + src.data[base + dy * w + dx]);
        }
        out.data[p * oh * ow + y * ow + x] = Math.fround(sum / area);
      }
    }
  }
  return out;
}
