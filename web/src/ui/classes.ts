/**
 * The class list: a name and a colour per class value (1, 2, …; 0 is "unlabelled"), one of them
 * active for the brush. Like the napari widget: two classes to start (Background, Foreground),
 * add and remove (removing also deletes that class's scribbles — the page does that), and keys
 * 1–9 select a class.
 */
import type { Rgb } from '../canvas/painter';
import { isTyping } from '../canvas/view';

export interface ClassEntry {
  value: number;
  name: string;
  colour: Rgb;
}

// Distinct, colour-blind-friendlier hues (Okabe–Ito, then a few more).
const PALETTE: Rgb[] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [204, 121, 167],
  [240, 228, 66],
  [86, 180, 233],
  [213, 94, 0],
  [120, 94, 240],
  [150, 150, 150],
];

const hex = (c: Rgb) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const fromHex = (s: string): Rgb => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16)) as Rgb;

export class ClassList {
  classes: ClassEntry[] = [];
  active = 1;
  onSelect: (value: number) => void = () => undefined;
  onRemove: (value: number) => void = () => undefined;
  /** Names or colours changed: redraw. */
  onRestyle: () => void = () => undefined;

  constructor(
    private readonly list: HTMLElement,
    addButton: HTMLButtonElement,
  ) {
    addButton.addEventListener('click', () => this.add());
    window.addEventListener('keydown', (e) => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const k = Number(e.key);
      if (k >= 1 && k <= 9 && this.classes[k - 1]) this.select(this.classes[k - 1].value);
    });
    this.reset();
  }

  reset(): void {
    this.classes = [
      { value: 1, name: 'Background', colour: PALETTE[0] },
      { value: 2, name: 'Foreground', colour: PALETTE[1] },
    ];
    this.active = 1;
    this.render();
  }

  colourOf = (value: number): Rgb => {
    const entry = this.classes.find((c) => c.value === value);
    return entry ? entry.colour : PALETTE[(value - 1) % PALETTE.length] ?? [128, 128, 128];
  };

  /** The class's name in the list (escaped for HTML), or "Class v" for a value not listed. */
  nameOf(value: number): string {
    const name = this.classes.find((c) => c.value === value)?.name ?? `Class ${value}`;
    return name.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  }

  add(): void {
    const value = Math.max(0, ...this.classes.map((c) => c.value)) + 1;
    if (value > 255) return;
    this.classes.push({ value, name: `Class ${value}`, colour: PALETTE[(value - 1) % PALETTE.length] });
    this.select(value);
  }

  select(value: number): void {
    this.active = value;
    this.render();
    this.onSelect(value);
  }

  private remove(value: number): void {
    if (this.classes.length <= 1) return;
    const entry = this.classes.find((c) => c.value === value);
    if (!entry || !confirm(`Remove class "${entry.name}" and its scribbles?`)) return;
    this.classes = this.classes.filter((c) => c.value !== value);
    if (this.active === value) this.active = this.classes[0].value;
    this.render();
    this.onRemove(value);
    this.onSelect(this.active);
  }

  render(): void {
    this.list.replaceChildren();
    for (const [i, c] of this.classes.entries()) {
      const row = document.createElement('li');
      row.className = c.value === this.active ? 'class-row active' : 'class-row';
      row.dataset.value = String(c.value);
      const pick = document.createElement('input');
      pick.type = 'radio';
      pick.name = 'active-class';
      pick.checked = c.value === this.active;
      pick.title = `Paint this class (key ${i + 1})`;
      pick.addEventListener('change', () => this.select(c.value));
      const colour = document.createElement('input');
      colour.type = 'color';
      colour.value = hex(c.colour);
      colour.title = 'Colour';
      colour.addEventListener('input', () => {
        c.colour = fromHex(colour.value);
        this.onRestyle();
      });
      const name = document.createElement('input');
      name.type = 'text';
      name.value = c.name;
      name.className = 'class-name';
      name.addEventListener('change', () => {
        c.name = name.value || `Class ${c.value}`;
        this.onRestyle();
      });
      const remove = document.createElement('button');
      remove.textContent = '−';
      remove.title = 'Remove this class and its scribbles';
      remove.className = 'remove';
      remove.disabled = this.classes.length <= 1;
      remove.addEventListener('click', () => this.remove(c.value));
      row.addEventListener('click', (e) => {
        if (e.target === row) this.select(c.value);
      });
      row.append(pick, colour, name, remove);
      this.list.append(row);
    }
  }
}
