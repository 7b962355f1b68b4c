import { describe, expect, it } from 'vitest';
import { exactInF16, linear, linearRowsPerThread, packLinearWeights, uploadLinearWeights } from '../../src/ops/linear.js';
import type { WeightStorage } from '../../src/ops/linear.js';
import { decodeFloat16, encodeFloat16 } from '../../src/io/half-float.js';
import type { GpuLinearEpilogue, LinearForm } from '../../src/ops/linear.js';
import * as ref from '../../src/reference/linear.js';
import type { LinearEpilogue } from '../../src/reference/linear.js';
import { ShapeError } from '../../src/errors.js';
import type { GpuContext } from '../../src/gpu/context.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';
import type { Tolerance } from '../helpers/tolerance.js';
import { dinov2Golden, dinov2TestWeights, maxAbsDiff } from '../features/dinov2-golden.js';

const gpu = useGpu();
/** The same adapter without subgroups and f16: what a device lacking them runs. */
const gpuWithoutSubgroups = useGpu({ features: { subgroups: false, shaderF16: false } });

/**
 * Same products, same k order; the GPU may fuse multiply-adds. A sum of K products of values in
 * [-1, 1) has a rounding error growing like √K: f32 epsilon times a generous factor, scaled so
 * (as conv3x3's). GELU and the residual add a few ulp of order-one values on top.
 */
function linearTolerance(k: number): Tolerance {
  return { atol: 1e-6 * Math.sqrt(k), rtol: 1e-4 };
}

type Kind = LinearEpilogue['kind'];

interface Case {
  m: number;
  k: number;
  n: number;
  kind: Kind;
}

// M below, at and across the 8-row block (1, 7, 8, 25, 33); N not a multiple of the 4-column
// block (1, 5, 70, 130) and across the 256-column workgroup (300); K odd, small and the model's
// sizes (384, 588).
const CASES: Case[] = [
  { m: 1, k: 1, n: 1, kind: 'none' },
  { m: 7, k: 13, n: 5, kind: 'gelu' },
  { m: 8, k: 64, n: 64, kind: 'residual' },
  { m: 25, k: 384, n: 70, kind: 'none' },
  { m: 33, k: 588, n: 130, kind: 'gelu' },
  { m: 57, k: 96, n: 300, kind: 'residual' },
];

interface Operands {
  x: Float32Array;
  m: number;
  k: number;
  weight: Float32Array;
  n: number;
  bias: Float32Array;
  kind: Kind;
  residual?: Float32Array;
  gamma?: Float32Array;
}

/** Runs the GPU linear on host operands; returns its output. */
async function gpuLinear(ctx: GpuContext, o: Operands, form: LinearForm = 'auto', storage: 'auto' | WeightStorage = 'auto'): Promise<Float32Array> {
  return expectNoLeak(ctx, async () => {
    const layer = uploadLinearWeights(ctx, o.weight, o.bias, o.n, o.k, 'layer', storage);
    if (storage !== 'auto') expect(layer.storage).toBe(storage);
    const x = ctx.upload(o.x, [o.m, o.k], 'x');
    const extra: Array<{ dispose(): void }> = [x, layer];
    let epilogue: GpuLinearEpilogue = { kind: o.kind === 'gelu' ? 'gelu' : 'none' };
    if (o.kind === 'residual') {
      const residual = ctx.upload(o.residual!, [o.m, o.n], 'residual');
      const gamma = ctx.upload(o.gamma!, [o.n], 'gamma');
      extra.push(residual, gamma);
      epilogue = { kind: 'residual', residual, gamma };
    }
    const batch = ctx.batch('linear test');
    const y = linear(batch, x, layer, epilogue, undefined, form);
    const out = batch.read(y);
    await batch.submit();
    expect(y.shape).toEqual([o.m, o.n]);
    const got = await out;
    y.dispose();
    for (const t of extra) t.dispose();
    return got;
  });
}

function cpuLinear(o: Operands): Float32Array {
  const epilogue: LinearEpilogue = o.kind === 'residual' ? { kind: 'residual', residual: o.residual!, gamma: o.gamma! } : { kind: o.kind };
  return ref.linear(o.x, o.m, o.k, o.weight, o.n, o.bias, epilogue);
}

