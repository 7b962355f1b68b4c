import { describe, expect, it } from 'vitest';
import { layerNorm, layerNormTransposed, uploadLayerNormWeights } from '../../src/ops/layer-norm.js';
import * as ref from '../../src/reference/layer-norm.js';
import { ShapeError } from '../../src/errors.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import type { Tolerance } from '../helpers/tolerance.js';
import { dinov2Golden, dinov2TestWeights, maxAbsDiff } from '../features/dinov2-golden.js';

const gpu = useGpu();

/**
 * The reference sums in float64, the kernel in f32: the mean and variance of `dim` values carry
 * about √dim ulp, and normalised outputs are of order |weight|·few (values near the row's
 * extremes reach ~3σ), so a few 1e-6 absolute plus a relative term for the affine scale.
 */
const TOL: Tolerance = { atol: 5e-6, rtol: 1e-5 };

async function gpuNorm(ctx: GpuContext, x: Float32Array, rows: number, dim: number, weight: Float32Array, bias: Float32Array, eps: number, row0: number | null) {
  return expectNoLeak(ctx, async () => {
    const norm = uploadLayerNormWeights(ctx, weight, bias, eps, 'norm');
    const src = ctx.upload(x, [rows, dim], 'x');
    const batch = ctx.batch('layer-norm test');
    let out;
    if (row0 === null) {
      out = layerNorm(batch, src, norm);
    } else {
      // a slot after 3 unused elements, to check the offset
      out = batch.tensor([3 + (rows - row0) * dim], 'transposed');
      layerNormTransposed(batch, src, norm, row0, out, 3);
    }
    const read = batch.read(out, row0 === null ? 0 : 3);
    await batch.submit();
    const got = await read;
    for (const t of [src, out, norm]) t.dispose();
    return got;
  });
}

function transpose(x: Float32Array, rows: number, dim: number, row0: number): Float32Array {
  const kept = rows - row0;
  const out = new Float32Array(kept * dim);
  for (let t = 0; t < kept; t++) for (let f = 0; f < dim; f++) out[f * kept + t] = x[(row0 + t) * dim + f];
  return out;
}

describe('layerNorm: GPU vs CPU reference, random data', () => {
  // Rows below and across the 64-row workgroup; dims 1, odd and the model's 384. An offset
  // mean (values around 5) checks the two-pass variance.
  const cases = [
    { rows: 1, dim: 1 },
    { rows: 7, dim: 13 },
    { rows: 65, dim: 384 },
    { rows: 130, dim: 40 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.rows} rows × ${c.dim}`, async () => {
      const x = randomFloats(c.rows * c.dim, 900 + i, 3, 7);
      const weight = randomFloats(c.dim, 901 + i, 0.5, 1.5);
      const bias = randomFloats(c.dim, 902 + i, -0.1, 0.1);
      const expected = ref.layerNorm(x, c.rows, c.dim, weight, bias, 1e-6);
      expectClose(await gpuNorm(gpu(), x, c.rows, c.dim, weight, bias, 1e-6, null), expected, TOL, [c.rows, c.dim], 'layer norm');
      const row0 = Math.min(5, c.rows - 1);
      const got = await gpuNorm(gpu(), x, c.rows, c.dim, weight, bias, 1e-6, row0);
      expectClose(got, transpose(expected, c.rows, c.dim, row0), TOL, [c.dim, c.rows - row0], 'transposed layer norm');
    });
  }

  it('a constant row normalises to the bias (variance 0 → only eps)', async () => {
    const dim = 8;
    const bias = Float32Array.from({ length: dim }, (_, i) => i / 10);
    const got = await gpuNorm(gpu(), new Float32Array(2 * dim).fill(3.25), 2, dim, new Float32Array(dim).fill(2), bias, 1e-6, null);
    expectClose(got, [...bias, ...bias], { atol: 0, rtol: 0 }, [2, dim], 'constant rows');
  });

  it('rejects a feature-count mismatch with ShapeError', () => {
    const ctx = gpu();
    const norm = uploadLayerNormWeights(ctx, new Float32Array(4), new Float32Array(4), 1e-6, 'n');
    const x = ctx.upload(new Float32Array(10), [2, 5], 'x');
    expect(() => layerNorm(ctx.batch('bad'), x, norm)).toThrow(ShapeError);
    x.dispose();
    norm.dispose();
  });
});

describe('layerNorm: DINOv2 golden data', () => {
  // PyTorch's float32 LayerNorm sums in its own order; the same few-ulp budget.
  const GOLDEN_TOL: Tolerance = { atol: 1e-5, rtol: 0 };
  const cases = [
    { what: 'block 0 norm1 (tokens_in → norm1)', src: 'backbone/tokens_in', expected: 'backbone/block0/norm1', norm: () => dinov2TestWeights().blocks[0].norm1 },
    { what: 'block 0 norm2 (after_attn_residual → norm2)', src: 'backbone/block0/after_attn_residual', expected: 'backbone/block0/norm2', norm: () => dinov2TestWeights().blocks[0].norm2 },
    { what: 'final norm (x_prenorm → x_norm_patchtokens, transposed)', src: 'backbone/x_prenorm', expected: 'backbone/x_norm_patchtokens', norm: () => dinov2TestWeights().norm },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const x = dinov2Golden(c.src);
      const rows = x.length / 384;
      const { weight, bias } = c.norm();
      const transposed = c.expected.endsWith('patchtokens');
      const row0 = transposed ? 5 : null;
      const got = await gpuNorm(gpu(), x, rows, 384, weight, bias, 1e-6, row0);
      let expected = dinov2Golden(c.expected);
      if (transposed) expected = transpose(expected, rows - 5, 384, 0);
      console.log(`[layer-norm golden] ${c.what}: max |gpu − torch| ${maxAbsDiff(got, expected).toExponential(2)}`);
      expectClose(got, expected, GOLDEN_TOL, transposed ? [384, rows - 5] : [rows, 384], c.what);
    });
  }
});
