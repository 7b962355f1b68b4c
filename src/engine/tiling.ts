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
import type { PyramidOptions } from '../features/plan.js';
import { totalFeatures } from '../features/plan.js';
import type { Pads } from '../reference/pad.js';
import { sourceRowsRead } from '../reference/resample.js';
import type { OutputWindow } from '../reference/resample.js';
import { labelComponents, tileBox } from './components.js';
import type { Box } from './components.js';
import type { Labels3D } from '../prepare/dims.js';

export interface PaddedGeometry {
  pads: Pads;
  alignment: number;
  height: number; // unpadded
  width: number;
  paddedH: number;
  paddedW: number;
  /** Context a tile takes around its kept region when the FE needs more than the image's padding (FeatureExtractor.tileContext). */
  tileContext?: number;
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
  const c = g.tileContext ?? 0;
  const grow = { top: Math.max(g.pads.top, c), bottom: Math.max(g.pads.bottom, c), left: Math.max(g.pads.left, c), right: Math.max(g.pads.right, c) };
  const tile = tileBox(inPadded, grow, g.alignment, g.paddedH, g.paddedW);
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
  for (let z = 0; z < planes; z++) jobs.push(...rowTiles(g, z, 0, g.height, block));
  return jobs;
}

/** Blocks covering rows [y0, y1) × columns [x0, x1) of plane z; blocks start at (y0, x0). */
function rowTiles(g: PaddedGeometry, z: number, y0: number, y1: number, block: number, x0 = 0, x1 = g.width): TileJob[] {
  const jobs: TileJob[] = [];
  for (let y = y0; y < y1; y += block) {
    for (let x = x0; x < x1; x += block) {
      jobs.push(job(z, { y0: y, x0: x, y1: Math.min(y1, y + block), x1: Math.min(x1, x + block) }, g));
    }
  }
  return jobs;
}

/** A rectangle of plane z of the output (the input's size, after any image_downsample restore). */
export interface OutputRegion {
  z: number;
  y0: number;
  x0: number;
  height: number;
  width: number;
}

/**
 * One band of a prediction: output rows `rows` × columns `cols` of plane z, delivered from
 * probabilities over `computed` × `computedCols` (the band grown by the majority filter's radius,
 * so the filter sees every neighbour the whole image would give it), which are bilinearly
 * restored from image rows `source` × columns `sourceCols` (the same when there is no
 * `image_downsample` to undo). `jobs` cover `source` × `sourceCols`.
 */
export interface PredictionBand {
  z: number;
  rows: [number, number];
  cols: [number, number];
  computed: [number, number];
  computedCols: [number, number];
  source: [number, number];
  sourceCols: [number, number];
  jobs: TileJob[];
}

/**
 * How a region is cut into tiles: `grid`, the whole-image plan's blocks that meet it (so a
 * feature cache filled by whole-image passes serves it), or `own`, blocks starting at the
 * region's own corner (only the pixels it needs: far fewer when the grid's blocks are large).
 */
export type RegionTiling = 'grid' | 'own';

/**
 * Cuts the output into bands of `bandRows` output rows, so the probabilities and labels of a
 * huge image never need one buffer for the whole of it; or gives the bands of `region` (a
 * window of one plane), tiled as `regionTiling` says. With
 * one band per plane the tiles are exactly `predictionTiles`'; with several, the rows a band needs
 * beyond its own (the filter halo, the restore's neighbour rows) become thin extra tiles,
 * recomputed — features inside a tile's kept region do not depend on the tile, so every band (and
 * every region) sees the values the whole image would have.
 */
