/**
 * 3×3 convolution (stride 1, zero padding 1) + bias + optional ReLU over [N, C_in, H, W] GPU
 * tensors; see shaders/conv3x3.wgsl. `conv3x3` is the tiled production kernel, which takes its
 * weights pre-packed (`uploadConv3x3Weights`); `conv3x3Naive` is the simple twin over weights
 * in PyTorch order, kept for cross-checking. Where the device has subgroups the tiled kernel's
 * subgroup form runs (shaders/conv3x3-subgroup.wgsl: weights broadcast, not staged; same sums).
 */
import { KernelDescriptorError, ShapeError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { checkConv3x3Weights } from '../reference/conv3x3.js';
import { grid2d, WG_2D } from './geometry.js';

/**
 * Tile geometry of the tiled kernel: 8×8 invocations, each a strip of PX = 4 pixels × 8 output
 * channels, so a workgroup writes a 32×8 block of 8 channels. 8 input channels per step →
 * 8·10·34 + 8·9·8 floats ≈ 13 KiB of workgroup memory, inside the 16 KiB WebGPU guarantees.
 * Small workgroups waste little on the 8×12 maps of deep layers at coarse scales.
 */
export const CONV_TILE = { TILE_X: 8, TILE_Y: 8, CI_CHUNK: 8 } as const;

const NAIVE: KernelSpec = { shader: 'conv3x3', entryPoint: 'conv3x3_naive', overrides: WG_2D };
const TILED: KernelSpec = { shader: 'conv3x3', entryPoint: 'conv3x3_tiled', overrides: CONV_TILE };
const TILED_SUBGROUP: KernelSpec = { shader: 'conv3x3-subgroup', entryPoint: 'conv3x3_tiled', overrides: CONV_TILE };

/** Which tiled kernel: `auto` (default) the subgroup form where the device has subgroups; tests name one. */
export type Conv3x3Form = 'auto' | 'staged' | 'subgroup';

function tiledKernel(ctx: BatchHost, form: Conv3x3Form): KernelSpec {
  if (form === 'subgroup' && !ctx.hasSubgroups) throw new KernelDescriptorError('conv3x3: the subgroup form needs a device with the "subgroups" feature');
  return form === 'staged' || !ctx.hasSubgroups ? TILED : TILED_SUBGROUP;
}

/** Output channels per invocation of the tiled kernel (the weight packing's group size). */
export function convOcGroup(): number {
  return shaderConst('conv3x3', 'OC_GROUP');
}

/** Horizontally adjacent output pixels per invocation of the tiled kernel. */
export function convPixelsPerThread(): number {
  return shaderConst('conv3x3', 'PX');
}

/**
 * Reorders PyTorch weights [c_out, c_in, 3, 3] into the tiled kernel's layout
 * [ceil(c_out / G), c_in, 9, G] (G = OC_GROUP), zero-filling channels past c_out.
 */
export function packConv3x3Weights(weight: Float32Array, cOut: number, cIn: number): Float32Array {
  const g = convOcGroup();
  const groups = Math.ceil(cOut / g);
  const out = new Float32Array(groups * cIn * 9 * g);
  for (let oc = 0; oc < cOut; oc++) {
    const grp = Math.floor(oc / g);
    const j = oc % g;
    for (let ci = 0; ci < cIn; ci++) {
      for (let t = 0; t < 9; t++) out[((grp * cIn + ci) * 9 + t) * g + j] = weight[(oc * cIn + ci) * 9 + t];
    }
  }
  return out;
}

/** One conv layer's weights on the GPU, packed for `conv3x3`. Owned by whoever uploaded them. */
export interface Conv3x3Weights {
  readonly cIn: number;
  readonly cOut: number;
  /** Packed [ceil(c_out / OC_GROUP), c_in, 9, OC_GROUP]. */
  readonly weight: GpuTensor;
  /** [c_out]. */
  readonly bias: GpuTensor;
  dispose(): void;
}

/** Packs and uploads one layer: `weight` [c_out, c_in, 3, 3] (PyTorch order), `bias` [c_out]. */
export function uploadConv3x3Weights(ctx: BatchHost, weight: Float32Array, bias: Float32Array, cOut: number, cIn: number, label: string): Conv3x3Weights {
  checkConv3x3Weights(weight, bias, cOut, cIn, label);
  const packed = packConv3x3Weights(weight, cOut, cIn);
  const w = ctx.upload(packed, [packed.length], `${label}/weight`);
  const b = ctx.upload(bias, [cOut], `${label}/bias`);
  return {
    cIn,
    cOut,
    weight: w,
    bias: b,
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}

export interface Conv3x3Options {
  relu: boolean;
  label?: string;
  form?: Conv3x3Form;
}

function inputGeometry(src: GpuTensor, cIn: number, op: string): [number, number, number] {
  if (src.shape.length !== 4) throw new ShapeError(`${op}: "${src.label}" must be [N, C_in, H, W], got [${src.shape.join(',')}]`);
  const [n, c, h, w] = src.shape;
  if (c !== cIn) throw new ShapeError(`${op}: "${src.label}" has ${c} channels but the weights expect ${cIn}`);
  if (n < 1 || h < 1 || w < 1) throw new ShapeError(`${op}: empty input [${src.shape.join(',')}]`);
  return [n, h, w];
}

/** Tiled convolution: [N, C_in, H, W] → new [N, C_out, H, W]. */
export function conv3x3(batch: GpuBatch, src: GpuTensor, layer: Conv3x3Weights, opts: Conv3x3Options): GpuTensor {
  const [n, h, w] = inputGeometry(src, layer.cIn, 'conv3x3');
  const label = opts.label ?? `${src.label}/conv3x3`;
  const groups = Math.ceil(layer.cOut / convOcGroup());
  const dst = batch.tensor([n, layer.cOut, h, w], label);
  batch.dispatch(tiledKernel(batch.ctx, opts.form ?? 'auto'), {
    uniforms: { batch: n, c_in: layer.cIn, c_out: layer.cOut, height: h, width: w, relu: opts.relu ? 1 : 0, oc_groups: groups },
    bindings: { src, weight: layer.weight, bias: layer.bias, dst },
    workgroups: [Math.ceil(w / (CONV_TILE.TILE_X * convPixelsPerThread())), Math.ceil(h / CONV_TILE.TILE_Y), n * groups],
    label,
  });
  return dst;
}

/**
 * One invocation per output element, weights [C_out, C_in, 3, 3] in PyTorch order (unpacked),
 * bias [C_out]. For tests; use `conv3x3`.
 */
export function conv3x3Naive(batch: GpuBatch, src: GpuTensor, weight: GpuTensor, bias: GpuTensor, opts: Conv3x3Options): GpuTensor {
  const cOut = bias.size;
  const cIn = src.shape[1];
  const [n, h, w] = inputGeometry(src, cIn, 'conv3x3_naive');
  if (weight.size !== cOut * cIn * 9) throw new ShapeError(`conv3x3_naive: weight "${weight.label}" holds ${weight.size} values, expected [${cOut}, ${cIn}, 3, 3]`);
  const label = opts.label ?? `${src.label}/conv3x3-naive`;
  const dst = batch.tensor([n, cOut, h, w], label);
  batch.dispatch(NAIVE, {
    uniforms: { batch: n, c_in: cIn, c_out: cOut, height: h, width: w, relu: opts.relu ? 1 : 0, oc_groups: 0 },
    bindings: { src, weight, bias, dst },
    workgroups: grid2d(w, h, n * cOut),
    label,
  });
  return dst;
}
