/**
 * Training rows: checks shared by the trainers, class-value ↔ index mapping, and the reference's
 * lexicographic row order (REFERENCE.md §4.7: rows are sorted by their feature values, stably,
 * before fitting, so the model does not depend on how the rows were gathered).
 */
import { ShapeError, ValueError } from '../errors.js';

/** Class values in a training table: `classes` sorted ascending, `index[i]` = position of y[i]. */
export interface ClassMapping {
  classes: Int32Array;
  index: Uint32Array;
}

/**
 * Validates a training table (x row-major [n, F], y class values) and maps the labels.
 * @throws ShapeError when sizes disagree; ValueError when there are no rows, a label is not an
 *   integer, or fewer than two distinct classes (the reference raises ValueError for both).
 */
export function checkTrainingRows(x: Float32Array, y: ArrayLike<number>, nFeatures: number): ClassMapping {
  if (!(x instanceof Float32Array)) throw new ShapeError('training features must be a Float32Array, row-major [n, F]');
  if (!Number.isSafeInteger(nFeatures) || nFeatures < 1) throw new ShapeError(`nFeatures must be a positive integer, got ${nFeatures}`);
  const n = y.length;
  if (n === 0) throw new ValueError('no training rows: annotate at least two classes');
  if (x.length !== n * nFeatures) {
    throw new ShapeError(`training features hold ${x.length} values but ${n} labels × ${nFeatures} features need ${n * nFeatures}`);
  }
  const values = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new ValueError(`label ${i} is ${v}, not a 32-bit integer`);
    values.add(v);
  }
  if (values.size < 2) throw new ValueError(`training needs at least 2 distinct classes, got ${values.size} (${[...values].join(', ')})`);
  const classes = Int32Array.from([...values].sort((a, b) => a - b));
  const lookup = new Map<number, number>();
  classes.forEach((c, k) => lookup.set(c, k));
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = lookup.get(y[i])!;
  return { classes, index };
}

/** Total order on float32 values for sorting: NaN after everything (as numpy sorts). */
function compareValues(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/**
 * Rows sorted lexicographically by their feature values (feature 0 first, then 1, …), stable for
 * identical rows, with labels carried along: the order the reference fits its classifier in.
 * Returns new arrays; the inputs are not modified.
 */
export function sortRowsLexicographic(
  x: Float32Array,
  y: ArrayLike<number>,
  nFeatures: number,
): { x: Float32Array; y: Int32Array; order: Uint32Array } {
  const n = y.length;
  if (x.length !== n * nFeatures) throw new ShapeError(`sortRowsLexicographic: ${x.length} values for ${n} rows × ${nFeatures} features`);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const ra = a * nFeatures;
    const rb = b * nFeatures;
    for (let f = 0; f < nFeatures; f++) {
      const c = compareValues(x[ra + f], x[rb + f]);
      if (c !== 0) return c;
    }
    return a - b;
  });
  const xs = new Float32Array(x.length);
  const ys = new Int32Array(n);
  order.forEach((src, dst) => {
    xs.set(x.subarray(src * nFeatures, (src + 1) * nFeatures), dst * nFeatures);
    ys[dst] = y[src];
  });
  return { x: xs, y: ys, order: Uint32Array.from(order) };
}

/** Progress report of a trainer: `done` of `total` units (trees) of `stage`. */
export interface TrainProgress {
  stage: 'quantize' | 'gbdt' | 'random-forest';
  done: number;
  total: number;
}
