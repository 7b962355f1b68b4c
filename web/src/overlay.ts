/**
 * The result layer over the image: the segmentation in class colours, the probability of one
 * class, the uncertainty (1 − the winning probability, rescaled so that a uniform guess is 1),
 * both in the turbo colour map like the napari widget's probability layer, or "annotate here
 * next": the smoothed margin uncertainty with the library's suggested regions outlined and
 * numbered. Translucency is the canvas's CSS opacity, so the opacity slider never recomputes
 * pixels. A region's result (the visible part, computed first) is pasted and drawn on its own.
 */
import { boxMean, marginUncertainty, suggestAnnotationRegions } from 'convpaint-webgpu';
import type { AnnotationSuggestion } from 'convpaint-webgpu';
import type { Rgb } from './canvas/painter';

export type OverlayMode = 'segmentation' | 'probability' | 'uncertainty' | 'suggest';

export interface OverlayData {
  width: number;
  height: number;
  labels: Uint8Array;
  probas?: Float32Array;
  classes: number[];
}

export class Overlay {
  data: OverlayData | null = null;
  private readonly g: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.g = canvas.getContext('2d')!;
  }

  set opacity(value: number) {
    this.canvas.style.opacity = String(value);
  }

  clear(): void {
    this.data = null;
    this.g.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** The regions the last `suggest` drawing outlined (for the page and its test). */
  suggestions: AnnotationSuggestion[] = [];

  /** Draws `data` (kept for re-rendering when the mode or colours change). */
  show(data: OverlayData, mode: OverlayMode, classValue: number, colourOf: (label: number) => Rgb): void {
    this.data = data;
    this.render(mode, classValue, colourOf);
  }

  /**
   * Pastes a region's result into the kept data (started empty when the image size changed, or
   * there was none) and draws that region only. The suggestion view needs the whole plane, so it
   * waits for the whole result.
   */
  showRegion(width: number, height: number, region: { y: number; x: number; height: number; width: number }, part: { labels: Uint8Array; probas?: Float32Array; classes: number[] }, mode: OverlayMode, classValue: number, colourOf: (label: number) => Rgb): void {
    const k = part.classes.length;
    const n = width * height;
    const d = this.data;
    const fits = d && d.width === width && d.height === height && d.classes.join() === part.classes.join() && (!part.probas || d.probas);
    if (!fits) this.data = { width, height, labels: new Uint8Array(n), probas: part.probas ? new Float32Array(k * n) : undefined, classes: part.classes };
    const data = this.data!;
    const rn = region.height * region.width;
    for (let y = 0; y < region.height; y++) {
      const to = (region.y + y) * width + region.x;
      data.labels.set(part.labels.subarray(y * region.width, (y + 1) * region.width), to);
      if (part.probas && data.probas) for (let c = 0; c < k; c++) data.probas.set(part.probas.subarray(c * rn + y * region.width, c * rn + (y + 1) * region.width), c * n + to);
    }
    if (mode !== 'suggest') this.render(mode, classValue, colourOf, region);
  }

  /** Whether `mode` can be drawn from what we have (probability views need the probabilities). */
  canShow(mode: OverlayMode): boolean {
    return !!this.data && (mode === 'segmentation' || !!this.data.probas);
  }

  /** Draws the kept data in `mode`: all of it, or the `region` only. */
  render(mode: OverlayMode, classValue: number, colourOf: (label: number) => Rgb, region?: { y: number; x: number; height: number; width: number }): void {
    const d = this.data;
    if (!d) return;
    if (this.canvas.width !== d.width || this.canvas.height !== d.height) {
      this.canvas.width = d.width;
      this.canvas.height = d.height;
    }
    const n = d.width * d.height;
    if (mode === 'suggest' && d.probas) return this.renderSuggestions(d);
    const r = region ?? { y: 0, x: 0, height: d.height, width: d.width };
    const image = new ImageData(r.width, r.height);
    const px = image.data;
    const k = d.classes.length;
    const index = Math.max(0, d.classes.indexOf(classValue));
    const cache = new Map<number, Rgb>();
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        const i = (r.y + y) * d.width + r.x + x;
        const o = (y * r.width + x) * 4;
        let c: Rgb;
        if (mode === 'segmentation' || !d.probas) {
          const label = d.labels[i];
          c = cache.get(label) ?? colourOf(label);
          cache.set(label, c);
        } else if (mode === 'probability') {
          c = turbo(d.probas[index * n + i]);
        } else {
          let best = 0;
          for (let cl = 0; cl < k; cl++) best = Math.max(best, d.probas[cl * n + i]);
          c = turbo(k > 1 ? ((1 - best) * k) / (k - 1) : 0);
        }
        px[o] = c[0];
        px[o + 1] = c[1];
        px[o + 2] = c[2];
        px[o + 3] = 255;
      }
    }
    this.g.putImageData(image, r.x, r.y);
  }

  /** The smoothed margin uncertainty in turbo, the suggested regions outlined and numbered. */
  private renderSuggestions(d: OverlayData): void {
    const { width: w, height: h } = d;
    const k = d.classes.length;
    const radius = Math.max(2, Math.round(Math.min(h, w) / 32));
    const smooth = boxMean(marginUncertainty(d.probas!, k, [h, w]), [h, w], radius);
    const image = new ImageData(w, h);
    const px = image.data;
    for (let i = 0; i < w * h; i++) {
      const [r, g, b] = turbo(smooth[i]);
      px[i * 4] = r;
      px[i * 4 + 1] = g;
      px[i * 4 + 2] = b;
      px[i * 4 + 3] = 255;
    }
    this.g.putImageData(image, 0, 0);
    this.suggestions = suggestAnnotationRegions(d.probas!, k, [h, w], { radius, count: 5 });
    // The outlined regions, readable from outside the page (its browser test).
    this.canvas.dataset.suggestions = JSON.stringify(this.suggestions.map((s) => [s.y, s.x, s.height, s.width]));
    const line = Math.max(2, Math.round(Math.min(h, w) / 200));
    this.g.lineWidth = line;
    this.g.font = `bold ${Math.max(12, 6 * line)}px sans-serif`;
    this.suggestions.forEach((s, i) => {
      this.g.strokeStyle = '#ffffff';
      this.g.strokeRect(s.x + line / 2, s.y + line / 2, s.width - line, s.height - line);
      this.g.fillStyle = '#ffffff';
      this.g.fillText(String(i + 1), s.x + 2 * line, s.y + 7 * line);
    });
  }
}

/** Google's polynomial fit of the turbo colour map, x in [0, 1]. */
export function turbo(x: number): Rgb {
  const t = x < 0 ? 0 : x > 1 ? 1 : x;
  const r = 0.13572138 + t * (4.6153926 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const b = 0.1066733 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  const to8 = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));
  return [to8(r), to8(g), to8(b)];
}
