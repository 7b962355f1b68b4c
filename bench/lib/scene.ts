/**
 * The benchmark's input: the reference's test photo (sample/0000_img.png,
 * 512×384 RGB) as grey, with its scribbles (10,678 labelled pixels, 4 classes), mirrored out
 * (reflect-101, no seams) to side × side. At 1024² that gives ≈ 57k scribbled pixels.
 */
import { fileURLToPath } from 'node:url';
import { readImageFile, readLabelsFile } from '../../src/io/image-read.js';
import { reflectIndex } from '../../src/reference/pad.js';

export interface Scene {
  side: number;
  /** [side, side] uint8 grey. */
  image: { data: Uint8Array; shape: [number, number] };
  /** [side, side] uint8 labels, 0 = unlabelled. */
  labels: { data: Uint8Array; shape: [number, number] };
  scribbled: number;
  source: string;
}

const DATA = new URL('../../sample/', import.meta.url);
export const SCENE_SOURCE = 'sample/0000_img.png (grey) + 0000_scribbles_all_01500_w3.png, mirrored';

let base: { grey: Uint8Array; labels: Uint8Array; h: number; w: number } | null = null;

async function loadBase(): Promise<NonNullable<typeof base>> {
  if (base) return base;
  const img = await readImageFile(fileURLToPath(new URL('0000_img.png', DATA)));
  const lab = await readLabelsFile(fileURLToPath(new URL('0000_scribbles_all_01500_w3.png', DATA)));
  const [, h, w] = img.shape;
  const plane = h * w;
  const grey = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) grey[i] = Math.round(0.299 * img.data[i] + 0.587 * img.data[plane + i] + 0.114 * img.data[2 * plane + i]);
  base = { grey, labels: Uint8Array.from(lab.data as ArrayLike<number>), h, w };
  return base;
}

export async function loadScene(side: number): Promise<Scene> {
  const b = await loadBase();
  const image = new Uint8Array(side * side);
  const labels = new Uint8Array(side * side);
  let scribbled = 0;
  for (let y = 0; y < side; y++) {
    const row = reflectIndex(y, b.h) * b.w;
    for (let x = 0; x < side; x++) {
      const i = row + reflectIndex(x, b.w);
      image[y * side + x] = b.grey[i];
      labels[y * side + x] = b.labels[i];
      if (b.labels[i] > 0) scribbled++;
    }
  }
  return { side, image: { data: image, shape: [side, side] }, labels: { data: labels, shape: [side, side] }, scribbled, source: SCENE_SOURCE };
}
