/**
 * CPU reference of shaders/conv3x3.wgsl: 3×3 convolution, stride 1, zero padding 1 (PyTorch's
 * Conv2d(k=3, p=1)), plus bias, optionally followed by ReLU. Sums in f32 in the kernels' order —
 * input channel, then tap (ky, kx), bias last — so GPU and CPU differ only by rounding details
 * (fused multiply-adds).
 */
import { ShapeError } from '../errors.js';
import { planar } from './planar.js';
import type { Planar } from './planar.js';

/** Options of a 3×3 convolution. */
export interface Conv3x3Options {
  /** max(0, ·) after the bias. */
  relu: boolean;
}

/** Checks a [c_out, c_in, 3, 3] weight and [c_out] bias against an input with `cIn` channels. */
export function checkConv3x3Weights(weight: ArrayLike<number>, bias: ArrayLike<number>, cOut: number, cIn: number, what = 'conv3x3'): void {
  if (!Number.isInteger(cOut) || cOut < 1 || !Number.isInteger(cIn) || cIn < 1) {
    throw new ShapeError(`${what}: channel counts must be positive integers, got c_out ${cOut}, c_in ${cIn}`);
  }
  if (weight.length !== cOut * cIn * 9) {
    throw new ShapeError(`${what}: weight holds ${weight.length} values, expected [${cOut}, ${cIn}, 3, 3] = ${cOut * cIn * 9}`);
  }
  if (bias.length !== cOut) throw new ShapeError(`${what}: bias holds ${bias.length} values, expected ${cOut}`);
}

/**
 * `src` is [N, C_in, H, W]; `weight` is [C_out, C_in, 3, 3] row-major (PyTorch order); `bias` is
 * [C_out]. Returns [N, C_out, H, W].
 */
export function conv3x3(src: Planar, weight: Float32Array, bias: Float32Array, opts: Conv3x3Options): Planar {
  if (src.shape.length !== 4) throw new ShapeError(`conv3x3: input must be [N, C_in, H, W], got [${src.shape.join(',')}]`);
  const [n, cIn, h, w] = src.shape;
  const cOut = bias.length;
  checkConv3x3Weights(weight, bias, cOut, cIn);
  const out = planar([n, cOut, h, w]);
  const plane = h * w;
  const data = src.data;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cOut; oc++) {
      // Accumulate straight into the output plane: a Float32Array store rounds the exact
      // double product-plus-sum once, i.e. a fused multiply-add, which GPUs may also use.
      const d0 = (b * cOut + oc) * plane;
      const acc = out.data.subarray(d0, d0 + plane);
      for (let ci = 0; ci < cIn; ci++) {
        const s0 = (b * cIn + ci) * plane;
        const w0 = (oc * cIn + ci) * 9;
        // Tap by tap over the valid region: each pixel still sums ci → ky → kx in order.
        for (let ky = 0; ky < 3; ky++) {
          const yLo = Math.max(0, 1 - ky);
          const yHi = Math.min(h, h + 1 - ky);
          for (let kx = 0; kx < 3; kx++) {
            const wv = weight[w0 + ky * 3 + kx];
            const xLo = Math.max(0, 1 - kx);
            const xHi = Math.min(w, w + 1 - kx);
            for (let y = yLo; y < yHi; y++) {
              const row = y * w;
              const srow = s0 + (y + ky - 1) * w + kx - 1;
              for (let x = xLo; x < xHi; x++) acc[row + x] += data[srow + x] * wv;
            }
          }
        }
      }
      const bv = bias[oc];
      for (let i = 0; i < plane; i++) {
        const v = Math.fround(acc[i] + bv);
        acc[i] = opts.relu && v < 0 ? 0 : v;
      }
    }
  }
  return out;
}

/** Multiply-adds of one 3×3 convolution over [n, cIn, h, w] → cOut channels (×2 for FLOPs). */
export function conv3x3MultiplyAdds(n: number, cIn: number, cOut: number, h: number, w: number): number {
  return n * cOut * h * w * cIn * 9;
}
