import { describe, expect, it } from 'vitest';
import { attentionChunk, selfAttention } from '../../src/ops/attention.js';
import type { AttentionForm } from '../../src/ops/attention.js';
import * as ref from '../../src/reference/attention.js';
import { ShapeError } from '../../src/errors.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import type { Tolerance } from '../helpers/tolerance.js';
import { dinov2Golden, maxAbsDiff } from '../features/dinov2-golden.js';

const gpu = useGpu();
const gpuWithoutSubgroups = useGpu({ features: { subgroups: false } });

/**
 * The reference works in float64; the kernel's scores are f32 dots of 64 products, its softmax
 * rescales the running sums once per 4 keys. Outputs are convex combinations of v (|v| < 2 here),
 * so errors stay a few ulp of order-one values: 2e-6 absolute, 1e-5 relative.
 */
const TOL: Tolerance = { atol: 2e-6, rtol: 1e-5 };

/**
 * The forms under test: online; chunked in one chunk; chunked with a budget of 16 queries per
 * chunk, so that several chunks (and a partial last one) write their rows of the output; the
 * chunked form's subgroup kernels likewise (both software drivers have subgroups; a device
 * without them refuses that form, tested below).
 */
const FORMS: ReadonlyArray<{ form: AttentionForm; chunkQueries: number | null }> = [
  { form: 'online', chunkQueries: null },
  { form: 'chunked', chunkQueries: null },
  { form: 'chunked', chunkQueries: 16 },
  { form: 'chunked-subgroup', chunkQueries: null },
  { form: 'chunked-subgroup', chunkQueries: 16 },
];

async function gpuAttention(ctx: GpuContext, qkv: Float32Array, n: number, heads: number, form: AttentionForm = 'online', chunkQueries: number | null = null): Promise<Float32Array> {
  return expectNoLeak(ctx, async () => {
    const src = ctx.upload(qkv, [n, 3 * heads * 64], 'qkv');
    const batch = ctx.batch('attention test');
    const budget = chunkQueries === null ? undefined : chunkQueries * heads * n;
    const out = selfAttention(batch, src, heads, 1 / 8, undefined, form, budget);
    const read = batch.read(out);
    await batch.submit();
    expect(out.shape).toEqual([n, heads * 64]);
    const got = await read;
    src.dispose();
    out.dispose();
    return got;
  });
}

describe('selfAttention: GPU vs CPU reference, random data', () => {
  // Tokens: 1, fewer than a 4-key block, not a multiple of 4, across the 64-query workgroup.
  const cases = [
    { n: 1, heads: 1, spread: 1 },
    { n: 3, heads: 2, spread: 1 },
    { n: 25, heads: 6, spread: 1 },
    { n: 70, heads: 3, spread: 1 },
    // Large scores (|q·k|·scale up to ~100): the online softmax must not overflow.
    { n: 37, heads: 1, spread: 4 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`${c.n} tokens, ${c.heads} heads, values in ±${c.spread}: every form`, async () => {
      const qkv = randomFloats(c.n * 3 * c.heads * 64, 700 + i, -c.spread, c.spread);
      const expected = ref.selfAttention(qkv, c.n, c.heads, 64);
      const results = new Map<string, Float32Array>();
      for (const f of FORMS) {
        const got = await gpuAttention(gpu(), qkv, c.n, c.heads, f.form, f.chunkQueries);
        expectClose(got, expected, { atol: TOL.atol * c.spread, rtol: TOL.rtol }, [c.n, c.heads * 64], `attention ${f.form} ${f.chunkQueries ?? 'one chunk'}`);
        results.set(`${f.form}/${f.chunkQueries}`, got);
      }
      // The subgroup kernels compute the same products in the same order as the plain chunked ones.
      expect(Array.from(results.get('chunked-subgroup/null')!)).toEqual(Array.from(results.get('chunked/null')!));
      expect(Array.from(results.get('chunked-subgroup/16')!)).toEqual(Array.from(results.get('chunked/16')!));
    });
  }

  it('a device without subgroups refuses the chunked-subgroup form', () => {
    const ctx = gpuWithoutSubgroups();
    const src = ctx.upload(new Float32Array(3 * 64), [1, 192], 'qkv');
    expect(() => selfAttention(ctx.batch('refused'), src, 1, 1 / 8, undefined, 'chunked-subgroup')).toThrow(/needs a device with the "subgroups" feature/);
    src.dispose();
  });

  it('chunks hold whole 8-query blocks, at least one, at most the tokens rounded up', () => {
    expect(attentionChunk(1374, 6)).toBe(1016);
    expect(attentionChunk(25, 6)).toBe(32);
    expect(attentionChunk(100000, 6)).toBe(8);
    expect(attentionChunk(70, 3, 16 * 3 * 70)).toBe(16);
  });

  it('identical keys give the mean of the values; one token gives its own value', async () => {
    const n = 6;
    const qkv = randomFloats(n * 192, 77);
    for (let j = 1; j < n; j++) qkv.copyWithin(j * 192 + 64, 64, 128); // every k = k₀
    const got = await gpuAttention(gpu(), qkv, n, 1);
    const mean = new Float32Array(64);
    for (let j = 0; j < n; j++) for (let t = 0; t < 64; t++) mean[t] += qkv[j * 192 + 128 + t] / n;
    for (let i = 0; i < n; i++) expectClose(got.subarray(i * 64, i * 64 + 64), mean, { atol: 1e-6, rtol: 1e-5 }, [64], `query ${i}`);
    const one = await gpuAttention(gpu(), qkv.subarray(0, 192), 1, 1);
    expectClose(one, qkv.subarray(128, 192), { atol: 1e-7, rtol: 0 }, [64], 'single token');
  });

  it('rejects a qkv of the wrong width with ShapeError', () => {
    const ctx = gpu();
    const t = ctx.upload(new Float32Array(2 * 100), [2, 100], 'bad qkv');
    expect(() => selfAttention(ctx.batch('bad'), t, 1)).toThrow(ShapeError);
    t.dispose();
  });
});

describe('selfAttention: DINOv2 block 0 (golden data)', () => {
  it('qkv → attn_context (25 tokens, 6 heads)', async () => {
    const qkv = dinov2Golden('backbone/block0/qkv');
    const expected = dinov2Golden('backbone/block0/attn_context');
    const cpu = ref.selfAttention(qkv, 25, 6, 64);
    for (const f of FORMS) {
      const got = await gpuAttention(gpu(), qkv, 25, 6, f.form, f.chunkQueries);
      console.log(`[attention golden] ${f.form} ${f.chunkQueries ?? 'one chunk'}: max |gpu − torch| ${maxAbsDiff(got, expected).toExponential(2)}, max |gpu − cpu| ${maxAbsDiff(got, cpu).toExponential(2)}`);
      expectClose(got, cpu, TOL, [25, 384], 'vs CPU');
      // PyTorch float32 (its own order of sums): the same few-ulp budget.
      expectClose(got, expected, { atol: 1e-5, rtol: 0 }, [25, 384], 'vs PyTorch');
    }
  });
});
