/**
 * The filter-bank extractors on the CPU reference path: registry entries, the reference tool's
 * golden features, analytic cases and the channel order. (GPU agreement: filter-banks.gpu.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { featureImageCpu } from '../../src/features/feature-image.js';
import { derivativeOfGaussian, fullTaps } from '../../src/core/filter-kernels.js';
import { GAUSSIAN_FE_PADDING } from '../../src/features/gaussian.js';
import { ILASTIK_PADDING, ILASTIK_SIGMAS, ilastikFeatureIndex, ilastikFeatureNames } from '../../src/features/ilastik.js';
import type { PyramidOptions } from '../../src/features/plan.js';
import { createExtractor, extractorNames, getExtractorEntry } from '../../src/features/registry.js';
import type { Planar } from '../../src/reference/planar.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { compareChannels, ilastikEigenPartners, loadFilterGolden } from './filter-banks-golden.js';

const opts = (channelMode: PyramidOptions['channelMode']): PyramidOptions => ({ scalings: [1], order: 0, useMinFeatures: false, channelMode });

describe('registry entries and extractor properties', () => {
  it('gaussian_features and ilastik_2d are registered with the reference defaults', async () => {
    expect(extractorNames()).toEqual(expect.arrayContaining(['gaussian_features', 'ilastik_2d']));
    for (const name of ['gaussian_features', 'ilastik_2d']) {
      const entry = getExtractorEntry(name);
      expect(entry.layerKeys).toBeNull();
      expect(entry.defaultParams()).toEqual({
        fe_name: name,
        fe_layers: null,
        fe_scalings: [1],
        fe_order: 0,
        fe_use_min_features: false,
        tile_annotations: true,
        tile_image: false,
      });
    }
    const gauss = await createExtractor('gaussian_features');
    const ilastik = await createExtractor('ilastik_2d');
    expect([gauss.padding, gauss.patchSize, gauss.featuresPerLayer, gauss.normMode, gauss.inputChannels, gauss.rgbInput]).toEqual([12, 1, [1], 'default', [1], false]);
    expect([ilastik.padding, ilastik.patchSize, ilastik.featuresPerLayer, ilastik.normMode, ilastik.inputChannels, ilastik.rgbInput]).toEqual([48, 1, [56], 'default', [1], false]);
    expect(ilastik.defaultParams()).toEqual(getExtractorEntry('ilastik_2d').defaultParams());
    expect(GAUSSIAN_FE_PADDING).toBe(12);
    expect(ILASTIK_PADDING).toBe(48);
    gauss.dispose();
    ilastik.dispose();
    ilastik.dispose(); // idempotent
  });

  it('ilastik maps are filter-major, eigenvalue pairs (larger, smaller) per σ', () => {
    const names = ilastikFeatureNames();
    expect(names).toHaveLength(56);
    expect(names[0]).toBe('gaussian_smoothing σ=0.3');
    expect(names[13]).toBe('laplacian_of_gaussian σ=10');
    expect(names[14]).toBe('gaussian_gradient_magnitude σ=0.3');
    expect(names[27]).toBe('difference_of_gaussians σ=10');
    expect(names[28]).toBe('structure_tensor_eigenvalues σ=0.3 (larger)');
    expect(names[31]).toBe('structure_tensor_eigenvalues σ=0.7 (smaller)');
    expect(names[55]).toBe('hessian_of_gaussian_eigenvalues σ=10 (smaller)');
    expect(ilastikFeatureIndex(5, 6, 1)).toBe(55);
    expect(ilastikFeatureIndex(3, 2)).toBe(23);
  });

  it('rejects inputs that are not [N, 1, H, W]', async () => {
    const fe = await createExtractor('ilastik_2d');
    expect(() => fe.extractCpu({ data: new Float32Array(2 * 16), shape: [1, 2, 4, 4] })).toThrow(/\[N, 1, H, W\]/);
  });
});

describe('gaussian_features vs the reference tool (CPU reference path)', () => {
  // Tolerance 1e-4 of the feature range: scipy filters in float64, we in float32 (≈ 1e-7).
  for (const file of ['gaussian_gray2d', 'gaussian_stack3d', 'gaussian_rgb_e2e']) {
    it(`${file}: normalise → pad 12 → filter → crop`, async () => {
      const g = loadFilterGolden(file);
      const fe = await createExtractor(g.feName);
      const out = featureImageCpu(fe, { data: g.image, shape: g.shape }, opts(g.channelMode));
      expect(out.data.length).toBe(g.features.length);
      const channels = out.shape[0] * out.shape[1];
      const r = compareChannels(out.data, g.features, channels, 1e-4);
      expect(r.failures).toEqual([]);
      expect(r.worst).toBeLessThan(1e-5);
    });
  }

  it('a z stack gives, plane by plane, exactly the single-plane results', async () => {
    const g = loadFilterGolden('gaussian_stack3d');
    expect(g.shape).toEqual([1, 3, 303, 384]);
    const fe = await createExtractor('gaussian_features');
    const stack = featureImageCpu(fe, { data: g.image, shape: g.shape }, opts('single'));
    expect(stack.shape).toEqual([1, 3, 303, 384]);
    const plane = 303 * 384;
    for (let z = 0; z < 3; z++) {
      const one = featureImageCpu(fe, { data: g.image.slice(z * plane, (z + 1) * plane), shape: [1, 1, 303, 384] }, opts('single'));
      expectClose(stack.data.subarray(z * plane, (z + 1) * plane), one.data, EXACT, [303, 384], `plane ${z}`);
    }
  });
});

describe('ilastik_2d vs the reference tool (CPU reference path)', () => {
  // 1e-3 of each channel's range, channel by channel (plus 4 ulp of the larger eigenvalue for
  // smaller eigenvalues, see compareChannels). Measured: ≤ 3e-6 except that rounding-noise channel.
  for (const file of ['ilastik_gray_crop', 'ilastik_rgb_crop', 'ilastik_tiny_gray']) {
    it(`${file}: normalise → pad 48 → 56 maps per channel → crop`, async () => {
      const g = loadFilterGolden(file);
      const fe = await createExtractor(g.feName);
      const out = featureImageCpu(fe, { data: g.image, shape: g.shape }, opts(g.channelMode));
      const series = g.channelMode === 'rgb' ? 3 : 1;
      expect(out.shape).toEqual([56 * series, 1, g.shape[2], g.shape[3]]);
      const r = compareChannels(out.data, g.features, 56 * series, 1e-3, ilastikEigenPartners(series));
      expect(r.failures).toEqual([]);
      const noise = new Set(ilastikEigenPartners(series).keys());
      const clean = r.perChannel.filter((_, c) => !noise.has(c));
      expect(Math.max(...clean)).toBeLessThan(1e-4);
    });
  }
});

/** Values of a [1, 1, n, n] image from f(x, y) (x = column, y = row). */
function imageOf(n: number, f: (x: number, y: number) => number): Planar {
  const data = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[y * n + x] = f(x, y);
  return { data, shape: [1, 1, n, n] };
}

