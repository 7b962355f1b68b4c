/**
 * CPU reference of shaders/linear.wgsl: a PyTorch `nn.Linear` over the rows of a matrix,
 * `y[m, n] = Σ_k x[m, k] · w[n, k] + b[n]`, with the epilogues the transformer needs fused in:
 * an exact-erf GELU, or a LayerScale residual `y = r + γ ⊙ (x·wᵀ + b)`. Sums in f32, k ascending,
 * bias last, as the kernel does (it differs only by fused multiply-adds).
 */
import { ShapeError } from '../errors.js';

/** What is applied to `x·wᵀ + b` before it is stored. */
export type LinearEpilogue =
  | { kind: 'none' }
  | { kind: 'gelu' }
  /** `residual + gamma ⊙ value`; `residual` is [M, N] like the output, `gamma` [N]. */
  | { kind: 'residual'; residual: Float32Array; gamma: Float32Array };

/**
 * erf(x) to about 1.2e-7 absolute (Abramowitz & Stegun 7.1.26 is 1.5e-7; this is the same
 * rational form). WGSL has no erf, and the shader evaluates this very formula in f32, so the
 * reference shares its (tiny) approximation error and the comparison measures only rounding.
 */
export function erfApprox(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** The exact GELU, `0.5·x·(1 + erf(x/√2))` (PyTorch's default, which DINOv2 uses). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erfApprox(x * Math.SQRT1_2));
}

/** Checks the operand sizes of `linear`. */
export function checkLinear(xLength: number, m: number, k: number, wLength: number, n: number, biasLength: number | null, what = 'linear'): void {
  for (const [name, v] of [['M', m], ['K', k], ['N', n]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  if (xLength !== m * k) throw new ShapeError(`${what}: input holds ${xLength} values, expected [${m}, ${k}]`);
  if (wLength !== n * k) throw new ShapeError(`${what}: weight holds ${wLength} values, expected [${n}, ${k}] (PyTorch [out, in])`);
  if (biasLength !== null && biasLength !== n) throw new ShapeError(`${what}: bias holds ${biasLength} values, expected ${n}`);
}

/** `x` [M, K] row-major, `w` [N, K] (PyTorch's [out, in]), `bias` [N] or null → [M, N]. */
export function linear(x: Float32Array, m: number, k: number, w: Float32Array, n: number, bias: Float32Array | null, epilogue: LinearEpilogue = { kind: 'none' }): Float32Array {
  checkLinear(x.length, m, k, w.length, n, bias ? bias.length : null);
  if (epilogue.kind === 'residual' && (epilogue.residual.length !== m * n || epilogue.gamma.length !== n)) {
    throw new ShapeError(`linear: residual must be [${m}, ${n}] and gamma [${n}], got ${epilogue.residual.length} and ${epilogue.gamma.length} values`);
  }
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * k;
    for (let j = 0; j < n; j++) {
      const wRow = j * k;
      let acc = 0;
      for (let kk = 0; kk < k; kk++) acc = Math.fround(acc + Math.fround(x[row + kk] * w[wRow + kk]));
      if (bias) acc = Math.fround(acc + bias[j]);
      if (epilogue.kind === 'gelu') acc = gelu(acc);
      else if (epilogue.kind === 'residual') acc = epilogue.residual[i * n + j] + epilogue.gamma[j] * acc;
      out[i * n + j] = acc;
    }
  }
  return out;
}
