/**
 * Brush painting into a label mask (one byte per pixel, 0 = unlabelled, else the class value),
 * drawn on the annotation canvas. A stroke is everything between pointer-down and pointer-up; it
 * records the previous value of each pixel it touched, so undo restores exactly that stroke.
 */
import type { View } from './view';

export type Rgb = [number, number, number];

interface UndoStep {
  plane: number;
  indices: Int32Array;
  previous: Uint8Array;
}

const MAX_UNDO = 200;

export class Painter {
  /** Brush diameter in image pixels. */
  brush = 3;
  /** Class value painted; the eraser paints 0. */
  label = 1;
  erasing = false;
  enabled = false;

  private width = 0;
  private height = 0;
  private plane = 0;
  private mask: Uint8Array = new Uint8Array(0);
  private pixels: ImageData | null = null;
  private readonly g: CanvasRenderingContext2D;
  private stroke: Map<number, number> | null = null;
  private last: { x: number; y: number } | null = null;
  private dirty: { x0: number; y0: number; x1: number; y1: number } | null = null;
  private frame = 0;
  private readonly undoSteps: UndoStep[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly view: View,
    private readonly colourOf: (label: number) => Rgb,
    /** Called after a stroke or an undo changed the mask. */
    private readonly onChange: (plane: number) => void,
  ) {
    this.g = canvas.getContext('2d')!;
    const vp = view.viewport;
    vp.addEventListener('pointerdown', (e) => this.onDown(e));
    vp.addEventListener('pointermove', (e) => this.onMove(e));
    vp.addEventListener('pointerup', (e) => this.onUp(e));
    vp.addEventListener('pointercancel', (e) => this.onUp(e));
  }

  /** Shows `mask` (the current plane's labels; painted in place). */
  setPlane(plane: number, mask: Uint8Array, width: number, height: number): void {
    this.plane = plane;
    this.mask = mask;
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.canvas.width = width;
      this.canvas.height = height;
      this.pixels = new ImageData(width, height);
    }
    this.redraw();
  }

  /** New image: forget the undo history too. */
  reset(): void {
    this.undoSteps.length = 0;
  }

  redraw(): void {
    if (!this.pixels) return;
    const px = this.pixels.data;
    for (let i = 0; i < this.mask.length; i++) this.paintPixel(px, i, this.mask[i]);
    this.g.putImageData(this.pixels, 0, 0);
  }

  get canUndo(): boolean {
    return this.undoSteps.length > 0;
  }

  /** Undoes the last stroke; returns the plane it was on, or null when there is nothing to undo. */
  undo(masks: Uint8Array[]): number | null {
    const step = this.undoSteps.pop();
    if (!step) return null;
    const mask = masks[step.plane];
    for (let k = 0; k < step.indices.length; k++) mask[step.indices[k]] = step.previous[k];
    if (step.plane === this.plane) this.redraw();
    this.onChange(step.plane);
    return step.plane;
  }

  /** Forgets undo steps of a plane whose mask was changed outside painting (class removal). */
  dropUndo(): void {
    this.undoSteps.length = 0;
  }

  private paintPixel(px: Uint8ClampedArray, i: number, label: number): void {
    if (label === 0) {
      px[i * 4 + 3] = 0;
      return;
    }
    const [r, g, b] = this.colourOf(label);
    px[i * 4] = r;
    px[i * 4 + 1] = g;
    px[i * 4 + 2] = b;
    px[i * 4 + 3] = 255;
  }

  private onDown(e: PointerEvent): void {
    if (!this.enabled || e.button !== 0 || this.view.isPanGesture(e)) return;
    this.view.viewport.setPointerCapture(e.pointerId);
    this.stroke = new Map();
    this.last = this.view.toImage(e.clientX, e.clientY);
    this.stamp(this.last.x, this.last.y);
    this.scheduleFlush();
  }

  private onMove(e: PointerEvent): void {
    if (!this.stroke || !this.last) return;
    const to = this.view.toImage(e.clientX, e.clientY);
    // Stamp along the segment so fast mouse moves leave no gaps.
    const dist = Math.hypot(to.x - this.last.x, to.y - this.last.y);
    const step = Math.max(0.5, this.brush / 4);
    const n = Math.max(1, Math.ceil(dist / step));
    for (let k = 1; k <= n; k++) this.stamp(this.last.x + ((to.x - this.last.x) * k) / n, this.last.y + ((to.y - this.last.y) * k) / n);
    this.last = to;
    this.scheduleFlush();
  }

  private onUp(e: PointerEvent): void {
    if (!this.stroke) return;
    const stroke = this.stroke;
    this.stroke = null;
    this.last = null;
    if (this.view.viewport.hasPointerCapture(e.pointerId)) this.view.viewport.releasePointerCapture(e.pointerId);
    this.flush();
    if (stroke.size === 0) return;
    const indices = Int32Array.from(stroke.keys());
    const previous = Uint8Array.from(stroke.values());
    this.undoSteps.push({ plane: this.plane, indices, previous });
    if (this.undoSteps.length > MAX_UNDO) this.undoSteps.shift();
    this.onChange(this.plane);
  }

  /** A disc of `brush` pixels' diameter centred on the pixel under (x, y). */
  private stamp(x: number, y: number): void {
    const cx = Math.floor(x);
    const cy = Math.floor(y);
    const r = this.brush / 2;
    const ri = Math.floor(r);
    const value = this.erasing ? 0 : this.label;
    const px = this.pixels!.data;
    for (let dy = -ri; dy <= ri; dy++) {
      const yy = cy + dy;
      if (yy < 0 || yy >= this.height) continue;
      for (let dx = -ri; dx <= ri; dx++) {
        const xx = cx + dx;
        if (xx < 0 || xx >= this.width || dx * dx + dy * dy > r * r) continue;
        const i = yy * this.width + xx;
        if (this.mask[i] === value) continue;
        if (!this.stroke!.has(i)) this.stroke!.set(i, this.mask[i]);
        this.mask[i] = value;
        this.paintPixel(px, i, value);
      }
    }
    const d = this.dirty ?? { x0: cx, y0: cy, x1: cx, y1: cy };
    this.dirty = { x0: Math.min(d.x0, cx - ri), y0: Math.min(d.y0, cy - ri), x1: Math.max(d.x1, cx + ri), y1: Math.max(d.y1, cy + ri) };
  }

  private scheduleFlush(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const d = this.dirty;
    if (!d || !this.pixels) return;
    this.dirty = null;
    const x0 = Math.max(0, d.x0);
    const y0 = Math.max(0, d.y0);
    const x1 = Math.min(this.width - 1, d.x1);
    const y1 = Math.min(this.height - 1, d.y1);
    if (x1 < x0 || y1 < y0) return;
    this.g.putImageData(this.pixels, 0, 0, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  }
}
