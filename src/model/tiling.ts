/**
 * Where features are computed: the plan shared by the GPU and CPU engines.
 *
 * Both training and prediction work on *tiles* of the reflect-padded image: a kept region (a
 * scribble component, or a block of the image) grown by the FE's paddings and snapped to the
 * alignment grid (components.ts `tileBox`). Features inside the kept region are then identical
 * to whole-image features — the property the reference's own tests pin for `tile_annotations`
 * and `tile_image` — so tiling is free to pick any block size: the user's `tile_image` block
 * (the reference's 1000-pixel rule) or whatever keeps every GPU buffer under the device limits.
 */
import type { FeatureExtractor } from '../features/extractor.js';
import { featuresPerSeries } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import { totalFeatures } from '../features/plan.js';
import type { Pads } from '../reference/pad.js';
import type { OutputWindow } from '../reference/resample.js';
import { labelComponents, tileBox } from './components.js';
import type { Box } from './components.js';
import type { Labels3D } from './dims.js';

export interface PaddedGeometry {
  pads: Pads;
  alignment: number;
  height: number; // unpadded
  width: number;
  paddedH: number;
  paddedW: number;
}

/** One unit of feature work: a tile of plane z, and the window inside it that is kept. */
export interface TileJob {
  z: number;
  /** Tile in the padded frame. */
  tile: Box;
  /** Kept region relative to the tile. */
  window: OutputWindow;
  /** Kept region in the unpadded image frame. */
  kept: Box;
}

export interface TrainingTile extends TileJob {
  /** Pixels to gather, as indices into the window (row-major), with their labels. */
  pixels: Uint32Array;
  labels: Int32Array;
  /** Flat index z·H·W + y·W + x of each pixel in the unpadded (rescaled) image. */
  coords: Uint32Array;
}

function job(z: number, kept: Box, g: PaddedGeometry): TileJob {
  const inPadded = { y0: kept.y0 + g.pads.top, x0: kept.x0 + g.pads.left, y1: kept.y1 + g.pads.top, x1: kept.x1 + g.pads.left };
  const tile = tileBox(inPadded, g.pads, g.alignment, g.paddedH, g.paddedW);
  return {
    z,
    tile,
    kept,
    window: { y0: inPadded.y0 - tile.y0, x0: inPadded.x0 - tile.x0, height: kept.y1 - kept.y0, width: kept.x1 - kept.x0 },
  };
}

/** Blocks of `block`×`block` (last ones smaller) covering every plane. */
export function predictionTiles(g: PaddedGeometry, planes: number, block: number): TileJob[] {
  const jobs: TileJob[] = [];
  for (let z = 0; z < planes; z++) {
    for (let y0 = 0; y0 < g.height; y0 += block) {
      for (let x0 = 0; x0 < g.width; x0 += block) {
        jobs.push(job(z, { y0, x0, y1: Math.min(g.height, y0 + block), x1: Math.min(g.width, x0 + block) }, g));
      }
    }
  }
  return jobs;
}

/**
 * Training tiles: one per connected scribble component (tile_annotations), each cut further
 * into blocks if its bounding box is larger than `block`; without tile_annotations, blocks over
 * the labelled region of each plane.
 */
export function trainingTiles(labels: Labels3D, g: PaddedGeometry, byComponent: boolean, block: number): TrainingTile[] {
  const [planes, h, w] = labels.shape;
  const out: TrainingTile[] = [];
  const addKept = (z: number, kept: Box, member: (p: number) => boolean) => {
    for (let y0 = kept.y0; y0 < kept.y1; y0 += block) {
      for (let x0 = kept.x0; x0 < kept.x1; x0 += block) {
        const sub = { y0, x0, y1: Math.min(kept.y1, y0 + block), x1: Math.min(kept.x1, x0 + block) };
        const pixels: number[] = [];
        const values: number[] = [];
        const coords: number[] = [];
        const ww = sub.x1 - sub.x0;
        for (let y = sub.y0; y < sub.y1; y++) {
          for (let x = sub.x0; x < sub.x1; x++) {
            const p = z * h * w + y * w + x;
            if (labels.data[p] > 0 && member(p)) {
              pixels.push((y - sub.y0) * ww + (x - sub.x0));
              values.push(labels.data[p]);
              coords.push(p);
            }
          }
        }
        if (pixels.length > 0) {
          out.push({ ...job(z, sub, g), pixels: Uint32Array.from(pixels), labels: Int32Array.from(values), coords: Uint32Array.from(coords) });
        }
      }
    }
  };
  for (let z = 0; z < planes; z++) {
    const plane = labels.data.subarray(z * h * w, (z + 1) * h * w);
    if (!plane.some((v) => v > 0)) continue;
    if (byComponent) {
      const { ids, boxes } = labelComponents(plane, h, w);
      boxes.forEach((box, i) => addKept(z, box, (p) => ids[p - z * h * w] === i + 1));
    } else {
      let box: Box = { y0: h, x0: w, y1: 0, x1: 0 };
      for (let i = 0; i < h * w; i++) {
        if (plane[i] <= 0) continue;
        const y = Math.floor(i / w);
        const x = i % w;
        box = { y0: Math.min(box.y0, y), x0: Math.min(box.x0, x), y1: Math.max(box.y1, y + 1), x1: Math.max(box.x1, x + 1) };
      }
      addKept(z, box, () => true);
    }
  }
  return out;
}

/**
 * The largest block side (a multiple of the alignment) whose tile fits the memory budget: the
 * kept features F·b² and the FE's widest internal maps over the padded tile (b + 2·pad)².
 */
export function autoBlockSize(fe: FeatureExtractor, channels: number, opts: PyramidOptions, g: PaddedGeometry, budgetBytes: number): number {
  const features = totalFeatures(fe, channels, opts);
  const internal = Math.max(64, featuresPerSeries(fe), ...fe.featuresPerLayer) * 2;
  const a = g.alignment;
  const margin = g.pads.top + g.pads.bottom + 2 * a;
  let b = a;
  const fits = (side: number) => 4 * (features * side * side + internal * (side + margin) ** 2) <= budgetBytes;
  while (b < Math.max(g.height, g.width) && fits(b + a)) b += a;
  return b;
}

/** The reference's `tile_image` block: max(A, floor(1000 / A)·A). */
export function referenceTileBlock(alignment: number): number {
  return Math.max(alignment, Math.floor(1000 / alignment) * alignment);
}
