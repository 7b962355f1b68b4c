/** CPU reference of shaders/labels.wgsl: argmax over classes and the disk majority filter. */
import { ShapeError } from '../errors.js';

/** probas [K, N] planar → class index per pixel (ties → first). */
export function argmaxClasses(probas: Float32Array, classes: number): Uint32Array {
  if (classes < 1 || probas.length % classes !== 0) throw new ShapeError(`argmax: ${probas.length} values are not [${classes}, N]`);
  const n = probas.length / classes;
  const out = new Uint32Array(n);
  for (let p = 0; p < n; p++) {
    let best = 0;
    let bestValue = probas[p];
    for (let k = 1; k < classes; k++) {
      const v = probas[k * n + p];
      if (v > bestValue) {
        best = k;
        bestValue = v;
      }
    }
    out[p] = best;
  }
  return out;
}

/**
 * Majority filter with a disk of the given radius (Euclidean distance ≤ r), per plane of
 * [planes, h, w] labels; pixels outside the image do not vote; ties → the smallest index.
 */
export function majorityFilter(labels: Uint32Array, shape: readonly [number, number, number], classes: number, radius: number): Uint32Array {
  const [planes, h, w] = shape;
  if (labels.length !== planes * h * w) throw new ShapeError(`majority: ${labels.length} labels do not fit [${shape.join(',')}]`);
  const out = new Uint32Array(labels.length);
  const counts = new Uint32Array(classes);
  const r = radius;
  for (let z = 0; z < planes; z++) {
    const base = z * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        counts.fill(0);
        for (let dy = -r; dy <= r; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -r; dx <= r; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w || dx * dx + dy * dy > r * r) continue;
            counts[labels[base + yy * w + xx]]++;
          }
        }
        let best = 0;
        for (let k = 1; k < classes; k++) if (counts[k] > counts[best]) best = k;
        out[base + y * w + x] = best;
      }
    }
  }
  return out;
}
