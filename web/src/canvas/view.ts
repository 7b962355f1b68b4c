/**
 * Zoom and pan. The image, overlay and annotation canvases sit at image resolution inside one
 * "stage" element that is moved with a CSS transform, so zooming never redraws pixels and every
 * layer stays aligned. Wheel zooms about the cursor; the middle or right button, or the left
 * button with Space held, pans.
 */
export class View {
  scale = 1;
  tx = 0;
  ty = 0;
  private width = 1;
  private height = 1;
  private spaceHeld = false;
  private panFrom: { x: number; y: number; tx: number; ty: number } | null = null;
  /** Called after every zoom or pan (often: debounce what it starts). */
  onChange: (() => void) | null = null;

  constructor(
    readonly viewport: HTMLElement,
    private readonly stage: HTMLElement,
  ) {
    viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    viewport.addEventListener('pointerup', (e) => this.onPointerUp(e));
    viewport.addEventListener('contextmenu', (e) => e.preventDefault());
    window.addEventListener('keydown', (e) => {
      if (e.code === 'Space' && !isTyping(e)) {
        this.spaceHeld = true;
        viewport.classList.add('panning');
        e.preventDefault();
      }
    });
    window.addEventListener('keyup', (e) => {
      if (e.code === 'Space') {
        this.spaceHeld = false;
        viewport.classList.remove('panning');
      }
    });
    new ResizeObserver(() => this.apply()).observe(viewport);
  }

  /** New image: show all of it. */
  setImageSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.fit();
  }

  fit(): void {
    const vw = this.viewport.clientWidth || 800;
    const vh = this.viewport.clientHeight || 600;
    this.scale = Math.min(vw / this.width, vh / this.height) * 0.98;
    this.tx = (vw - this.width * this.scale) / 2;
    this.ty = (vh - this.height * this.scale) / 2;
    this.apply();
  }

  zoomBy(factor: number, clientX?: number, clientY?: number): void {
    const rect = this.viewport.getBoundingClientRect();
    const cx = (clientX ?? rect.left + rect.width / 2) - rect.left;
    const cy = (clientY ?? rect.top + rect.height / 2) - rect.top;
    const next = Math.min(64, Math.max(0.05, this.scale * factor));
    // Keep the image point under the cursor fixed.
    this.tx = cx - ((cx - this.tx) * next) / this.scale;
    this.ty = cy - ((cy - this.ty) * next) / this.scale;
    this.scale = next;
    this.apply();
  }

  /** The image pixels on screen (whole pixels, clipped to the image), or null when none is. */
  visibleRegion(): { y: number; x: number; height: number; width: number } | null {
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    const x0 = Math.max(0, Math.floor(-this.tx / this.scale));
    const y0 = Math.max(0, Math.floor(-this.ty / this.scale));
    const x1 = Math.min(this.width, Math.ceil((vw - this.tx) / this.scale));
    const y1 = Math.min(this.height, Math.ceil((vh - this.ty) / this.scale));
    if (x1 <= x0 || y1 <= y0) return null;
    return { y: y0, x: x0, height: y1 - y0, width: x1 - x0 };
  }

  /** Client coordinates → image coordinates (pixels, fractional). */
  toImage(clientX: number, clientY: number): { x: number; y: number } {
    const rect = this.viewport.getBoundingClientRect();
    return { x: (clientX - rect.left - this.tx) / this.scale, y: (clientY - rect.top - this.ty) / this.scale };
  }

  /** Whether a pointer-down starts a pan rather than a brush stroke. */
  isPanGesture(e: PointerEvent): boolean {
    return e.button === 1 || e.button === 2 || (e.button === 0 && this.spaceHeld);
  }

  private apply(): void {
    this.stage.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${this.scale})`;
    this.viewport.dataset.zoom = this.scale.toFixed(3);
    this.onChange?.();
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX, e.clientY);
  }

  private onPointerDown(e: PointerEvent): void {
    if (!this.isPanGesture(e)) return;
    this.panFrom = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty };
    this.viewport.setPointerCapture(e.pointerId);
    this.viewport.classList.add('panning');
  }

  private onPointerMove(e: PointerEvent): void {
    if (!this.panFrom) return;
    this.tx = this.panFrom.tx + e.clientX - this.panFrom.x;
    this.ty = this.panFrom.ty + e.clientY - this.panFrom.y;
    this.apply();
  }

  private onPointerUp(e: PointerEvent): void {
    if (!this.panFrom) return;
    this.panFrom = null;
    this.viewport.releasePointerCapture(e.pointerId);
    if (!this.spaceHeld) this.viewport.classList.remove('panning');
  }
}

const CLICK_INPUTS = ['radio', 'checkbox', 'range', 'button', 'color', 'file'];

/** Whether a key event goes to a field the user types into (then it is not a shortcut). */
export function isTyping(e: Event): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  if (t.tagName === 'INPUT') return !CLICK_INPUTS.includes((t as HTMLInputElement).type);
  return t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable;
}