/** Max |map − expected| over the interior [m, n − m)² of map `f`. */
function interiorError(maps: Planar, f: number, n: number, m: number, expected: (x: number, y: number) => number): number {
  let worst = 0;
  for (let y = m; y < n - m; y++) {
    for (let x = m; x < n - m; x++) worst = Math.max(worst, Math.abs(maps.data[(f * n + y) * n + x] - expected(x, y)));
  }
  return worst;
}

describe('ilastik_2d analytic cases (CPU reference, interior away from the borders)', () => {
  // The widest reach is the structure tensor at σ = 10: 35 + 15 = 50 px.
  const N = 112;
  const M = 50;

  it('a constant lights up the Gaussians only (= the constant), everything else is 0', async () => {
    const fe = await createExtractor('ilastik_2d');
    const [maps] = fe.extractCpu(imageOf(N, () => 2.5));
    for (let f = 0; f < 56; f++) {
      // reflect borders keep a constant constant: checked on the whole image
      const err = interiorError(maps, f, N, 0, () => (f < 7 ? 2.5 : 0));
      expect(err, ilastikFeatureNames()[f]).toBeLessThan(1e-5);
    }
  });

  it('a plane a·x + b·y: Gaussian keeps it, gradient magnitude = |(a, b)|, structure tensor (a² + b², 0); LoG, DoG, Hessian 0', async () => {
    const [a, b] = [0.3, -0.4];
    const fe = await createExtractor('ilastik_2d');
    const plane = (x: number, y: number) => a * (x - N / 2) + b * (y - N / 2);
    const [maps] = fe.extractCpu(imageOf(N, plane));
    const names = ilastikFeatureNames();
    for (let i = 0; i < 7; i++) {
      const expect0 = (f: number, e: (x: number, y: number) => number, tol: number) => expect(interiorError(maps, f, N, M, e), names[f]).toBeLessThan(tol);
      expect0(ilastikFeatureIndex(0, i), plane, 2e-5);
      expect0(ilastikFeatureIndex(1, i), () => 0, 2e-5);
      expect0(ilastikFeatureIndex(2, i), () => 0.5, 2e-5);
      expect0(ilastikFeatureIndex(3, i), () => 0, 2e-5);
      expect0(ilastikFeatureIndex(4, i, 0), () => 0.25, 2e-5);
      expect0(ilastikFeatureIndex(4, i, 1), () => 0, 2e-5);
      expect0(ilastikFeatureIndex(5, i, 0), () => 0, 2e-5);
      expect0(ilastikFeatureIndex(5, i, 1), () => 0, 2e-5);
    }
  });

  it('a·x² + c·y²: LoG = 2a + 2c, Hessian eigenvalues (2a, 2c), DoG = (a + c)·(m₂(σ) − m₂(σ/2))', async () => {
    const [a, c] = [0.02, -0.005];
    const fe = await createExtractor('ilastik_2d');
    const q = (x: number, y: number) => a * (x - N / 2) ** 2 + c * (y - N / 2) ** 2;
    const [maps] = fe.extractCpu(imageOf(N, q));
    const names = ilastikFeatureNames();
    // second moment Σ g(k)·k² of the discrete Gaussian (what smoothing adds to x²)
    const m2 = (s: number) => {
      const k = derivativeOfGaussian(0, s);
      const t = fullTaps(k);
      return t.reduce((acc, v, j) => acc + v * (j - k.radius) ** 2, 0);
    };
    // values reach ~40, so float32 sums over up to 81 taps carry ~1e-5 absolute error
    ILASTIK_SIGMAS.forEach((s, i) => {
      expect(interiorError(maps, ilastikFeatureIndex(1, i), N, M, () => 2 * a + 2 * c), names[ilastikFeatureIndex(1, i)]).toBeLessThan(1e-4);
      expect(interiorError(maps, ilastikFeatureIndex(5, i, 0), N, M, () => 2 * a), names[ilastikFeatureIndex(5, i, 0)]).toBeLessThan(1e-4);
      expect(interiorError(maps, ilastikFeatureIndex(5, i, 1), N, M, () => 2 * c), names[ilastikFeatureIndex(5, i, 1)]).toBeLessThan(1e-4);
      const dog = (a + c) * (m2(s) - m2(s / 2));
      expect(interiorError(maps, ilastikFeatureIndex(3, i), N, M, () => dog), names[ilastikFeatureIndex(3, i)]).toBeLessThan(1e-4);
      expect(interiorError(maps, ilastikFeatureIndex(0, i), N, M, (x, y) => q(x, y) + (a + c) * m2(s)), names[ilastikFeatureIndex(0, i)]).toBeLessThan(1e-4);
    });
  });
});
