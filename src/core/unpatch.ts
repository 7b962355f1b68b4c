/**
 * Bringing a patch grid back to pixels as the reference does for ViT outputs (`_restore_shape`:
 * scikit-image `resize(order=1, mode='reflect')`, i.e. scipy's `zoom(order=1, mode='mirror',
 * grid_mode=True)`): separable linear interpolation at pixel centres, mirrored — not clamped — at
 * the borders, so the outer half patch blends cell 0 with cell 1. Along an axis of n cells and
 * factor p, output o samples s = (o + ½)/p − ½, folded into [0, n − 1] by s → −s below 0 and
 * s → 2(n − 1) − s above; a single cell is constant. (golden/dinov2 README §4.7.)
 */
import { ShapeError } from '../errors.js';

/** Per output index: the two source cells and the weight of the second. */
function axisTaps(cells: number, factor: number, first: number, count: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const t = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    if (cells === 1) continue;
    let s = (first + k + 0.5) / factor - 0.5;
    if (s < 0) s = -s;
    if (s > cells - 1) s = 2 * (cells - 1) - s;
    const lo = Math.floor(s);
    i0[k] = lo;
    i1[k] = Math.min(lo + 1, cells - 1);
    t[k] = s - lo;
  }
  return { i0, i1, t };
}

/** A window of the pixel grid: rows [y0, y0 + height), columns [x0, x0 + width). */
export interface PixelWindow {
  y0: number;
  x0: number;
  height: number;
  width: number;
}

/**
 * `grid` holds `planes` planes of hp × wp cells; the result holds the same planes over `window`
 * of the (hp·factor) × (wp·factor) pixel grid. Interpolated in float64, rounded once.
 */
export function unpatchMirrorBilinear(grid: Float32Array, planes: number, hp: number, wp: number, factor: number, window: PixelWindow): Float32Array {
  if (grid.length !== planes * hp * wp) throw new ShapeError(`unpatch: ${grid.length} values are not ${planes} planes of ${hp}×${wp} cells`);
  const { y0, x0, height, width } = window;
  if (y0 < 0 || x0 < 0 || height < 1 || width < 1 || y0 + height > hp * factor || x0 + width > wp * factor) {
    throw new ShapeError(`unpatch: window ${JSON.stringify(window)} is outside the ${hp * factor}×${wp * factor} pixel grid`);
  }
  const rows = axisTaps(hp, factor, y0, height);
  const cols = axisTaps(wp, factor, x0, width);
  const out = new Float32Array(planes * height * width);
  const line = new Float64Array(wp);
  for (let p = 0; p < planes; p++) {
    const src = p * hp * wp;
    for (let y = 0; y < height; y++) {
      const a = src + rows.i0[y] * wp;
      const b = src + rows.i1[y] * wp;
      const ty = rows.t[y];
      for (let x = 0; x < wp; x++) line[x] = (1 - ty) * grid[a + x] + ty * grid[b + x];
      const dst = (p * height + y) * width;
      for (let x = 0; x < width; x++) {
        const tx = cols.t[x];
        out[dst + x] = (1 - tx) * line[cols.i0[x]] + tx * line[cols.i1[x]];
      }
    }
  }
  return out;
}
