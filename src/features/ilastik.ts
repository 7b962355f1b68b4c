/**
 * `ilastik_2d` (alias `ilastik`, REFERENCE.md §3.6): ilastik-napari's filter bank over fastfilters,
 * 6 filters × 7 scales = 56 maps per input channel, filter-major:
 *   0–6 Gaussian smoothing, 7–13 Laplacian of Gaussian, 14–20 Gaussian gradient magnitude,
 *   21–27 difference of Gaussians G_σ − G_σ/2, 28–41 structure-tensor eigenvalues and 42–55
 *   Hessian-of-Gaussian eigenvalues, each pair (larger, smaller) per σ.
 * Every 2-D filter is separable, so per σ the bank needs three passes along the width (orders
 * 0, 1, 2 at σ) shared by all column passes, plus the σ/2 Gaussian of the DoG and the structure
 * tensor's smoothing. fastfilters' structure-tensor quirk is kept: gradient at σ, products
 * smoothed at σ/2. Scratch planes are allocated once per call and reused for every σ.
 */
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { ShapeError } from '../errors.js';
import { combinePlanes } from '../ops/filter-combine.js';
import type { CombineOp, Operand } from '../ops/filter-combine.js';
import { convolve1d, GpuKernelSet } from '../ops/separable.js';
import type { FilterAxis } from '../ops/separable.js';
import { combinePlanes as combineCpu } from '../reference/filter-combine.js';
import { planar } from '../reference/planar.js';
import type { Planar } from '../reference/planar.js';
import { convolve1d as convolveCpu } from '../reference/separable.js';
import { layerlessFeDefaults } from './extractor.js';
import type { ExtractorEntry, FeParamDefaults, FeatureExtractor } from './extractor.js';
import { derivativeOfGaussian, derivativeRadius } from '../core/filter-kernels.js';
import type { Kernel1d } from '../core/filter-kernels.js';

export const ILASTIK_NAME = 'ilastik_2d';
/** The seven scales of ilastik's default feature selection. */
export const ILASTIK_SIGMAS = [0.3, 0.7, 1.0, 1.6, 3.5, 5.0, 10.0] as const;
/** Filters in feature order, with the number of maps each gives per σ. */
export const ILASTIK_FILTERS = [
  { name: 'gaussian_smoothing', maps: 1 },
  { name: 'laplacian_of_gaussian', maps: 1 },
  { name: 'gaussian_gradient_magnitude', maps: 1 },
  { name: 'difference_of_gaussians', maps: 1 },
  { name: 'structure_tensor_eigenvalues', maps: 2 },
  { name: 'hessian_of_gaussian_eigenvalues', maps: 2 },
] as const;
/** ilastik-napari's DoG and structure-tensor inner scale factor (classic ilastik uses 0.66). */
export const ILASTIK_INNER_K = 0.5;
export const ILASTIK_FEATURES = 56;

/**
 * Convpaint's padding for the bank: each filter's reach, maximised — Gaussian/LoG/GGM/HoGE
 * ceil((3 + order/2)σ), DoG the larger of its Gaussians, and for the structure tensor
 * L(σ/2, order 1) + L(σ, 0) (the reference's estimate; the true reach is L(σ,1) + L(σ/2,0), so
 * at σ = 10 the outermost 2 pixels see fastfilters' own mirroring, as in the reference).
 */
export function ilastikPadding(): number {
  let pad = 0;
  for (const s of ILASTIK_SIGMAS) {
    pad = Math.max(pad, derivativeRadius(0, s), derivativeRadius(2, s), derivativeRadius(1, s));
    pad = Math.max(pad, derivativeRadius(1, ILASTIK_INNER_K * s) + derivativeRadius(0, s));
  }
  return pad;
}

export const ILASTIK_PADDING = ilastikPadding();

/** Names of the 56 maps in order, e.g. `structure_tensor_eigenvalues σ=0.7 (larger)`. */
export function ilastikFeatureNames(): string[] {
  const names: string[] = [];
  for (const f of ILASTIK_FILTERS) {
    for (const s of ILASTIK_SIGMAS) {
      if (f.maps === 1) names.push(`${f.name} σ=${s}`);
      else names.push(`${f.name} σ=${s} (larger)`, `${f.name} σ=${s} (smaller)`);
    }
  }
  return names;
}

