/**
 * 1-D filter kernels for the filter-bank extractors, built in float64 and stored as float32 the
 * way the reference libraries store them.
 *
 * A kernel is kept as its half `c[0..L]` plus a symmetry flag, because that is how both the GPU
 * shader and the CPU reference apply it (and how fastfilters does):
 *   out[i] = c[0]·x[i] + Σ_{k=1..L} c[k]·(x[i+k] ± x[i−k])      (+ symmetric, − antisymmetric)
 * so the two sides add the same products in the same order.
 */
import { ValueError } from '../errors.js';

/** A 1-D filter: its taps (2·radius + 1, centre in the middle), whether they are symmetric, and a label for messages. */
export interface Kernel1d {
  /** Half-length L: the kernel spans offsets −L..L. */
  readonly radius: number;
  /** c[0..L] as float32 values. */
  readonly half: Float32Array;
  /** true: c[−k] = c[k]; false: c[−k] = −c[k] (first derivative). */
  readonly symmetric: boolean;
  /** What it is, for labels and messages. */
  readonly label: string;
}

/** Order of a Gaussian derivative filter: 0 smooths, 1 and 2 differentiate. */
export type DerivativeOrder = 0 | 1 | 2;

/** fastfilters' half-length: ceil((3 + order/2)·σ), and 0 for σ below 1e-6. */
export function derivativeRadius(order: DerivativeOrder, sigma: number): number {
  if (Math.abs(sigma) < 1e-6) return 0;
  return Math.ceil((3 + 0.5 * order) * sigma);
}

/**
 * The derivative-of-Gaussian kernel of fastfilters (REFERENCE.md §3.6): taps g(x) = exp(−x²/2σ²)
 * with the order's prefactor, order 2 made zero-mean over its 2L+1 taps, then scaled so that a
 * constant (order 0), a unit ramp (order 1) or x² (order 2) gives 1, 1 and 2. Every step rounds
 * to float32 where fastfilters stores a float, so our taps equal theirs bit for bit.
 */
export function derivativeOfGaussian(order: DerivativeOrder, sigma: number): Kernel1d {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new ValueError(`Gaussian σ must be a finite number ≥ 0, got ${sigma}`);
  if (order !== 0 && order !== 1 && order !== 2) throw new ValueError(`derivative order must be 0, 1 or 2, got ${order}`);
  const len = derivativeRadius(order, sigma);
  const f = Math.fround;
  const c = new Float32Array(len + 1);
  const sigma2 = -0.5 / sigma / sigma;
  const norm = order === 0 ? 1 / (Math.sqrt(2 * Math.PI) * sigma) : -1 / (Math.sqrt(2 * Math.PI) * Math.pow(sigma, 3));
  for (let x = 0; x <= len; x++) {
    const g = norm * Math.exp(x * x * sigma2);
    if (order === 0) c[x] = g;
    else if (order === 1) c[x] = x * g;
    else c[x] = (1 - (x / sigma) * (x / sigma)) * g;
  }
  if (order === 2) {
    let dc = c[0];
    for (let x = 1; x <= len; x++) dc += 2 * c[x];
    dc /= 2 * len + 1;
    for (let x = 0; x <= len; x++) c[x] = c[x] - dc;
  }
  let sum: number;
  if (order === 0) {
    sum = c[0];
    for (let x = 1; x <= len; x++) sum += 2 * c[x];
  } else {
    // Σ over both sides of c·x^order/order!, with c(−x) = ±c(x).
    const faculty = order === 2 ? 2 : 1;
    const sign = order === 1 ? -1 : 1;
    sum = 0;
    for (let x = 1; x <= len; x++) {
      sum += (c[x] * Math.pow(-x, order)) / faculty;
      sum += (sign * c[x] * Math.pow(x, order)) / faculty;
    }
  }
  for (let x = 0; x <= len; x++) c[x] = f(c[x] / sum);
  // fastfilters flips the antisymmetric kernel so that out = Σ c[k]·(x[i+k] − x[i−k]) is +slope.
  if (order === 1) for (let x = 0; x <= len; x++) c[x] = -c[x];
  // σ = 0: a one-tap identity for order 0 (0/0 above otherwise).
  if (len === 0 && order === 0) c[0] = 1;
  return { radius: len, half: c, symmetric: order !== 1, label: `d${order}-gauss(σ=${sigma})` };
}

/**
 * scipy.ndimage's Gaussian (what skimage.filters.gaussian uses): radius int(truncate·σ + 0.5),
 * weights exp(−x²/2σ²) normalised to sum 1 in float64, then float32.
 */
export function scipyGaussian(sigma: number, truncate = 4): Kernel1d {
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new ValueError(`Gaussian σ must be a finite number > 0, got ${sigma}`);
  const radius = Math.floor(truncate * sigma + 0.5);
  const w = new Float64Array(radius + 1);
  let sum = 0;
  for (let x = 0; x <= radius; x++) {
    w[x] = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    sum += x === 0 ? w[x] : 2 * w[x];
  }
  const half = new Float32Array(radius + 1);
  for (let x = 0; x <= radius; x++) half[x] = w[x] / sum;
  return { radius, half, symmetric: true, label: `scipy-gauss(σ=${sigma})` };
}

/** The full 2L+1 taps (offset −L first), for tests and for readers who want to see the kernel. */
export function fullTaps(k: Kernel1d): Float64Array {
  const out = new Float64Array(2 * k.radius + 1);
  for (let j = 0; j <= k.radius; j++) {
    out[k.radius + j] = k.half[j];
    out[k.radius - j] = k.symmetric ? k.half[j] : -k.half[j];
  }
  return out;
}

/**
 * Several kernels packed into one float32 array (one GPU upload), each at its own offset.
 * Identical kernels (same label) are stored once.
 */
export class KernelPack {
  private readonly parts: Float32Array[] = [];
  private readonly offsets = new Map<string, number>();
  private length = 0;

  /** Adds a kernel (or finds it) and returns its offset in the packed array. */
  add(k: Kernel1d): number {
    const known = this.offsets.get(k.label);
    if (known !== undefined) return known;
    const at = this.length;
    this.parts.push(k.half);
    this.offsets.set(k.label, at);
    this.length += k.half.length;
    return at;
  }

  offsetOf(k: Kernel1d): number {
    const at = this.offsets.get(k.label);
    if (at === undefined) throw new ValueError(`kernel ${k.label} is not in this pack`);
    return at;
  }

  /** The packed taps. */
  data(): Float32Array {
    const out = new Float32Array(Math.max(1, this.length));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
