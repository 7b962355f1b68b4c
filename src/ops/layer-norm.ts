/**
 * LayerNorm over the last axis of a [rows, dim] GPU matrix (see shaders/layer-norm.wgsl and the
 * CPU twin src/reference/layer-norm.ts): `layerNorm` keeps the layout; `layerNormTransposed`
 * normalises rows row0.. and writes them feature-major ([dim, rows − row0]) into a slot of an
 * existing tensor — the ViT's final norm, which drops the cls/register rows and hands on planes.
 */
import { ShapeError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';

const ROWS: KernelSpec = { shader: 'layer-norm', entryPoint: 'layer_norm', overrides: { WG: 64 } };
const TRANSPOSED: KernelSpec = { shader: 'layer-norm', entryPoint: 'layer_norm_t', overrides: { WG: 64 } };

/** A LayerNorm's affine parameters on the GPU, [dim] each. Owned by whoever uploaded them. */
export interface LayerNormWeights {
  readonly dim: number;
  readonly eps: number;
  readonly weight: GpuTensor;
  readonly bias: GpuTensor;
  dispose(): void;
}

export function uploadLayerNormWeights(ctx: BatchHost, weight: Float32Array, bias: Float32Array, eps: number, label: string): LayerNormWeights {
  if (weight.length !== bias.length || weight.length < 1) throw new ShapeError(`${label}: LayerNorm weight and bias must hold the same positive number of values, got ${weight.length} and ${bias.length}`);
  const w = ctx.upload(weight, [weight.length], `${label}/weight`);
  const b = ctx.upload(bias, [bias.length], `${label}/bias`);
  return {
    dim: weight.length,
    eps,
    weight: w,
    bias: b,
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}

function rowsOf(x: GpuTensor, norm: LayerNormWeights, op: string): number {
  if (x.shape.length !== 2) throw new ShapeError(`${op}: "${x.label}" must be [rows, dim], got [${x.shape.join(',')}]`);
  const [rows, dim] = x.shape;
  if (dim !== norm.dim) throw new ShapeError(`${op}: "${x.label}" has ${dim} features but the norm has ${norm.dim}`);
  if (rows < 1) throw new ShapeError(`${op}: "${x.label}" has no rows`);
  return rows;
}

/** `x` [rows, dim] → new [rows, dim], each row normalised. */
export function layerNorm(batch: GpuBatch, x: GpuTensor, norm: LayerNormWeights, label?: string): GpuTensor {
  const rows = rowsOf(x, norm, 'layerNorm');
  const name = label ?? `${x.label}/layer-norm`;
  const dst = batch.tensor([rows, norm.dim], name);
  batch.dispatch(ROWS, {
    uniforms: { rows, dim: norm.dim, eps: norm.eps, row0: 0, dst_offset: 0 },
    bindings: { src: x, weight: norm.weight, bias: norm.bias, dst },
    workgroups: [Math.ceil(rows / ROWS.overrides.WG), 1, 1],
    label: name,
  });
  return dst;
}

/**
 * Normalises rows `row0`.. of `x` [rows, dim] and writes them feature-major into `dst` from
 * element `dstOffset`: dst[dstOffset + f·kept + t] = norm(x[row0 + t])[f], kept = rows − row0.
 */
export function layerNormTransposed(batch: GpuBatch, x: GpuTensor, norm: LayerNormWeights, row0: number, dst: GpuTensor, dstOffset = 0, label?: string): void {
  const rows = rowsOf(x, norm, 'layerNormTransposed');
  if (!Number.isInteger(row0) || row0 < 0 || row0 >= rows) throw new ShapeError(`layerNormTransposed: first row ${row0} outside the ${rows} rows of "${x.label}"`);
  const kept = rows - row0;
  if (!Number.isInteger(dstOffset) || dstOffset < 0 || dstOffset + kept * norm.dim > dst.size) {
    throw new ShapeError(`layerNormTransposed: [${norm.dim}, ${kept}] at element ${dstOffset} does not fit "${dst.label}" (${dst.size} values)`);
  }
  batch.dispatch(TRANSPOSED, {
    uniforms: { rows, dim: norm.dim, eps: norm.eps, row0, dst_offset: dstOffset },
    bindings: { src: x, weight: norm.weight, bias: norm.bias, dst },
    workgroups: [Math.ceil(kept / TRANSPOSED.overrides.WG), 1, 1],
    label: label ?? `${x.label}/layer-norm-t`,
  });
}
