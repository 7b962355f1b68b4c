/**
 * The status line at the bottom (stage, progress, time per update) and the message banner at
 * the top of the image area (no WebGPU, large images, weights needed, errors). The status
 * element's data-state attribute (idle / busy / error) is what the browser test waits on.
 */
export class Status {
  constructor(
    private readonly line: HTMLElement,
    private readonly banner: HTMLElement,
  ) {}

  busy(text: string): void {
    this.set('busy', text);
  }

  idle(text: string): void {
    this.set('idle', text);
  }

  error(text: string): void {
    this.set('error', text);
  }

  private set(state: string, text: string): void {
    this.line.dataset.state = state;
    this.line.textContent = text;
  }

  /** Shows a message with optional buttons; `key` lets a later call replace or hide it. */
  message(key: string, kind: 'info' | 'warn' | 'error', text: string, actions: Array<{ label: string; run: () => void }> = []): void {
    this.hide(key);
    const box = document.createElement('div');
    box.className = `message ${kind}`;
    box.dataset.key = key;
    const p = document.createElement('span');
    p.textContent = text;
    box.append(p);
    for (const a of actions) {
      const b = document.createElement('button');
      b.textContent = a.label;
      b.addEventListener('click', () => a.run());
      box.append(b);
    }
    const close = document.createElement('button');
    close.className = 'close';
    close.title = 'Dismiss';
    close.textContent = '×';
    close.addEventListener('click', () => box.remove());
    box.append(close);
    this.banner.append(box);
  }

  hide(key: string): void {
    this.banner.querySelector(`[data-key="${key}"]`)?.remove();
  }
}

export function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`;
}
