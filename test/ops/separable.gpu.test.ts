import { describe, expect, it } from 'vitest';
import { derivativeOfGaussian, KernelPack, scipyGaussian } from '../../src/core/filter-kernels.js';
import type { Kernel1d } from '../../src/core/filter-kernels.js';
import { ILASTIK_SIGMAS } from '../../src/features/ilastik.js';
import { convolve1d, GpuKernelSet, MAX_FILTER_RADIUS } from '../../src/ops/separable.js';
import type { FilterAxis, FilterForm } from '../../src/ops/separable.js';
import * as ref from '../../src/reference/separable.js';
import { KernelDescriptorError } from '../../src/errors.js';
import { SIZES } from '../helpers/grid.js';
import { expectNoLeak, useGpu } from '../helpers/gpu.js';
import { randomFloats } from '../helpers/random.js';
import { expectClose } from '../helpers/tolerance.js';

const gpu = useGpu();

// The same products on both sides; the tiled form sums them in the reference's order, the sliding
// form from −radius to +radius, and a GPU may fuse multiply-adds: allow a few ulp of values of
// order one per term (the filters' tolerance in DESIGN.md).
const TOL = { atol: 1e-5, rtol: 1e-4 };

/** Every kernel the two filter banks use: orders 0–2 at each ilastik σ, the σ/2 Gaussians, scipy σ = 3. */
const KERNELS: Kernel1d[] = [
  ...ILASTIK_SIGMAS.flatMap((s) => [derivativeOfGaussian(0, s), derivativeOfGaussian(1, s), derivativeOfGaussian(2, s), derivativeOfGaussian(0, s / 2)]),
  scipyGaussian(3, 4),
];

type Case = { k: Kernel1d; axis: FilterAxis };
const ALL_CASES: Case[] = KERNELS.flatMap((k) => (['w', 'h'] as const).map((axis) => ({ k, axis })));
const WIDEST = KERNELS.reduce((a, b) => (b.radius > a.radius ? b : a));

/**
 * Runs `cases` on random [planes, h, w] stacks of every size in one batch (one submit: software
 * drivers pay per submit) and compares each output with the reference.
 */
async function compareCases(sizes: ReadonlyArray<readonly [number, number]>, planes: number, casesFor: (i: number) => readonly Case[], set: GpuKernelSet, seed: number, form: FilterForm): Promise<void> {
  const ctx = gpu();
  const batch = ctx.batch('separable');
  const inputs = sizes.map(([h, w], i) => {
    const shape = [planes, h, w];
    const data = randomFloats(planes * h * w, seed + i);
    return { shape, data, src: ctx.upload(data, shape, `src ${h}x${w}`) };
  });
  const runs = inputs.flatMap((input, i) =>
    casesFor(i).map((c) => {
      const out = convolve1d(batch, input.src, set.ref(ctx, c.k), c.axis, { form });
      return { ...c, input, out, result: batch.read(out) };
    }),
  );
  await batch.submit();
  for (const r of runs) {
    const { data, shape } = r.input;
    const expected = ref.convolve1d({ data, shape }, r.k, r.axis);
    expect(r.out.shape).toEqual(shape);
    expectClose(await r.result, expected.data, TOL, shape, `${form}: ${r.k.label} along ${r.axis} on ${shape[1]}×${shape[2]}`);
    r.out.dispose();
  }
  for (const input of inputs) input.src.dispose();
}

const FORMS: FilterForm[] = ['tiled', 'sliding'];

