/** The checkpoints in test/fixtures/weights (made by make-fixtures.py there) and their formula. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/weights/', import.meta.url));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

export const MODULES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
export const CHANNELS = [3, 4, 4, 6, 6, 8, 8, 8, 8, 8, 8, 8, 8, 8];

/** make-fixtures.py's value(layer, i) in float64 (round to float32 / float16 to compare). */
export function expectedValues(layer: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => ((7 * i + 13 * layer) % 97) / 97 - 0.5);
}
