/**
 * The reference's synthetic test scene (REFERENCE.md §7): uint8 noise 0..54 with a bright
 * centred square (+200), ground truth 1 outside / 2 inside, and two scribbled disks of radius 7
 * (label 1 at (125, 70), label 2 at (125, 125)) — scaled to any size.
 */
import { rng } from './random.js';

export interface Scene {
  image: { data: Uint8Array; shape: number[] };
  annotations: { data: Uint8Array; shape: number[] };
  truth: Uint8Array;
}

export function squareScene(size = 64, seed = 1, channels: 1 | 3 = 1): Scene {
  const next = rng(seed);
  const plane = size * size;
  const data = new Uint8Array(channels * plane);
  const truth = new Uint8Array(plane);
  const lo = Math.round(size * (91 / 252));
  const hi = Math.round(size * (161 / 252));
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = y >= lo && y < hi && x >= lo && x < hi;
        // the square only in the first channel, as the reference's RGB variant (red only)
        data[c * plane + y * size + x] = Math.floor(next() * 55) + (inside && c === 0 ? 200 : 0);
        truth[y * size + x] = inside ? 2 : 1;
      }
    }
  }
  const annotations = new Uint8Array(plane);
  const r = Math.max(2, Math.round(size * (7 / 252)));
  const disk = (cy: number, cx: number, label: number) => {
    for (let y = cy - r; y <= cy + r; y++) for (let x = cx - r; x <= cx + r; x++) if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) annotations[y * size + x] = label;
  };
  const cy = Math.round(size * (125 / 252));
  disk(cy, Math.round(size * (70 / 252)), 1);
  disk(cy, Math.round(size * (125 / 252)), 2);
  return {
    image: { data, shape: channels === 1 ? [size, size] : [channels, size, size] },
    annotations: { data: annotations, shape: [size, size] },
    truth,
  };
}

/** Fraction of pixels where `a` equals `b` (optionally only where `mask` is 0). */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  let n = 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && mask[i] !== 0) continue;
    n++;
    if (a[i] === b[i]) same++;
  }
  return same / n;
}
