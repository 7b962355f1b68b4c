/**
 * Cuts one tile of the reflect-padded image straight from the unpadded image, on the CPU.
 *
 * The GPU engine uploads tiles, not the whole image: a padded 8192² float image alone is larger
 * than many devices can bind (lavapipe: 128 MiB), and the tile is all a feature pass reads. The
 * result equals `cropTile(reflectPad(image, pads), z, tile)` (src/reference/pad.ts) exactly,
 * without ever building the padded image.
 */
import { ShapeError } from '../errors.js';
import type { Pads } from '../reference/pad.js';
import { reflectIndex } from '../reference/pad.js';
import type { Box } from './components.js';
import type { PreparedImage } from '../prepare/prepare.js';

/** Tile `tile` (padded frame) of plane z of a [C, Z, H, W] image padded by `pads` → [C, 1, th, tw] data. */
export function cutPaddedTile(image: PreparedImage, pads: Pads, z: number, tile: Box): Float32Array {
  const [c, planes, h, w] = image.shape;
  const th = tile.y1 - tile.y0;
  const tw = tile.x1 - tile.x0;
  const paddedH = h + pads.top + pads.bottom;
  const paddedW = w + pads.left + pads.right;
  if (z < 0 || z >= planes || th < 1 || tw < 1 || tile.y0 < 0 || tile.x0 < 0 || tile.y1 > paddedH || tile.x1 > paddedW) {
    throw new ShapeError(`tile ${JSON.stringify(tile)} of plane ${z} is outside the padded image ${paddedH}×${paddedW} (${planes} planes)`);
  }
  const columns = new Int32Array(tw);
  for (let x = 0; x < tw; x++) columns[x] = reflectIndex(tile.x0 + x - pads.left, w);
  // Columns inside the image form one contiguous run: copied with set(), the rest one by one.
  const inside0 = Math.max(0, pads.left - tile.x0);
  const inside1 = Math.min(tw, pads.left + w - tile.x0);
  const out = new Float32Array(c * th * tw);
  for (let ch = 0; ch < c; ch++) {
    const plane = (ch * planes + z) * h * w;
    for (let y = 0; y < th; y++) {
      const row = plane + reflectIndex(tile.y0 + y - pads.top, h) * w;
      const dst = (ch * th + y) * tw;
      for (let x = 0; x < Math.min(inside0, tw); x++) out[dst + x] = image.data[row + columns[x]];
      if (inside1 > inside0) out.set(image.data.subarray(row + columns[inside0], row + columns[inside0] + inside1 - inside0), dst + inside0);
      for (let x = Math.max(inside0, inside1); x < tw; x++) out[dst + x] = image.data[row + columns[x]];
    }
  }
  return out;
}
