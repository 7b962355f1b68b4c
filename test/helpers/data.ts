/** Real test data from ../shared (cloned next to the repo in CI): golden files and images. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';

export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));

export function sharedPath(rel: string): string {
  const p = SHARED + rel;
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (the repo must sit next to shared/)`);
  return p;
}

/** coins.png as float32 [303, 384] (from the golden file, which stores the decoded image). */
export function loadCoins(): { data: Float32Array; shape: [number, number] } {
  const file = readSafetensors(readFileSync(sharedPath('golden/gaussian_gray2d.safetensors')));
  const img = file.getFloat32('image');
  return { data: img, shape: [303, 384] };
}
