/**
 * Memory mode ("continuous training", REFERENCE.md §4.6): a table of every training row seen so
 * far, keyed by image id, image_downsample and pixel, plus the last annotations of each image.
 * A new training call extracts features only where the annotations changed to a label; pixels
 * erased or relabelled leave the table; the classifier then trains on the whole table.
 */
import type { Labels3D } from '../prepare/dims.js';

export interface MemoryRow {
  features: Float32Array;
  label: number;
}

export class MemoryTable {
  /** `${imageKey}|${flat pixel}` → row. */
  readonly rows = new Map<string, MemoryRow>();
  /** `${imgId}_scale${image_downsample}` → last annotations seen. */
  readonly annotations = new Map<string, Labels3D>();
  nFeatures = 0;

  static imageKey(imgId: string, imageDownsample: number): string {
    return `${imgId}_scale${imageDownsample}`;
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
    this.annotations.clear();
    this.nFeatures = 0;
  }

  /**
   * Compares new annotations with the stored ones: removes rows of pixels whose label changed
   * and returns labels holding only the pixels to extract (changed to a non-zero label).
   */
  changes(imageKey: string, labels: Labels3D): Labels3D {
    const prev = this.annotations.get(imageKey);
    const fresh = new Int32Array(labels.data.length);
    const sameShape = prev && prev.shape.every((d, i) => d === labels.shape[i]);
    for (let p = 0; p < labels.data.length; p++) {
      const before = sameShape ? prev.data[p] : 0;
      const now = labels.data[p];
      if (before === now) continue;
      if (before > 0) this.rows.delete(`${imageKey}|${p}`);
      if (now > 0) fresh[p] = now;
    }
    if (prev && !sameShape) {
      // The image changed size under the same id: nothing of the old one can be matched.
      for (const key of [...this.rows.keys()]) if (key.startsWith(`${imageKey}|`)) this.rows.delete(key);
    }
    this.annotations.set(imageKey, { data: Int32Array.from(labels.data), shape: [...labels.shape] });
    return { data: fresh, shape: labels.shape };
  }

  add(imageKey: string, x: Float32Array, y: Int32Array, coords: Uint32Array, nFeatures: number): void {
    this.nFeatures = nFeatures;
    for (let i = 0; i < y.length; i++) {
      this.rows.set(`${imageKey}|${coords[i]}`, { features: x.slice(i * nFeatures, (i + 1) * nFeatures), label: y[i] });
    }
  }

  /** All rows as training arrays (insertion order; the caller sorts). */
  toArrays(): { x: Float32Array; y: Int32Array } {
    const n = this.rows.size;
    const x = new Float32Array(n * this.nFeatures);
    const y = new Int32Array(n);
    let i = 0;
    for (const row of this.rows.values()) {
      x.set(row.features, i * this.nFeatures);
      y[i++] = row.label;
    }
    return { x, y };
  }
}
