/**
 * The one comparison helper: |actual − expected| ≤ atol + rtol·|expected| element-wise.
 * NaN never equals anything (so an unwritten, NaN-poisoned output fails). A failure names the
 * worst element with its multi-index, the values, its neighbours, and how many elements failed.
 */
export interface Tolerance {
  atol: number;
  rtol: number;
}

export const EXACT: Tolerance = { atol: 0, rtol: 0 };

function multiIndex(flat: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  shape: readonly number[] = [expected.length],
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} ≠ expected ${expected.length} (shape [${shape.join(',')}])`;
  let failures = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const bound = tol.atol + tol.rtol * Math.abs(e);
    const diff = Math.abs(a - e);
    const ok = Number.isFinite(e) || Number.isFinite(a) ? diff <= bound : a === e;
    if (!ok || Number.isNaN(a) || Number.isNaN(e)) {
      failures++;
      const excess = Number.isNaN(diff) ? Infinity : diff - bound;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (failures === 0) return null;
  const lo = Math.max(0, worst - 2);
  const hi = Math.min(expected.length, worst + 3);
  const around = [];
  for (let i = lo; i < hi; i++) around.push(`${i === worst ? '*' : ''}[${multiIndex(i, shape).join(',')}] ${actual[i]} vs ${expected[i]}`);
  return (
    `${failures} of ${expected.length} elements differ beyond atol ${tol.atol} + rtol ${tol.rtol}·|e| ` +
    `(shape [${shape.join(',')}]); worst at [${multiIndex(worst, shape).join(',')}]: ` +
    `actual ${actual[worst]}, expected ${expected[worst]}, |diff| ${Math.abs(actual[worst] - expected[worst])}\n  neighbours: ${around.join('; ')}`
  );
}

/** Throws (failing the test) when the arrays are not close. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  shape?: readonly number[],
  what = 'values',
): void {
  const problem = compareArrays(actual, expected, tol, shape);
  if (problem) throw new Error(`${what}: ${problem}`);
}

/** Tolerance relative to the range of the expected data (for golden comparisons). */
export function rangeTolerance(expected: ArrayLike<number>, relative: number): Tolerance {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    lo = Math.min(lo, expected[i]);
    hi = Math.max(hi, expected[i]);
  }
  return { atol: relative * Math.max(hi - lo, 1e-12), rtol: 0 };
}
