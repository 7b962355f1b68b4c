/**
 * Per-pixel combinations of filter responses (Laplacian sum, gradient magnitude, difference of
 * Gaussians, structure-tensor products, 2×2 symmetric eigenvalues); see
 * shaders/filter-combine.wgsl. Operands and outputs are plane ranges at any offset and stride, so
 * the filter banks read their scratch planes and write straight into feature slots.
 */
import { KernelDescriptorError, ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { COMBINE_ARITY } from '../reference/filter-combine.js';
import type { CombineOp } from '../reference/filter-combine.js';
import { grid2d, WG_2D } from './geometry.js';

export type { CombineOp } from '../reference/filter-combine.js';

/** `planes` planes of [height, width]. */
export interface PlaneGeometry2d {
  planes: number;
  height: number;
  width: number;
}

/** An operand: planes of `tensor` from `offset` (elements), `stride` apart (default H·W). */
export interface Operand {
  tensor: GpuTensor;
  offset?: number;
  stride?: number;
}

/** Where the outputs go: output k's planes start at offsets[k], all with the same stride. */
export interface CombineTarget {
  tensor: GpuTensor;
  offsets: readonly number[];
  stride?: number;
}

const NAMES = ['a', 'b', 'c'] as const;

function checkRange(t: GpuTensor, offset: number, stride: number, g: PlaneGeometry2d, what: string): void {
  const plane = g.height * g.width;
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(stride) || stride < 0) {
    throw new ShapeError(`${what}: offset ${offset} and stride ${stride} must be non-negative integers`);
  }
  if (g.planes > 0 && offset + (g.planes - 1) * stride + plane > t.size) {
    throw new ShapeError(`${what}: ${g.planes} planes of ${g.height}×${g.width} from offset ${offset} (stride ${stride}) overrun "${t.label}" [${t.shape.join(',')}]`);
  }
}

/**
 * Records `op` over `g` for the given operands. Without `target` the outputs go to a new tensor
 * [outputs, planes, height, width] (output k = block k), which is returned; with one, its tensor
 * is returned.
 */
export function combinePlanes(batch: GpuBatch, op: CombineOp, g: PlaneGeometry2d, inputs: readonly Operand[], target?: CombineTarget, label = `combine/${op}`): GpuTensor {
  const { inputs: nIn, outputs: nOut } = COMBINE_ARITY[op];
  if (inputs.length !== nIn) throw new KernelDescriptorError(`${op} takes ${nIn} operands, got ${inputs.length}`);
  const plane = g.height * g.width;
  // Everything is checked before the output is allocated, so a refused call leaks nothing.
  inputs.forEach((x, i) => {
    if (target && x.tensor === target.tensor) throw new KernelDescriptorError(`${op}: operand ${NAMES[i]} and the output are the same tensor ("${x.tensor.label}")`);
    checkRange(x.tensor, x.offset ?? 0, x.stride ?? plane, g, `${op} operand ${NAMES[i]}`);
  });
  const offsets = target?.offsets ?? Array.from({ length: nOut }, (_, k) => k * g.planes * plane);
  const dStride = target?.stride ?? plane;
  if (offsets.length !== nOut) throw new KernelDescriptorError(`${op} writes ${nOut} outputs, ${offsets.length} offsets given`);
  if (target) offsets.forEach((o, k) => checkRange(target.tensor, o, dStride, g, `${op} output ${k}`));
  const dst = target?.tensor ?? batch.tensor([nOut, g.planes, g.height, g.width], label);
  const uniforms: Record<string, number> = {
    planes: g.planes,
    height: g.height,
    width: g.width,
    d0_offset: offsets[0],
    d1_offset: offsets[1] ?? 0,
    d2_offset: offsets[2] ?? 0,
    d_stride: dStride,
  };
  const bindings: Record<string, GpuTensor> = { dst };
  NAMES.forEach((name, i) => {
    const x = inputs[i];
    uniforms[`${name}_offset`] = x?.offset ?? 0;
    uniforms[`${name}_stride`] = x?.stride ?? plane;
    if (x) bindings[name] = x.tensor;
  });
  const spec: KernelSpec = { shader: 'filter-combine', entryPoint: op, overrides: WG_2D };
  batch.dispatch(spec, { uniforms, bindings, workgroups: grid2d(g.width, g.height, g.planes), label });
  return dst;
}