/** Feature index of (filter, σ index[, which eigenvalue]) within one channel's 56. */
export function ilastikFeatureIndex(filter: number, sigmaIndex: number, eigen: 0 | 1 = 0): number {
  const n = ILASTIK_SIGMAS.length;
  return filter < 4 ? filter * n + sigmaIndex : 4 * n + (filter - 4) * 2 * n + 2 * sigmaIndex + eigen;
}

const DESCRIPTION =
  'ilastik filter bank (Gaussian, Laplacian of Gaussian, gradient magnitude, difference of Gaussians, ' +
  'structure-tensor and Hessian eigenvalues at σ = 0.3 … 10): 56 features per channel.';

function defaults(): FeParamDefaults {
  return layerlessFeDefaults(ILASTIK_NAME);
}

interface ScaleKernels {
  smooth: Kernel1d;
  first: Kernel1d;
  second: Kernel1d;
  inner: Kernel1d;
}

function scaleKernels(): ScaleKernels[] {
  return ILASTIK_SIGMAS.map((s) => ({
    smooth: derivativeOfGaussian(0, s),
    first: derivativeOfGaussian(1, s),
    second: derivativeOfGaussian(2, s),
    inner: derivativeOfGaussian(0, ILASTIK_INNER_K * s),
  }));
}

function checkInput(shape: readonly number[]): [number, number, number] {
  if (shape.length !== 4 || shape[1] !== 1) throw new ShapeError(`${ILASTIK_NAME} takes [N, 1, H, W], got [${shape.join(',')}]`);
  return [shape[0], shape[2], shape[3]];
}

// Slots of one σ (index i) in the 56 maps.
function slots(i: number) {
  return {
    gauss: ilastikFeatureIndex(0, i),
    log: ilastikFeatureIndex(1, i),
    ggm: ilastikFeatureIndex(2, i),
    dog: ilastikFeatureIndex(3, i),
    ste: ilastikFeatureIndex(4, i),
    hoge: ilastikFeatureIndex(5, i),
  };
}

class IlastikFeatures implements FeatureExtractor {
  readonly name = ILASTIK_NAME;
  readonly description = DESCRIPTION;
  readonly inputChannels = [1] as const;
  readonly rgbInput = false;
  readonly normMode = 'default' as const;
  readonly padding = ILASTIK_PADDING;
  readonly patchSize = 1;
  readonly featuresPerLayer = [ILASTIK_FEATURES] as const;
  readonly layerStrides = [1] as const;
  readonly layerKeys = null;
  readonly hasGlobalContext = false;

  private readonly scales = scaleKernels();
  private readonly kernels = new GpuKernelSet(
    this.scales.flatMap((k) => [k.smooth, k.first, k.second, k.inner]),
    ILASTIK_NAME,
  );

  defaultParams(): FeParamDefaults {
    return defaults();
  }

  extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[] {
    const [n, h, w] = checkInput(input.shape);
    const plane = h * w;
    const g = { planes: n, height: h, width: w };
    const out = batch.tensor([n, ILASTIK_FEATURES, h, w], `${this.name}/features`);
    const slot = (f: number) => ({ tensor: out, offset: f * plane, stride: ILASTIK_FEATURES * plane });
    const scratch = (what: string, planes = n) => batch.tensor([planes, h, w], `${this.name}/${what}`);
    // Along-width responses of orders 0, 1, 2 at σ, shared by all column passes of that σ.
    const r0 = scratch('w0');
    const r1 = scratch('w1');
    const r2 = scratch('w2');
    const [t0, t1, t2] = [scratch('t0'), scratch('t1'), scratch('t2')];
    // Structure tensor: [xx, xy, yy] blocks of n planes each, and its along-width smoothing.
    const tensor = scratch('tensor', 3 * n);
    const tensorW = scratch('tensor-w', 3 * n);
    const ctx = batch.ctx;
    const pass = (src: GpuTensor, k: Kernel1d, axis: FilterAxis, dst: GpuTensor, planes = n) =>
      convolve1d(batch, src, this.kernels.ref(ctx, k), axis, { planes, dst: { tensor: dst }, label: `${this.name}/${k.label}-${axis}` });
    const whole = (t: GpuTensor, block = 0): Operand => ({ tensor: t, offset: block * n * plane });
    const combine = (op: CombineOp, inputs: Operand[], offsets: number[], target: GpuTensor = out, stride = ILASTIK_FEATURES * plane) =>
      combinePlanes(batch, op, g, inputs, { tensor: target, offsets, stride }, `${this.name}/${op}`);

    this.scales.forEach((k, i) => {
      const s = slots(i);
      pass(input, k.smooth, 'w', r0);
      pass(input, k.first, 'w', r1);
      pass(input, k.second, 'w', r2);
      // Gaussian and DoG
      pass(r0, k.smooth, 'h', t0);
      pass(input, k.inner, 'w', t1);
      pass(t1, k.inner, 'h', t2);
      combine('gauss_dog', [whole(t0), whole(t2)], [slot(s.gauss).offset, slot(s.dog).offset]);
      // Hessian: yy, xx, xy → Laplacian (xx + yy) and eigenvalues
      pass(r0, k.second, 'h', t0);
      pass(r2, k.smooth, 'h', t1);
      pass(r1, k.first, 'h', t2);
      combine('add', [whole(t1), whole(t0)], [slot(s.log).offset]);
      combine('eigen_sym2', [whole(t1), whole(t2), whole(t0)], [slot(s.hoge).offset, slot(s.hoge + 1).offset]);
      // Gradient (gx along width, gy along height) → magnitude and structure tensor
      pass(r0, k.first, 'h', t0);
      pass(r1, k.smooth, 'h', t1);
      combine('magnitude', [whole(t1), whole(t0)], [slot(s.ggm).offset]);
      combine('tensor_products', [whole(t1), whole(t0)], [0, n * plane, 2 * n * plane], tensor, plane);
      pass(tensor, k.inner, 'w', tensorW, 3 * n);
      pass(tensorW, k.inner, 'h', tensor, 3 * n);
      combine('eigen_sym2', [whole(tensor, 0), whole(tensor, 1), whole(tensor, 2)], [slot(s.ste).offset, slot(s.ste + 1).offset]);
    });
    for (const t of [r0, r1, r2, t0, t1, t2, tensor, tensorW]) t.dispose();
    return [out];
  }

  extractCpu(input: Planar): Planar[] {
    const [n, h, w] = checkInput(input.shape);
    const plane = h * w;
    const x: Planar = { data: input.data, shape: [n, h, w] };
    const out = planar([n, ILASTIK_FEATURES, h, w]);
    const put = (f: number, p: Planar, block = 0) => {
      for (let i = 0; i < n; i++) {
        const from = (block * n + i) * plane;
        out.data.set(p.data.subarray(from, from + plane), (i * ILASTIK_FEATURES + f) * plane);
      }
    };
    const block = (p: Planar, b: number): Planar => ({ data: p.data.subarray(b * n * plane, (b + 1) * n * plane), shape: [n, h, w] });
    this.scales.forEach((k, i) => {
      const s = slots(i);
      const r0 = convolveCpu(x, k.smooth, 'w');
      const r1 = convolveCpu(x, k.first, 'w');
      const r2 = convolveCpu(x, k.second, 'w');
      const gd = combineCpu('gauss_dog', [convolveCpu(r0, k.smooth, 'h'), convolveCpu(convolveCpu(x, k.inner, 'w'), k.inner, 'h')]);
      put(s.gauss, gd, 0);
      put(s.dog, gd, 1);
      const yy = convolveCpu(r0, k.second, 'h');
      const xx = convolveCpu(r2, k.smooth, 'h');
      const xy = convolveCpu(r1, k.first, 'h');
      put(s.log, combineCpu('add', [xx, yy]));
      const hoge = combineCpu('eigen_sym2', [xx, xy, yy]);
      put(s.hoge, hoge, 0);
      put(s.hoge + 1, hoge, 1);
      const gy = convolveCpu(r0, k.first, 'h');
      const gx = convolveCpu(r1, k.smooth, 'h');
      put(s.ggm, combineCpu('magnitude', [gx, gy]));
      const products = combineCpu('tensor_products', [gx, gy]);
      const t: Planar = { data: products.data, shape: [3 * n, h, w] };
      const smoothed = convolveCpu(convolveCpu(t, k.inner, 'w'), k.inner, 'h');
      const ste = combineCpu('eigen_sym2', [block(smoothed, 0), block(smoothed, 1), block(smoothed, 2)]);
      put(s.ste, ste, 0);
      put(s.ste + 1, ste, 1);
    });
    return [out];
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

export const ilastikEntry: ExtractorEntry = {
  name: ILASTIK_NAME,
  description: DESCRIPTION,
  layerKeys: null,
  defaultParams: () => defaults(),
  create: async () => new IlastikFeatures(),
};