describe('linear: GPU vs CPU reference, random data', () => {
  it('a device without subgroups refuses the subgroup form and runs the plain one by default', async () => {
    const ctx = gpuWithoutSubgroups();
    expect(ctx.hasSubgroups).toBe(false);
    const layer = uploadLinearWeights(ctx, new Float32Array([2]), new Float32Array([1]), 1, 1, 'l');
    const x = ctx.upload(new Float32Array([3]), [1, 1], 'x');
    expect(() => linear(ctx.batch('refused'), x, layer, { kind: 'none' }, undefined, 'subgroup')).toThrow(/needs a device with the "subgroups" feature/);
    const batch = ctx.batch('plain');
    const y = linear(batch, x, layer);
    const out = batch.read(y);
    await batch.submit();
    expect(Array.from(await out)).toEqual([7]);
    [x, y, layer].forEach((t) => t.dispose());
  });

  it('f16 storage of exact-f16 weights gives the f32 storage\'s results bit for bit, in both forms; other weights stay f32', async () => {
    const ctx = gpu();
    const c = { m: 33, k: 96, n: 70 };
    const o: Operands = {
      ...c,
      kind: 'gelu',
      x: randomFloats(c.m * c.k, 900),
      weight: decodeFloat16(encodeFloat16(randomFloats(c.n * c.k, 901))),
      bias: randomFloats(c.n, 902),
    };
    expect(exactInF16(o.weight)).toBe(true);
    const f32 = await gpuLinear(ctx, o, 'plain', 'f32');
    expectClose(f32, cpuLinear(o), linearTolerance(c.k), [c.m, c.n], 'f32 storage');
    if (ctx.hasShaderF16) {
      for (const form of ['plain', ...(ctx.hasSubgroups ? ['subgroup' as const] : [])] as const) {
        expect(Array.from(await gpuLinear(ctx, o, form, 'f16'))).toEqual(Array.from(f32));
      }
      const auto = uploadLinearWeights(ctx, o.weight, o.bias, c.n, c.k, 'auto');
      expect(auto.storage).toBe('f16');
      expect(auto.weight.size).toBe((c.k * 72) / 2);
      auto.dispose();
    } else {
      expect(() => uploadLinearWeights(ctx, o.weight, o.bias, c.n, c.k, 'refused', 'f16')).toThrow(/needs a device with the "shader-f16" feature/);
    }
    // Weights that are not f16 values are never stored as f16 (that would change the results).
    const f32Weights = randomFloats(c.n * c.k, 903);
    expect(exactInF16(f32Weights)).toBe(false);
    const kept = uploadLinearWeights(ctx, f32Weights, o.bias, c.n, c.k, 'kept');
    expect(kept.storage).toBe('f32');
    kept.dispose();
    if (ctx.hasShaderF16) expect(() => uploadLinearWeights(ctx, f32Weights, o.bias, c.n, c.k, 'lossy', 'f16')).toThrow(/not exact f16 values/);
  });

  it('a device without shader-f16 stores every layer as f32', () => {
    const ctx = gpuWithoutSubgroups();
    expect(ctx.hasShaderF16).toBe(false);
    const layer = uploadLinearWeights(ctx, new Float32Array([0.5, 1, -2, 4]), new Float32Array(2), 2, 2, 'f16 values');
    expect(layer.storage).toBe('f32');
    layer.dispose();
  });

  for (const [i, c] of CASES.entries()) {
    it(`M ${c.m}, K ${c.k}, N ${c.n}, epilogue ${c.kind}; both forms, which agree exactly`, async () => {
      const seed = 500 + 10 * i;
      const o: Operands = {
        ...c,
        x: randomFloats(c.m * c.k, seed),
        weight: randomFloats(c.n * c.k, seed + 1),
        bias: randomFloats(c.n, seed + 2),
        residual: randomFloats(c.m * c.n, seed + 3, -4, 4),
        gamma: randomFloats(c.n, seed + 4, 0.1, 1),
      };
      const got = await gpuLinear(gpu(), o, 'plain');
      expectClose(got, cpuLinear(o), linearTolerance(c.k), [c.m, c.n], `linear ${c.kind}`);
      if (gpu().hasSubgroups) {
        // Same products, same k order: the subgroup form's sums are the plain form's, bit for bit.
        const shared = await gpuLinear(gpu(), o, 'subgroup');
        expect(Array.from(shared)).toEqual(Array.from(got));
      }
    });
  }
});

/**
 * Block 0 of the golden DINOv2 run (seeded weights, PyTorch f32): each linear of the block from
 * its golden input. Against PyTorch, which sums in another order, the tolerance is absolute:
 * values are of order one, K ≤ 1536, so f32 rounding stays near √K·ε ≈ 5e-6; 2e-5 leaves room and
 * is still 10× below the backbone's 2e-4 budget.
 */
