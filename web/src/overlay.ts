/**
 * The result layer over the image: the segmentation in class colours, the probability of one
 * class, or the uncertainty (1 − the winning probability, rescaled so that a uniform guess is 1),
 * both in the turbo colour map like the napari widget's probability layer. Translucency is the
 * canvas's CSS opacity, so the opacity slider never recomputes pixels.
 */
import type { Rgb } from './canvas/painter';

export type OverlayMode = 'segmentation' | 'probability' | 'uncertainty';

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

  /** Draws `data` (kept for re-rendering when the mode or colours change). */
  show(data: OverlayData, mode: OverlayMode, classValue: number, colourOf: (label: number) => Rgb): void {
    this.data = data;
    this.render(mode, classValue, colourOf);
  }

  /** Whether `mode` can be drawn from what we have (probability views need the probabilities). */
  canShow(mode: OverlayMode): boolean {
    return !!this.data && (mode === 'segmentation' || !!this.data.probas);
  }

  render(mode: OverlayMode, classValue: number, colourOf: (label: number) => Rgb): void {
    const d = this.data;
    if (!d) return;
    if (this.canvas.width !== d.width || this.canvas.height !== d.height) {
      this.canvas.width = d.width;
      this.canvas.height = d.height;
    }
    const n = d.width * d.height;
    const image = new ImageData(d.width, d.height);
    const px = image.data;
    if (mode === 'segmentation' || !d.probas) {
      const cache = new Map<number, Rgb>();
      for (let i = 0; i < n; i++) {
        const label = d.labels[i];
        let c = cache.get(label);
        if (!c) cache.set(label, (c = colourOf(label)));
        px[i * 4] = c[0];
        px[i * 4 + 1] = c[1];
        px[i * 4 + 2] = c[2];
        px[i * 4 + 3] = 255;
      }
    } else {
      const k = d.classes.length;
      const probas = d.probas;
      const index = Math.max(0, d.classes.indexOf(classValue));
      for (let i = 0; i < n; i++) {
        let v: number;
        if (mode === 'probability') {
          v = probas[index * n + i];
        } else {
          let best = 0;
          for (let c = 0; c < k; c++) best = Math.max(best, probas[c * n + i]);
          v = k > 1 ? ((1 - best) * k) / (k - 1) : 0;
        }
        const [r, g, b] = turbo(v);
        px[i * 4] = r;
        px[i * 4 + 1] = g;
        px[i * 4 + 2] = b;
        px[i * 4 + 3] = 255;
      }
    }
    this.g.putImageData(image, 0, 0);
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
