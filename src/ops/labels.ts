/** Probabilities → class indices, and the disk majority filter; see shaders/labels.wgsl. */
import { ShapeError, ValueError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { grid2d, WG_2D } from './geometry.js';

const ARGMAX: KernelSpec = { shader: 'labels', entryPoint: 'argmax', overrides: { WG_X: 256, WG_Y: 1 } };
const MAJORITY: KernelSpec = { shader: 'labels', entryPoint: 'majority', overrides: WG_2D };

/** probas [K, ...spatial] → u32 class indices [...spatial] (ties → the first class). */
export function argmaxClasses(batch: GpuBatch, probas: GpuTensor, label = `${probas.label}/argmax`): GpuTensor {
  if (probas.shape.length < 2) throw new ShapeError(`argmaxClasses: probabilities must be [K, ...spatial], got [${probas.shape.join(',')}]`);
  const classes = probas.shape[0];
  const pixels = probas.size / classes;
  const labels = batch.tensor(probas.shape.slice(1), label, 'u32');
  const groups = Math.ceil(pixels / ARGMAX.overrides.WG_X);
  const rowGroups = Math.min(groups, batch.ctx.device.limits.maxComputeWorkgroupsPerDimension);
  batch.dispatch(ARGMAX, {
    uniforms: { classes, pixels, row_groups: rowGroups, height: 0, width: 0, planes: 0, radius: 0 },
    bindings: { probas, labels },
    workgroups: [rowGroups, Math.ceil(groups / rowGroups), 1],
    label,
  });
  return labels;
}

/** Majority filter over a disk of `radius` on u32 labels [..., H, W] with `classes` values. */
export function majorityFilter(batch: GpuBatch, labelsIn: GpuTensor, classes: number, radius: number, label = `${labelsIn.label}/majority${radius}`): GpuTensor {
  if (!Number.isInteger(radius) || radius < 0 || radius > 20) throw new ValueError(`majority filter radius must be an integer in [0, 20], got ${radius}`);
  if (labelsIn.dtype !== 'u32' || labelsIn.shape.length < 2) throw new ShapeError('majorityFilter: labels must be a u32 tensor [..., H, W]');
  const [h, w] = labelsIn.shape.slice(-2);
  const planes = labelsIn.size / (h * w);
  const out = batch.tensor(labelsIn.shape, label, 'u32');
  batch.dispatch(MAJORITY, {
    uniforms: { classes, pixels: labelsIn.size, row_groups: 0, height: h, width: w, planes, radius },
    bindings: { labels_in: labelsIn, labels_out: out },
    workgroups: grid2d(w, h, planes),
    label,
  });
  return out;
}