describe.each(FORMS)('separable (%s form): GPU vs CPU reference', (form) => {
  // Software Vulkan is slow per tap (SwiftShader ~10 M taps/s), so the full kernel set runs on
  // small and odd sizes, and the size grid on a rotating subset plus the widest kernel.
  it(`every bank kernel (${KERNELS.length}, radius up to ${MAX_FILTER_RADIUS}) along both axes on sizes 1, 2, 7, 31 and 37×53: images smaller than the kernel reflect repeatedly`, async () => {
    const ctx = gpu();
    expect(WIDEST.radius).toBe(MAX_FILTER_RADIUS);
    const set = new GpuKernelSet(KERNELS, 'test');
    await expectNoLeak(ctx, async () => {
      const pairs: Array<[number, number]> = [[37, 53]];
      for (const h of [1, 2, 7, 31]) for (const w of [1, 2, 7, 31]) pairs.push([h, w]);
      await compareCases(pairs, 2, () => ALL_CASES, set, 1, form);
      set.dispose();
    });
  });

  it(`sizes ${SIZES.join(', ')} in every combination: the widest kernel and a rotating pair of the others`, async () => {
    const ctx = gpu();
    const set = new GpuKernelSet(KERNELS, 'test');
    await expectNoLeak(ctx, async () => {
      const pairs: Array<[number, number]> = [];
      for (const h of SIZES) for (const w of SIZES) pairs.push([h, w]);
      const casesFor = (i: number): Case[] => [
        { k: WIDEST, axis: i % 2 === 0 ? 'w' : 'h' },
        ALL_CASES[(2 * i) % ALL_CASES.length],
        ALL_CASES[(2 * i + 1) % ALL_CASES.length],
      ];
      expect(2 * pairs.length).toBeGreaterThanOrEqual(ALL_CASES.length); // every kernel and axis at some size
      await compareCases(pairs, 1, casesFor, set, 100, form);
      set.dispose();
    });
  });

  it('reads and writes plane ranges at offsets and strides (a slot of a feature stack)', async () => {
    const ctx = gpu();
    const k = derivativeOfGaussian(1, 1.6);
    const pack = new KernelPack();
    pack.add(derivativeOfGaussian(0, 1)); // k sits at a non-zero offset
    const offset = pack.add(k);
    const [h, w] = [13, 21];
    const plane = h * w;
    // source: planes 1 and 3 of a 4-plane stack; destination: slot 2 of 5 maps for 2 images
    const data = randomFloats(4 * plane, 7);
    await expectNoLeak(ctx, async () => {
      const taps = ctx.upload(pack.data(), [pack.data().length], 'taps');
      const src = ctx.upload(data, [4, h, w], 'src');
      const batch = ctx.batch('strided');
      const dst = batch.tensor([2, 5, h, w], 'stack');
      convolve1d(batch, src, { taps, offset, radius: k.radius, symmetric: k.symmetric }, 'h', {
        form,
        planes: 2,
        srcOffset: plane,
        srcPlaneStride: 2 * plane,
        dst: { tensor: dst, offset: 2 * plane, stride: 5 * plane },
      });
      const got = [batch.read(dst, 2 * plane, plane), batch.read(dst, 7 * plane, plane)];
      await batch.submit();
      for (const [i, srcPlane] of [1, 3].entries()) {
        const one = { data: data.slice(srcPlane * plane, (srcPlane + 1) * plane), shape: [h, w] };
        expectClose(await got[i], ref.convolve1d(one, k, 'h').data, TOL, [h, w], `image ${i}`);
      }
      for (const t of [taps, src, dst]) t.dispose();
    });
  });

  it('the first derivative of a ramp is its slope, the second derivative of x² is 2 (away from borders)', async () => {
    const ctx = gpu();
    const [h, w] = [9, 120];
    const ramp = new Float32Array(h * w);
    const square = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        ramp[y * w + x] = 0.75 * x - 3;
        square[y * w + x] = ((x - 60) / 4) ** 2;
      }
    }
    const d1 = derivativeOfGaussian(1, 10);
    const d2 = derivativeOfGaussian(2, 5);
    const set = new GpuKernelSet([d1, d2], 'analytic');
    await expectNoLeak(ctx, async () => {
      const a = ctx.upload(ramp, [h, w], 'ramp');
      const b = ctx.upload(square, [h, w], 'square');
      const batch = ctx.batch('analytic');
      const slope = convolve1d(batch, a, set.ref(ctx, d1), 'w', { form });
      const curvature = convolve1d(batch, b, set.ref(ctx, d2), 'w', { form });
      const [rs, rc] = [batch.read(slope), batch.read(curvature)];
      await batch.submit();
      const s = await rs;
      const c = await rc;
      for (let y = 0; y < h; y++) {
        for (let x = d1.radius; x < w - d1.radius; x++) expect(Math.abs(s[y * w + x] - 0.75)).toBeLessThan(1e-4);
        // d²/dx² of ((x − 60)/4)² = 2/16
        for (let x = d2.radius; x < w - d2.radius; x++) expect(Math.abs(c[y * w + x] - 0.125)).toBeLessThan(1e-4);
      }
      for (const t of [a, b, slope, curvature]) t.dispose();
      set.dispose();
    });
  });

  it('refuses kernels wider than MAX_RADIUS and writing onto its own source', () => {
    const ctx = gpu();
    const taps = ctx.upload(new Float32Array(64), [64], 'taps');
    const src = ctx.upload(new Float32Array(16), [4, 4], 'src');
    const batch = ctx.batch('errors');
    expect(() => convolve1d(batch, src, { taps, offset: 0, radius: 41, symmetric: true }, 'w')).toThrow(KernelDescriptorError);
    expect(() => convolve1d(batch, src, { taps, offset: 60, radius: 10, symmetric: true }, 'w')).toThrow(/outside/);
    expect(() => convolve1d(batch, src, { taps, offset: 0, radius: 2, symmetric: true }, 'h', { dst: { tensor: src } })).toThrow(/different tensors/);
    taps.dispose();
    src.dispose();
  });
});
