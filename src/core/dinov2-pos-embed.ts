/**
 * DINOv2's position embedding brought to a patch grid of hp × wp (REFERENCE golden README §5):
 * the stored 37×37 grid resized with PyTorch's antialiased bicubic (`F.interpolate(mode='bicubic',
 * antialias=True, align_corners=False)`, a PIL-style separable filter with the cubic kernel
 * a = −0.5, its support widened by the scale when shrinking and its weights renormalised at the
 * borders). Rows are resized first, then columns, in float64 — the result is a few hundred
 * thousand values computed once per grid size on the host, so there is no kernel for it.
 */
import { ShapeError } from '../errors.js';

/** The cubic-convolution kernel with a = −0.5 (the antialiased path's; not torch's −0.75). */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
  if (t < 2) return a * (t ** 3 - 5 * t ** 2 + 8 * t - 4);
  return 0;
}

/** Per output cell: the first source index and the normalised weights of the sources it reads. */
export function antialiasedBicubicWeights(nIn: number, nOut: number): Array<{ start: number; weights: number[] }> {
  const scale = nIn / nOut;
  const support = scale >= 1 ? 2 * scale : 2;
  const inv = scale >= 1 ? 1 / scale : 1;
  const taps: Array<{ start: number; weights: number[] }> = [];
  for (let i = 0; i < nOut; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), nIn);
    const weights: number[] = [];
    for (let j = xmin; j < xmax; j++) weights.push(cubic((j - center + 0.5) * inv));
    const sum = weights.reduce((a, b) => a + b, 0);
    taps.push({ start: xmin, weights: weights.map((w) => (sum === 0 ? 0 : w / sum)) });
  }
  return taps;
}

/**
 * The patch tokens' position embeddings for an hp × wp grid: [hp·wp, dim] (row-major cells),
 * from `posEmbed` [1 + grid², dim] (row 0 the cls position, not part of the result). The stored
 * grid is used as it is only for a grid² token count on a square input, as the reference does.
 */
export function interpolatePosEmbed(posEmbed: Float32Array, grid: number, dim: number, hp: number, wp: number): Float32Array {
  if (posEmbed.length !== (1 + grid * grid) * dim) throw new ShapeError(`position embedding holds ${posEmbed.length} values, expected [${1 + grid * grid}, ${dim}]`);
  if (!Number.isInteger(hp) || !Number.isInteger(wp) || hp < 1 || wp < 1) throw new ShapeError(`patch grid must be positive integers, got ${hp}×${wp}`);
  if (hp === grid && wp === grid) return posEmbed.slice(dim);
  const rowTaps = antialiasedBicubicWeights(grid, hp);
  const colTaps = antialiasedBicubicWeights(grid, wp);
  const out = new Float32Array(hp * wp * dim);
  const rows = new Float64Array(hp * grid);
  for (let c = 0; c < dim; c++) {
    const at = (y: number, x: number) => posEmbed[(1 + y * grid + x) * dim + c];
    for (let oy = 0; oy < hp; oy++) {
      const { start, weights } = rowTaps[oy];
      for (let x = 0; x < grid; x++) {
        let s = 0;
        for (let t = 0; t < weights.length; t++) s += weights[t] * at(start + t, x);
        rows[oy * grid + x] = s;
      }
    }
    for (let oy = 0; oy < hp; oy++) {
      for (let ox = 0; ox < wp; ox++) {
        const { start, weights } = colTaps[ox];
        let s = 0;
        for (let t = 0; t < weights.length; t++) s += weights[t] * rows[oy * grid + start + t];
        out[(oy * wp + ox) * dim + c] = s;
      }
    }
  }
  return out;
}
