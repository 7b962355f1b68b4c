/**
 * CPU reference of shaders/filter-combine.wgsl: per-pixel combinations of filter responses, in
 * float32 arithmetic (each operation rounded as the shader and fastfilters round it).
 */
import { ShapeError } from '../errors.js';
import { planar } from './planar.js';
import type { Planar } from './planar.js';

/** The shader's entry points: what each computes is in shaders/filter-combine.wgsl. */
export type CombineOp = 'add' | 'gauss_dog' | 'magnitude' | 'tensor_products' | 'eigen_sym2';

/** Operands read and planes written per output pixel. */
export const COMBINE_ARITY: Readonly<Record<CombineOp, { inputs: number; outputs: number }>> = {
  add: { inputs: 2, outputs: 1 },
  gauss_dog: { inputs: 2, outputs: 2 },
  magnitude: { inputs: 2, outputs: 1 },
  tensor_products: { inputs: 2, outputs: 3 },
  eigen_sym2: { inputs: 3, outputs: 2 },
};

const f = Math.fround;

/** Eigenvalues of the symmetric [[xx, xy], [xy, yy]] in float32: [larger, smaller]. */
export function eigenSym2(xx: number, xy: number, yy: number): [number, number] {
  const mean = f(f(xx + yy) * 0.5);
  const halfDiff = f(f(xx - yy) * 0.5);
  const q = f(Math.sqrt(f(f(halfDiff * halfDiff) + f(xy * xy))));
  return [f(mean + q), f(mean - q)];
}

/**
 * Applies `op` pixel by pixel to same-shaped inputs; returns [outputs, ...shape] (output k is
 * the k-th plane block, e.g. larger then smaller eigenvalue).
 */
export function combinePlanes(op: CombineOp, inputs: readonly Planar[]): Planar {
  const { inputs: nIn, outputs: nOut } = COMBINE_ARITY[op];
  if (inputs.length !== nIn) throw new ShapeError(`${op} takes ${nIn} inputs, got ${inputs.length}`);
  const shape = inputs[0].shape;
  for (const x of inputs) {
    if (x.shape.join(',') !== shape.join(',')) throw new ShapeError(`${op}: input shapes differ ([${x.shape.join(',')}] vs [${shape.join(',')}])`);
  }
  const n = inputs[0].data.length;
  const out = planar([nOut, ...shape]);
  const [a, b] = [inputs[0].data, inputs[1].data];
  const d = out.data;
  for (let i = 0; i < n; i++) {
    const va = a[i];
    const vb = b[i];
    switch (op) {
      case 'add':
        d[i] = va + vb;
        break;
      case 'gauss_dog':
        d[i] = va;
        d[n + i] = va - vb;
        break;
      case 'magnitude':
        d[i] = Math.sqrt(f(f(va * va) + f(vb * vb)));
        break;
      case 'tensor_products':
        d[i] = va * va;
        d[n + i] = va * vb;
        d[2 * n + i] = vb * vb;
        break;
      case 'eigen_sym2': {
        const [big, small] = eigenSym2(va, vb, inputs[2].data[i]);
        d[i] = big;
        d[n + i] = small;
        break;
      }
    }
  }
  return out;
}
