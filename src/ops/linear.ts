/**
 * A PyTorch `nn.Linear` over the rows of a GPU matrix with a fused epilogue (none, exact GELU, or a
 * LayerScale residual `r + γ ⊙ (x·wᵀ + b)`); see shaders/linear.wgsl and the CPU twin
 * src/reference/linear.ts. Weights are packed once by `uploadLinearWeights` (transposed to
 * [K, N] with N padded to a multiple of 4); `linear` records one dispatch, in the subgroup form
 * (shaders/linear-subgroup.wgsl) where the device has subgroups, else the plain one: both give
 * the same sums in the same order. A layer whose weights are all exact f16 values is stored as f16
 * where the device has `shader-f16` (linear-f16.wgsl, linear-subgroup-f16.wgsl): half the bytes,
 * the same results.
 */
import { KernelDescriptorError, ShapeError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { decodeFloat16, encodeFloat16 } from '../io/half-float.js';
import { checkLinear } from '../reference/linear.js';

/**
 * Invocations per workgroup, each a block of ROWS rows × 4 columns. On software drivers one
 * SIMD group (8) measured best — 1.5–2.5× faster than 64 at K 384 and 1536 on lavapipe, most
 * likely because a workgroup's slice of w then stays in the core's cache while its invocations
 * walk K one after another; GPUs want whole warps.
 */
export const LINEAR_WG = { software: 8, gpu: 64 } as const;

/** Which kernel: `auto` (default) the subgroup form where the device has subgroups; tests name one. */
export type LinearForm = 'auto' | 'plain' | 'subgroup';

function rowsKernel(ctx: BatchHost, form: LinearForm, storage: WeightStorage): KernelSpec {
  if (form === 'subgroup' && !ctx.hasSubgroups) throw new KernelDescriptorError('linear: the subgroup form needs a device with the "subgroups" feature');
  const shared = form !== 'plain' && ctx.hasSubgroups;
  const shader = shared ? (storage === 'f16' ? 'linear-subgroup-f16' : 'linear-subgroup') : storage === 'f16' ? 'linear-f16' : 'linear';
  return { shader, entryPoint: 'linear_rows', overrides: { WG: ctx.isSoftwareAdapter ? LINEAR_WG.software : LINEAR_WG.gpu } };
}

/** How a layer's weight is stored on the device. */
export type WeightStorage = 'f32' | 'f16';

/** Whether every value is exactly an f16 value (then f16 storage changes nothing). */
export function exactInF16(values: Float32Array): boolean {
  const back = decodeFloat16(encodeFloat16(values));
  for (let i = 0; i < values.length; i++) if (back[i] !== values[i]) return false;
  return true;
}

/** Output rows per invocation (the shader's ROWS). */
export function linearRowsPerThread(): number {
  return shaderConst('linear', 'ROWS');
}

/** Output columns per invocation: one vec4 of the packed weight. */
const COLS = 4;

/**
 * Transposes PyTorch's [N, K] (out, in) weight to the kernel's [K, N4·4] (N4 = ceil(N / 4)):
 * row k holds w[0..N, k], then zeros, so that every invocation loads whole vec4s.
 */
export function packLinearWeights(weight: Float32Array, n: number, k: number): Float32Array {
  const stride = Math.ceil(n / COLS) * COLS;
  const out = new Float32Array(stride * k);
  for (let j = 0; j < n; j++) {
    const row = j * k;
    for (let kk = 0; kk < k; kk++) out[kk * stride + j] = weight[row + kk];
  }
  return out;
}

/** One linear layer on the GPU, packed for `linear`. Owned by whoever uploaded it. */
export interface LinearWeights {
  /** Input features. */
  readonly k: number;
  /** Output features. */
  readonly n: number;
  /**
   * [K, ceil(N / 4)·4]: the PyTorch weight transposed, zero-padded (see `packLinearWeights`); with
   * f16 storage the same values as 16-bit halves, two to a u32 ([K, ceil(N / 4)·2]).
   */
  readonly weight: GpuTensor;
  readonly storage: WeightStorage;
  /** [N]. */
  readonly bias: GpuTensor;
  dispose(): void;
}

/**
 * Packs and uploads one layer: `weight` [N, K] (PyTorch [out, in]), `bias` [N]. `storage`: `auto`
 * (default) stores f16 where the device has `shader-f16` and every weight is an exact f16 value
 * (lossless), else f32; tests force one.
 */
export function uploadLinearWeights(ctx: BatchHost, weight: Float32Array, bias: Float32Array, n: number, k: number, label: string, storage: 'auto' | WeightStorage = 'auto'): LinearWeights {
  checkLinear(k, 1, k, weight.length, n, bias.length, label);
  if (storage === 'f16' && !ctx.hasShaderF16) throw new KernelDescriptorError('linear: f16 weight storage needs a device with the "shader-f16" feature');
  if (storage === 'f16' && !exactInF16(weight)) throw new ShapeError(`linear: ${label} has weights that are not exact f16 values; f16 storage would change them`);
  const kind: WeightStorage = storage === 'auto' ? (ctx.hasShaderF16 && exactInF16(weight) ? 'f16' : 'f32') : storage;
  const packed = packLinearWeights(weight, n, k);
  const w =
    kind === 'f16'
      ? ctx.upload(new Uint32Array(encodeFloat16(packed).buffer), [k, packed.length / k / 2], `${label}/weight-f16`)
      : ctx.upload(packed, [k, packed.length / k], `${label}/weight`);
  const b = ctx.upload(bias, [n], `${label}/bias`);
  return {
    k,
    n,
    weight: w,
    storage: kind,
    bias: b,
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}

/** What is applied to `x·wᵀ + b` before the store (GPU twin of the reference's `LinearEpilogue`). */
export type GpuLinearEpilogue =
  | { kind: 'none' }
  | { kind: 'gelu' }
  /** `residual + gamma ⊙ value`; `residual` [M, N] (must not be the output), `gamma` [N]. */
  | { kind: 'residual'; residual: GpuTensor; gamma: GpuTensor };

const EPILOGUE_CODE = { none: 0, gelu: 1, residual: 2 } as const;

/** `x` [M, K] → new [M, N] = epilogue(x·wᵀ + b). */
export function linear(batch: GpuBatch, x: GpuTensor, layer: LinearWeights, epilogue: GpuLinearEpilogue = { kind: 'none' }, label?: string, form: LinearForm = 'auto'): GpuTensor {
  if (x.shape.length !== 2) throw new ShapeError(`linear: "${x.label}" must be [M, K], got [${x.shape.join(',')}]`);
  const [m, k] = x.shape;
  if (k !== layer.k) throw new ShapeError(`linear: "${x.label}" has ${k} features but the layer expects ${layer.k}`);
  if (m < 1) throw new ShapeError(`linear: "${x.label}" has no rows`);
  const n = layer.n;
  let gamma = layer.bias;
  let residual = layer.bias;
  if (epilogue.kind === 'residual') {
    if (epilogue.residual.size !== m * n) throw new ShapeError(`linear: residual "${epilogue.residual.label}" holds ${epilogue.residual.size} values, expected [${m}, ${n}]`);
    if (epilogue.gamma.size !== n) throw new ShapeError(`linear: gamma "${epilogue.gamma.label}" holds ${epilogue.gamma.size} values, expected ${n}`);
    gamma = epilogue.gamma;
    residual = epilogue.residual;
  }
  const name = label ?? `${x.label}/linear`;
  const y = batch.tensor([m, n], name);
  const kernel = rowsKernel(batch.ctx, form, layer.storage);
  batch.dispatch(kernel, {
    uniforms: { m, k, n, epilogue: EPILOGUE_CODE[epilogue.kind], n4: Math.ceil(n / COLS) },
    bindings: { x, w: layer.weight, bias: layer.bias, gamma, residual, y },
    workgroups: [Math.ceil(n / (COLS * kernel.overrides.WG)), Math.ceil(m / linearRowsPerThread()), 1],
    label: name,
  });
  return y;
}
