/**
 * The DINOv2 GPU forward pass against the reference's own outputs (../shared/golden/dinov2,
 * seeded random weights, PyTorch float32): block 0 and every block output of the backbone case,
 * then x_norm_patchtokens of the backbone, grey and RGB model inputs. README §7 suggests
 * max-abs ≤ 2e-4 for an f32 port: far above f32 rounding (~1e-6 here) and below the smallest
 * mistake it lists (f16 subnormals flushed, 7.2e-4; tanh-GELU, 8.1e-4).
 */
import { describe, expect, it } from 'vitest';
import { dinov2BlockGpu, dinov2PatchTokensGpu, dinov2TokensGpu, uploadDinov2 } from '../../src/features/dinov2-backbone-gpu.js';
import type { Dinov2GpuWeights } from '../../src/features/dinov2-backbone-gpu.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { expectClose } from '../helpers/tolerance.js';
import type { Tolerance } from '../helpers/tolerance.js';
import { dinov2Golden, dinov2GoldenShape, dinov2TestWeights, maxAbsDiff } from './dinov2-golden.js';

const gpu = useGpu();

const GOLDEN_TOL: Tolerance = { atol: 2e-4, rtol: 0 };

let uploaded: Dinov2GpuWeights | null = null;
function weights(ctx: GpuContext): Dinov2GpuWeights {
  uploaded ??= uploadDinov2(ctx, dinov2TestWeights());
  return uploaded;
}

/** x_norm_patchtokens [1, P, 384] → [384, P], the layout the GPU pass returns. */
function transposeTokens(tokens: Float32Array, p: number): Float32Array {
  const out = new Float32Array(tokens.length);
  for (let t = 0; t < p; t++) for (let f = 0; f < 384; f++) out[f * p + t] = tokens[t * 384 + f];
  return out;
}

describe('dinov2 GPU backbone vs the reference (golden data)', () => {
  it('tokens_in, block 0 and all 12 block outputs of the backbone case (4×5 patches)', async () => {
    const ctx = gpu();
    const w = weights(ctx);
    // The test weights are F16 values: stored as f16 where the device has shader-f16 (lavapipe), as f32 otherwise (SwiftShader).
    expect(w.blocks[0].fc1.storage).toBe(ctx.hasShaderF16 ? 'f16' : 'f32');
    const input = dinov2Golden('backbone/input');
    w.posGrid(4, 5); // cached by the weights, so made outside the leak check
    const { tokens, outs } = await expectNoLeak(ctx, async () => {
      const src = ctx.upload(input, [1, 3, 56, 70], 'input');
      const batch = ctx.batch('dinov2 blocks');
      let x: GpuTensor = dinov2TokensGpu(batch, w, src, 0);
      const reads = [batch.read(x)];
      for (const block of w.blocks) {
        const next = dinov2BlockGpu(batch, block, x);
        x.dispose();
        x = next;
        reads.push(batch.read(x));
      }
      await batch.submit();
      const all = await Promise.all(reads);
      x.dispose();
      src.dispose();
      return { tokens: all[0], outs: all.slice(1) };
    });
    const tokensIn = dinov2Golden('backbone/tokens_in');
    console.log(`[dinov2 golden] tokens_in: max |gpu − torch| ${maxAbsDiff(tokens, tokensIn).toExponential(2)}`);
    expectClose(tokens, tokensIn, GOLDEN_TOL, [25, 384], 'tokens_in');
    const block0 = dinov2Golden('backbone/block0/out');
    console.log(`[dinov2 golden] block 0 out: max |gpu − torch| ${maxAbsDiff(outs[0], block0).toExponential(2)}`);
    expectClose(outs[0], block0, GOLDEN_TOL, [25, 384], 'block 0 out');
    const all = dinov2Golden('backbone/block_outputs');
    const errs = outs.map((o, i) => maxAbsDiff(o, all.subarray(i * 25 * 384, (i + 1) * 25 * 384)));
    console.log(`[dinov2 golden] block outputs: max |gpu − torch| per block ${errs.map((e) => e.toExponential(1)).join(' ')}`);
    for (const [i, o] of outs.entries()) expectClose(o, all.subarray(i * 25 * 384, (i + 1) * 25 * 384), GOLDEN_TOL, [25, 384], `block ${i} out`);
  });

  const cases = [
    { what: 'backbone/input → backbone/x_norm_patchtokens', input: 'backbone/input', expected: 'backbone/x_norm_patchtokens', tokenMajor: true },
    { what: 'grey/model_input → grey/patch_features', input: 'grey/model_input', expected: 'grey/patch_features', tokenMajor: false },
    { what: 'rgb/model_input → rgb/patch_features', input: 'rgb/model_input', expected: 'rgb/patch_features', tokenMajor: false },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const ctx = gpu();
      const w = weights(ctx);
      const shape = dinov2GoldenShape(c.input);
      const [hp, wp] = [shape[2] / 14, shape[3] / 14];
      w.posGrid(hp, wp);
      const got = await expectNoLeak(ctx, async () => {
        const src = ctx.upload(dinov2Golden(c.input), shape, 'input');
        const batch = ctx.batch('dinov2');
        const out = dinov2PatchTokensGpu(batch, w, src);
        expect(out.shape).toEqual([1, 384, hp, wp]);
        const read = batch.read(out);
        await batch.submit();
        const data = await read;
        src.dispose();
        out.dispose();
        return data;
      });
      let expected = dinov2Golden(c.expected);
      if (c.tokenMajor) expected = transposeTokens(expected, hp * wp);
      console.log(`[dinov2 golden] ${c.what}: max |gpu − torch| ${maxAbsDiff(got, expected).toExponential(2)}`);
      expectClose(got, expected, GOLDEN_TOL, [384, hp, wp], c.what);
    });
  }

  it('two images in one batch give each image its own features; dispose is idempotent', async () => {
    const ctx = gpu();
    const w = weights(ctx);
    const a = dinov2Golden('backbone/input');
    const both = new Float32Array(2 * a.length);
    both.set(a);
    for (let i = 0; i < a.length; i++) both[a.length + i] = a[a.length - 1 - i];
    w.posGrid(4, 5);
    const got = await expectNoLeak(ctx, async () => {
      const src = ctx.upload(both, [2, 3, 56, 70], 'two images');
      const batch = ctx.batch('dinov2 ×2');
      const out = dinov2PatchTokensGpu(batch, w, src);
      const read = batch.read(out);
      await batch.submit();
      const data = await read;
      src.dispose();
      out.dispose();
      return data;
    });
    const expected = transposeTokens(dinov2Golden('backbone/x_norm_patchtokens'), 20);
    expectClose(got.subarray(0, 384 * 20), expected, GOLDEN_TOL, [384, 4, 5], 'image 0');
    expect(maxAbsDiff(got.subarray(384 * 20), expected)).toBeGreaterThan(0.1);
    w.dispose();
    w.dispose();
    uploaded = null;
  });
});