export function predictionBands(
  g: PaddedGeometry,
  planes: number,
  block: number,
  [outH, outW]: readonly [number, number],
  bandRows: number,
  halo: number,
  region?: OutputRegion,
  regionTiling: RegionTiling = 'grid',
): PredictionBand[] {
  const sourceOf = (size: number, out: number, r0: number, r1: number): [number, number] => {
    if (out === size) return [r0, r1];
    const [first, last] = sourceRowsRead('bilinear', size, out, r0, r1 - r0);
    return [first, last + 1];
  };
  const cols: [number, number] = region ? [region.x0, region.x0 + region.width] : [0, outW];
  const computedCols: [number, number] = [Math.max(0, cols[0] - halo), Math.min(outW, cols[1] + halo)];
  const sourceCols = sourceOf(g.width, outW, ...computedCols);
  const [y0, y1] = region ? [region.y0, region.y0 + region.height] : [0, outH];
  if (region) {
    // On the grid, a region's tiles are the whole-image plan's blocks that meet it (its source
    // grown to block boundaries), so the features of a region and of the whole image are the
    // same tiles — what a feature cache needs to serve one from the other. A tall region comes
    // in bands too.
    const grow = (range: [number, number], size: number): [number, number] =>
      regionTiling === 'own' ? range : [Math.floor(range[0] / block) * block, Math.min(size, Math.ceil(range[1] / block) * block)];
    const srcCols = grow(sourceCols, g.width);
    const out: PredictionBand[] = [];
    for (let b0 = y0; b0 < y1; b0 += bandRows) {
      const rows: [number, number] = [b0, Math.min(y1, b0 + bandRows)];
      const computed: [number, number] = [Math.max(0, rows[0] - halo), Math.min(outH, rows[1] + halo)];
      const source = grow(sourceOf(g.height, outH, ...computed), g.height);
      const jobs = rowTiles(g, region.z, source[0], source[1], block, ...srcCols);
      out.push({ z: region.z, rows, cols, computed, computedCols, source, sourceCols: srcCols, jobs });
    }
    return out;
  }
  const bands: PredictionBand[] = [];
  for (let z = 0; z < planes; z++) {
    for (let b0 = y0; b0 < y1; b0 += bandRows) {
      const rows: [number, number] = [b0, Math.min(y1, b0 + bandRows)];
      const computed: [number, number] = [Math.max(0, rows[0] - halo), Math.min(outH, rows[1] + halo)];
      const source = sourceOf(g.height, outH, ...computed);
      const core = sourceOf(g.height, outH, ...rows);
      // Block rows start at the band's own first row, so a plane in one band tiles exactly as
      // predictionTiles does, and halo rows are thin tiles of their own.
      const tiles = (r0: number, r1: number) => rowTiles(g, z, r0, r1, block, ...sourceCols);
      const jobs = [...tiles(source[0], core[0]), ...tiles(core[0], core[1]), ...tiles(core[1], source[1])];
      bands.push({ z, rows, cols, computed, computedCols, source, sourceCols, jobs });
    }
  }
  return bands;
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

/** Pixels of the padded tiles a plan computes features for. */
export function tileArea(jobs: readonly TileJob[]): number {
  return jobs.reduce((a, j) => a + (j.tile.y1 - j.tile.y0) * (j.tile.x1 - j.tile.x0), 0);
}

/** The training tiles to compute, and how their rows map to the rows of the reference's plan. */
export interface TrainingPlan {
  tiles: TrainingTile[];
  /**
   * When the tiles are not the reference's own plan: for each row of these tiles (in tile order),
   * its position among the reference plan's rows — so the rows come out in the same order.
   */
  order: Uint32Array | null;
}

/**
 * The reference's training tiles (`trainingTiles`) — or, when they would compute features for
 * more pixels than blocks over the labelled region do (many small scribbles, each under its own
 * halo: ilastik's is 40 pixels), those blocks. Features inside a kept region do not depend on the
 * tile (the tiling invariance), so every plan gives the same rows; `order` puts them in the
 * reference plan's order. When `preferGrid` accepts the prediction grid's blocks that hold
 * labels (`gridTrainingTiles`) given the padded area of the cheapest plan, those.
 */
export function trainingPlan(labels: Labels3D, g: PaddedGeometry, byComponent: boolean, block: number, preferGrid?: (grid: readonly TileJob[], cheapestArea: number) => boolean): TrainingPlan {
  const reference = trainingTiles(labels, g, byComponent, block);
  const blocks = byComponent ? trainingTiles(labels, g, false, block) : null;
  const cheaper = blocks && tileArea(blocks) < tileArea(reference) ? blocks : null;
  const gridTiles = preferGrid ? gridTrainingTiles(labels, g, block) : null;
  const chosen = gridTiles && preferGrid!(gridTiles, tileArea(cheaper ?? reference)) ? gridTiles : cheaper;
  if (!chosen) return { tiles: reference, order: null };
  const blocksChosen = chosen;
  const position = new Map<number, number>();
  let k = 0;
  for (const t of reference) for (const c of t.coords) position.set(c, k++);
  const order = new Uint32Array(k);
  let i = 0;
  for (const t of blocksChosen) for (const c of t.coords) order[i++] = position.get(c)!;
  return { tiles: blocksChosen, order };
}

/**
 * Training tiles on the prediction plan's grid (`predictionTiles` with the same block): the
 * blocks that hold labelled pixels, so a feature cache filled by training serves prediction and
 * the other way round (`trainingPlan` with `preferGrid` orders their rows as the reference plan).
 */
export function gridTrainingTiles(labels: Labels3D, g: PaddedGeometry, block: number): TrainingTile[] {
  const [planes, h, w] = labels.shape;
  const out: TrainingTile[] = [];
  for (const j of predictionTiles(g, planes, block)) {
    const { y0, x0, y1, x1 } = j.kept;
    const pixels: number[] = [];
    const values: number[] = [];
    const coords: number[] = [];
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = j.z * h * w + y * w + x;
        if (labels.data[p] > 0) {
          pixels.push((y - y0) * (x1 - x0) + (x - x0));
          values.push(labels.data[p]);
          coords.push(p);
        }
      }
    }
    if (pixels.length > 0) out.push({ ...j, pixels: Uint32Array.from(pixels), labels: Int32Array.from(values), coords: Uint32Array.from(coords) });
  }
  return out;
}