describe('linear: DINOv2 block 0 (golden data)', () => {
  const GOLDEN_TOL: Tolerance = { atol: 2e-5, rtol: 0 };
  const g = (name: string) => dinov2Golden(`backbone/block0/${name}`);
  const rows = 25;

  const layers: Array<{ what: string; operands: () => Operands; expected: string }> = [
    {
      what: 'qkv (norm1 → qkv)',
      operands: () => {
        const b = dinov2TestWeights().blocks[0];
        return { x: g('norm1'), m: rows, k: 384, weight: b.qkvWeight, n: 1152, bias: b.qkvBias, kind: 'none' };
      },
      expected: 'qkv',
    },
    {
      what: 'proj + LayerScale residual (attn_context → after_attn_residual)',
      operands: () => {
        const b = dinov2TestWeights().blocks[0];
        return { x: g('attn_context'), m: rows, k: 384, weight: b.projWeight, n: 384, bias: b.projBias, kind: 'residual', residual: dinov2Golden('backbone/tokens_in'), gamma: b.ls1 };
      },
      expected: 'after_attn_residual',
    },
    {
      what: 'fc1 + GELU (norm2 → gelu)',
      operands: () => {
        const b = dinov2TestWeights().blocks[0];
        return { x: g('norm2'), m: rows, k: 384, weight: b.fc1Weight, n: 1536, bias: b.fc1Bias, kind: 'gelu' };
      },
      expected: 'gelu',
    },
    {
      what: 'fc2 + LayerScale residual (gelu → out)',
      operands: () => {
        const b = dinov2TestWeights().blocks[0];
        return { x: g('gelu'), m: rows, k: 1536, weight: b.fc2Weight, n: 384, bias: b.fc2Bias, kind: 'residual', residual: g('after_attn_residual'), gamma: b.ls2 };
      },
      expected: 'out',
    },
  ];

  for (const l of layers) {
    it(l.what, async () => {
      const o = l.operands();
      const got = await gpuLinear(gpu(), o);
      const cpu = cpuLinear(o);
      const expected = g(l.expected);
      console.log(`[linear golden] ${l.what}: max |gpu − torch| ${maxAbsDiff(got, expected).toExponential(2)}, max |gpu − cpu| ${maxAbsDiff(got, cpu).toExponential(2)}`);
      expectClose(got, cpu, linearTolerance(o.k), [o.m, o.n], `${l.what} vs CPU`);
      expectClose(got, expected, GOLDEN_TOL, [o.m, o.n], `${l.what} vs PyTorch`);
    });
  }
});

describe('linear: analytic cases and validation', () => {
  it('an identity weight copies x (plus bias) exactly; GELU of 0 is 0', async () => {
    const m = 9;
    const n = 6;
    const weight = new Float32Array(n * n);
    for (let i = 0; i < n; i++) weight[i * n + i] = 1;
    const x = Float32Array.from({ length: m * n }, (_, i) => i - 20);
    const bias = new Float32Array(n).fill(0.5);
    const got = await gpuLinear(gpu(), { x, m, k: n, weight, n, bias, kind: 'none' });
    expect(Array.from(got)).toEqual(Array.from(x, (v) => v + 0.5));
    const zeros = await gpuLinear(gpu(), { x: new Float32Array(m * n), m, k: n, weight, n, bias: new Float32Array(n), kind: 'gelu' });
    expect(Math.max(...zeros.map(Math.abs))).toBeLessThan(1e-8);
  });

  it('packs [N, K] into [K, N] padded to whole vec4s', () => {
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]); // N 2, K 3
    expect(Array.from(packLinearWeights(w, 2, 3))).toEqual([1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0, 0]);
    expect(linearRowsPerThread()).toBe(8);
  });

  it('rejects mismatched shapes with ShapeError', () => {
    const ctx = gpu();
    expect(() => uploadLinearWeights(ctx, new Float32Array(5), new Float32Array(2), 2, 3, 'bad')).toThrow(ShapeError);
    const layer = uploadLinearWeights(ctx, new Float32Array(6), new Float32Array(2), 2, 3, 'ok');
    const x = ctx.upload(new Float32Array(8), [2, 4], 'x');
    const batch = ctx.batch('bad');
    expect(() => linear(batch, x, layer)).toThrow(/4 features but the layer expects 3/);
    x.dispose();
    layer.dispose();
  });
});
