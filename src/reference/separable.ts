/**
 * CPU reference of shaders/separable.wgsl: 1-D convolution of every plane along its width or
 * height with reflect-101 borders, in float32 arithmetic and in the shader's (and fastfilters')
 * order of terms: c[0]·x[i] first, then c[k]·(x[i+k] ± x[i−k]) for k = 1..L.
 */
import type { Kernel1d } from '../core/filter-kernels.js';
import { ShapeError } from '../errors.js';
import { reflectIndex } from './pad.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** `w`: along each row (x, the last axis); `h`: along each column (y). */
export type FilterAxis = 'h' | 'w';

/** Reflect-101 source index for positions −r .. n−1+r of a line of length n. */
function reflectTable(n: number, r: number): Int32Array {
  const t = new Int32Array(n + 2 * r);
  for (let i = 0; i < t.length; i++) t[i] = reflectIndex(i - r, n);
  return t;
}

/** Filters every plane of `src` along `axis` with kernel `k`; returns a new array. */
export function convolve1d(src: Planar, k: Kernel1d, axis: FilterAxis): Planar {
  const { planes, height, width } = planeGeometry(src.shape, 'filter input');
  if (height === 0 || width === 0) throw new ShapeError(`cannot filter an empty image [${src.shape.join(',')}]`);
  const out = planar(src.shape);
  const f = Math.fround;
  const r = k.radius;
  const c = k.half;
  const sign = k.symmetric ? 1 : -1;
  const n = axis === 'w' ? width : height;
  const lines = axis === 'w' ? height : width;
  // Element j of line l: base(l) + j·step.
  const step = axis === 'w' ? 1 : width;
  const lineStep = axis === 'w' ? width : 1;
  const idx = reflectTable(n, r);
  const buf = new Float32Array(n + 2 * r);
  const x = src.data;
  const y = out.data;
  for (let p = 0; p < planes; p++) {
    const plane0 = p * height * width;
    for (let l = 0; l < lines; l++) {
      const base = plane0 + l * lineStep;
      for (let i = 0; i < buf.length; i++) buf[i] = x[base + idx[i] * step];
      for (let i = 0; i < n; i++) {
        const centre = i + r;
        let sum = f(c[0] * buf[centre]);
        for (let j = 1; j <= r; j++) sum = f(sum + f(c[j] * f(buf[centre + j] + sign * buf[centre - j])));
        y[base + i * step] = sum;
      }
    }
  }
  return out;
}

/** A separable 2-D filter: `alongW` along the rows first, then `alongH` along the columns. */
export function separable2d(src: Planar, alongW: Kernel1d, alongH: Kernel1d): Planar {
  return convolve1d(convolve1d(src, alongW, 'w'), alongH, 'h');
}