/**
 * Floats per pixel of the padded tile that an FE's pass holds besides the kept stack: its hooked
 * maps at their own strides (one channel series at a time; they are freed before the next), with
 * a quarter again for working buffers and pool size-class rounding, and the tile's input copies.
 * Measured pool high-water marks per padded-tile pixel (`npx tsx bench/tile-memory.ts`), against
 * this estimate for one channel: vgg 71–80 (90), vgg-m 179–207 (210), vgg-l 219 at 96² (270;
 * 355 at 64², where size-class rounding of the tiny deep maps dominates), ilastik 70–78 (80),
 * gaussian 3 (11.25). test/model/tile-memory.gpu.test.ts checks that tiles sized with it stay
 * within their budget. The old estimate (twice the widest layer set) was 2–6× too high and held
 * vgg-l to 32-pixel blocks under 96-pixel halos on a 128 MiB device.
 */
export function internalFloatsPerPixel(fe: FeatureExtractor, channels: number): number {
  const maps = fe.featuresPerLayer.reduce((sum, f, l) => sum + f / fe.layerStrides[l] ** 2, 0);
  return 1.25 * maps + 8 + 2 * channels;
}

/**
 * The largest block side (a multiple of the alignment) whose tile fits the memory budget: the
 * kept features F·b² and the FE's internal maps over the padded tile (b + 2·pad)². The kept
 * stack is one buffer, so this also keeps every buffer under the budget.
 */
export function autoBlockSize(fe: FeatureExtractor, channels: number, opts: PyramidOptions, g: PaddedGeometry, budgetBytes: number): number {
  const features = totalFeatures(fe, channels, opts);
  const internal = internalFloatsPerPixel(fe, channels);
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
