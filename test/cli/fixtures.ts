/**
 * Small image files generated into a temp folder: a two-class scene (a bright rectangle on dark
 * noise) as 8-bit and 16-bit PNG, RGB PNG, 16-bit TIFF and a 3-page TIFF stack, with scribbles
 * and ground truth. Not square (48 wide × 40 high), so a transposition cannot go unnoticed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { encodeTiff } from '../../src/io/tiff-write.js';

export const W = 48;
export const H = 40;
const N = W * H;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Scene number `variant` (a different noise and rectangle position each). */
export function scene(variant = 0): { grey: Uint8Array; truth: Uint8Array; scribbles: Uint8Array } {
  const next = rng(7 + variant * 101);
  const x0 = 14 + (variant % 3) * 3;
  const y0 = 10 + (variant % 2) * 4;
  const grey = new Uint8Array(N);
  const truth = new Uint8Array(N);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x >= x0 && x < x0 + 18 && y >= y0 && y < y0 + 16;
      grey[y * W + x] = Math.floor(next() * 60) + (inside ? 150 : 0);
      truth[y * W + x] = inside ? 2 : 1;
    }
  }
  const scribbles = new Uint8Array(N);
  for (let x = 2; x < 10; x++) scribbles[3 * W + x] = 1; // a stroke in the background
  for (let y = 30; y < 37; y++) scribbles[y * W + 44] = 1;
  for (let x = x0 + 4; x < x0 + 14; x++) scribbles[(y0 + 8) * W + x] = 2; // a stroke inside
  return { grey, truth, scribbles };
}

export const png8 = (data: Uint8Array) => encodePng({ width: W, height: H, data, depth: 8, channels: 1 });

export interface Fixtures {
  dir: string;
  /** 8-bit grey PNG, its scribbles and truth. */
  grey: string;
  scribbles: string;
  truth: string;
  grey16: string;
  tiff16: string;
  rgb: string;
  stack: string;
  /** A second 8-bit scene with its scribbles (memory-mode continuation). */
  grey2: string;
  scribbles2: string;
  /** Scribbles of the wrong size (W × H swapped). */
  transposed: string;
  /** Two- and three-page TIFFs (multi-channel training / a mismatching input). */
  twoPage: string;
  twoPageScribbles: string;
  threePage: string;
}

export function writeFixtures(dir: string): Fixtures {
  mkdirSync(dir, { recursive: true });
  const s = scene(0);
  const s2 = scene(1);
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const grey16 = Uint16Array.from(s.grey, (v) => v * 257);
  const rgb = new Uint8Array(N * 3);
  for (let i = 0; i < N; i++) {
    rgb[3 * i] = s.grey[i];
    rgb[3 * i + 1] = 255 - s.grey[i];
    rgb[3 * i + 2] = 80;
  }
  const stackPages = [0, 1, 2].map((v) => ({ width: W, height: H, data: scene(v).grey }));
  return {
    dir,
    grey: write('scene.png', png8(s.grey)),
    scribbles: write('scene_scribbles.png', png8(s.scribbles)),
    truth: write('scene_truth.png', png8(s.truth)),
    grey16: write('scene16.png', encodePng({ width: W, height: H, data: grey16, depth: 16, channels: 1 })),
    tiff16: write('scene16_tiff.tif', encodeTiff([{ width: W, height: H, data: grey16 }])),
    rgb: write('scene_rgb.png', encodePng({ width: W, height: H, data: rgb, depth: 8, channels: 3 })),
    stack: write('stack.tif', encodeTiff(stackPages)),
    grey2: write('scene2.png', png8(s2.grey)),
    scribbles2: write('scene2_scribbles.png', png8(s2.scribbles)),
    transposed: write('transposed_scribbles.png', encodePng({ width: H, height: W, data: new Uint8Array(N).fill(1), depth: 8, channels: 1 })),
    twoPage: write('two.tif', encodeTiff([{ width: W, height: H, data: s.grey }, { width: W, height: H, data: s.truth.map((v) => v * 60) }])),
    twoPageScribbles: write('two_scribbles.png', png8(s.scribbles)),
    threePage: write('three.tif', encodeTiff([0, 1, 2].map(() => ({ width: W, height: H, data: s.grey })))),
  };
}
