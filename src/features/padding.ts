/**
 * How much context the image gets before feature extraction (REFERENCE.md §4.5): at least the
 * FE's receptive-field padding times the largest scaling, with the top/left pad and the padded
 * size on the alignment grid (lcm(scalings) × patch size), so every pyramid level divides evenly
 * and tiles cut on that grid give features identical to the whole image's.
 */
import { lcm } from './plan.js';
import type { Pads } from '../reference/pad.js';

export function alignUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

export function overallPaddings(fePadding: number, patchSize: number, scalings: readonly number[], height: number, width: number): Pads & { alignment: number } {
  const a = lcm(scalings) * patchSize;
  const minPad = fePadding * Math.max(...scalings);
  const start = minPad === 0 ? 0 : alignUp(minPad, a);
  const paddedH = alignUp(start + height + minPad, a);
  const paddedW = alignUp(start + width + minPad, a);
  return { top: start, left: start, bottom: paddedH - height - start, right: paddedW - width - start, alignment: a };
}
