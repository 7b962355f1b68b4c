/**
 * A tile's scale pyramid on the whole image's grid — what a combo's local part needs when it has
 * scalings other than 1 (`combo_dino_vgg`: VGG16 at [1, 2, 4] inside a combo padded for scale 1).
 *
 * The reference runs such a part on the whole padded image P (n rows, a multiple of 14, not of 4):
 * for scaling s it reflect-pads P to a multiple of s (pad = (s − n mod s) mod s, ⌊pad/2⌋ on top),
 * takes s×s block means, runs the network on that, and brings the maps back to n rows with
 * PyTorch's legacy nearest: row y reads map row ⌊y · f32(low/n)⌋, a non-integer ratio that drifts
 * by up to pad/s rows across the image (REFERENCE.md §4.8, §3.7). Our own pyramid instead needs
 * tiles on a grid of lcm(scalings), which a combo's geometry does not give.
 *
 * So for each s > 1 a tile computes exactly the part of the reference's low-resolution image its
 * window reads: the map rows [la, lb] the window's nearest look-up hits, grown by the network's
 * receptive-field padding (their convolutions then see what the whole image would), made from
 * the tile's pixels — cropped to those blocks, mirrored where the blocks reach past P's border as
 * the reference's pad does — and resampled as a slice of the whole map (`SourceRows`). Scale 1
 * runs on the whole tile as in the plain pyramid. A tile without enough context is a ShapeError;
 * the combo asks the engines for enough (`FeatureExtractor.tileContext`).
 */
import { ShapeError, ValueError } from '../errors.js';
import { sourceRowsRead } from '../reference/resample.js';
import type { OutputWindow, SourceCols, SourceRows } from '../reference/resample.js';
import type { FeatureExtractor } from './extractor.js';

/**
 * One scale's FE input in a pyramid (GPU tensor or CPU array) and where its maps land: the output
 * size and window they are resampled to, and, for an anchored tile, the slice of the whole map.
 */
export interface ScaleInput<T> {
  down: T;
  outH: number;
  outW: number;
  window: OutputWindow;
  rows?: SourceRows;
  cols?: SourceCols;
}

/** Where a tile lies in the whole padded image. */
export interface TileAnchor {
  paddedH: number;
  paddedW: number;
  tileY0: number;
  tileX0: number;
}

/** One axis of one scale: how the tile is cut and mirrored before its block means, and which slice of the whole map they give. */
export interface AnchoredAxis {
  /** Tile rows removed before / after the blocks' rows. */
  cropBefore: number;
  cropAfter: number;
  /** Rows mirrored in after the crop, where the blocks reach past the image's border. */
  reflectBefore: number;
  reflectAfter: number;
  /** First low-resolution row the blocks give, and the whole image's low-resolution length. */
  lowStart: number;
  lowFull: number;
}

/**
 * Plans one axis: an image of `n` rows, a tile of rows [tileStart, tileStart + tileLen), output
 * rows [winStart, winStart + winLen) (whole-image frame), scaling s, network context `context`
 * (low-resolution rows each side).
 */
export function anchoredAxis(n: number, tileStart: number, tileLen: number, winStart: number, winLen: number, s: number, context: number, what = 'rows'): AnchoredAxis {
  const pad = (s - (n % s)) % s;
  const padBefore = Math.floor(pad / 2);
  const lowFull = (n + pad) / s;
  const [la, lb] = sourceRowsRead('nearest', lowFull, n, winStart, winLen);
  const ca = Math.max(0, la - context);
  const cb = Math.min(lowFull - 1, lb + context);
  const first = ca * s - padBefore; // image rows the blocks cover: [first, end)
  const end = (cb + 1) * s - padBefore;
  const cropBefore = Math.max(first, 0) - tileStart;
  const cropAfter = tileStart + tileLen - Math.min(end, n);
  if (cropBefore < 0 || cropAfter < 0) {
    throw new ShapeError(
      `scale ${s}: output ${what} [${winStart}, ${winStart + winLen}) need image ${what} [${Math.max(first, 0)}, ${Math.min(end, n)}), ` +
        `outside the tile's [${tileStart}, ${tileStart + tileLen}) (the tile lacks context)`,
    );
  }
  return { cropBefore, cropAfter, reflectBefore: Math.max(0, -first), reflectAfter: Math.max(0, end - n), lowStart: ca, lowFull };
}

/** Both axes of scale s for a tile of th×tw and its output window (tile-relative). */
export function anchoredScale(anchor: TileAnchor, th: number, tw: number, win: OutputWindow, s: number, context: number): { rows: AnchoredAxis; cols: AnchoredAxis; window: OutputWindow; sourceRows: SourceRows; sourceCols: SourceCols } {
  const window = { y0: anchor.tileY0 + win.y0, x0: anchor.tileX0 + win.x0, height: win.height, width: win.width };
  const rows = anchoredAxis(anchor.paddedH, anchor.tileY0, th, window.y0, win.height, s, context, 'rows');
  const cols = anchoredAxis(anchor.paddedW, anchor.tileX0, tw, window.x0, win.width, s, context, 'columns');
  return { rows, cols, window, sourceRows: { y0: rows.lowStart, fullHeight: rows.lowFull }, sourceCols: { x0: cols.lowStart, fullWidth: cols.lowFull } };
}

/** The anchored pyramid crops maps row by row, so every layer must keep the input's resolution. */
export function checkAnchorable(fe: FeatureExtractor): void {
  if (fe.layerStrides.some((st) => st !== 1)) {
    throw new ValueError(`${fe.name}: inside a combo only full-resolution layers are supported (layer strides ${fe.layerStrides.join(', ')})`);
  }
}

/**
 * Context a tile needs beyond its window for a part with these scalings and receptive-field
 * padding: the widened window's blocks (padding + 1 blocks each side), the nearest look-up's
 * drift (< 1 block) and the mirrored top rows (< 1 block).
 */
export function anchoredTileContext(scalings: readonly number[], padding: number): number {
  return Math.max(...scalings.map((s) => (s === 1 ? padding : s * (padding + 3))));
}
