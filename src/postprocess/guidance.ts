/**
 * What to look at and where to paint next, from a prediction: the uncertainty of every pixel
 * (how close the two most likely classes are), the places where it is highest — smoothed, so a
 * suggestion is a region worth a stroke rather than a speckle — and the area of every class.
 * Plain TypeScript over the arrays `predictProbas` / `segment` return; the web page draws them.
 */
import { ShapeError, ValueError } from '../errors.js';

/**
 * Uncertainty per pixel from probabilities [K, H, W]: 1 − (p₁ − p₂), the margin between the
 * most and the second most likely class — 1 where two classes tie, 0 where one is certain.
 */
export function marginUncertainty(probas: Float32Array, classes: number, [h, w]: readonly [number, number]): Float32Array {
  const n = h * w;
  if (classes < 1 || probas.length !== classes * n) throw new ShapeError(`uncertainty: ${probas.length} probabilities are not [${classes}, ${h}, ${w}]`);
  const out = new Float32Array(n);
  if (classes === 1) return out;
  for (let i = 0; i < n; i++) {
    let p1 = -1;
    let p2 = -1;
    for (let k = 0; k < classes; k++) {
      const p = probas[k * n + i];
      if (p > p1) {
        p2 = p1;
        p1 = p;
      } else if (p > p2) p2 = p;
    }
    out[i] = 1 - (p1 - p2);
  }
  return out;
}

/** The mean of `map` [H, W] over a (2r + 1)² box around every pixel (clipped at the image edges), via an integral image. */
export function boxMean(map: Float32Array, [h, w]: readonly [number, number], radius: number): Float32Array {
  if (!Number.isInteger(radius) || radius < 0) throw new ValueError(`box radius must be an integer ≥ 0, got ${radius}`);
  const sat = new Float64Array((h + 1) * (w + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += map[y * w + x];
      sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
    }
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(h, y + radius + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(w, x + radius + 1);
      const sum = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0] + sat[y0 * (w + 1) + x0];
      out[y * w + x] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** A suggested place to annotate: a box of the image and its mean uncertainty (0..1). */
export interface AnnotationSuggestion {
  y: number;
  x: number;
  height: number;
  width: number;
  uncertainty: number;
}

/**
 * The most uncertain regions of a prediction — where one more stroke teaches the classifier the
 * most (uncertainty sampling, the classic active-learning rule): the margin uncertainty
 * box-smoothed over `radius` pixels (default: 1/32 of the smaller side), then up to `count` boxes
 * of side 2·radius + 1 around its highest values (on a grid of step `radius`), none overlapping
 * another, most uncertain first.
 * Peaks below `minUncertainty` (default 0.2) are not suggested: a confident image suggests nothing.
 */
export function suggestAnnotationRegions(
  probas: Float32Array,
  classes: number,
  [h, w]: readonly [number, number],
  options: { count?: number; radius?: number; minUncertainty?: number } = {},
): AnnotationSuggestion[] {
  const count = options.count ?? 5;
  const radius = options.radius ?? Math.max(2, Math.round(Math.min(h, w) / 32));
  const floor = options.minUncertainty ?? 0.2;
  const smooth = boxMean(marginUncertainty(probas, classes, [h, w]), [h, w], radius);
  // Candidate centres on a grid of step `radius` (a box's peak is never more than radius/2 from
  // one), so a large image needs no sort of every pixel.
  const step = Math.max(1, radius);
  const candidates: number[] = [];
  for (let y = Math.floor(step / 2); y < h; y += step) for (let x = Math.floor(step / 2); x < w; x += step) candidates.push(y * w + x);
  const order = candidates.sort((a, b) => smooth[b] - smooth[a] || a - b);
  const taken: AnnotationSuggestion[] = [];
  const side = 2 * radius + 1;
  for (const i of order) {
    if (taken.length >= count || smooth[i] < floor) break;
    const cy = Math.floor(i / w);
    const cx = i % w;
    const box = {
      y: Math.min(Math.max(0, cy - radius), Math.max(0, h - side)),
      x: Math.min(Math.max(0, cx - radius), Math.max(0, w - side)),
      height: Math.min(side, h),
      width: Math.min(side, w),
      uncertainty: smooth[i],
    };
    const overlaps = taken.some((t) => box.y < t.y + t.height && t.y < box.y + box.height && box.x < t.x + t.width && t.x < box.x + box.width);
    if (!overlaps) taken.push(box);
  }
  return taken;
}

/** Pixels of one class in a segmentation, and their share of all pixels. */
export interface ClassArea {
  value: number;
  pixels: number;
  fraction: number;
}

/** The area of every class of `classes` in a segmentation (classes absent from it count 0). */
export function classAreas(labels: ArrayLike<number>, classes: ArrayLike<number>): ClassArea[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < classes.length; i++) counts.set(classes[i], 0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const n = Math.max(1, labels.length);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([value, pixels]) => ({ value, pixels, fraction: pixels / n }));
}
