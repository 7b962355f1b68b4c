/**
 * CPU reference of shaders/resample.wgsl: PyTorch-style nearest (legacy) and bilinear
 * (align_corners=False, edge clamp) resizing to a given output size.
 */
import { ShapeError } from '../errors.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** The f32 scale src/dst that both the shader and this reference use. */
export function resampleScale(src: number, dst: number): number {
  return Math.fround(src / dst);
}

function checkSizes(h: number, w: number, oh: number, ow: number): void {
  if (h < 1 || w < 1) throw new ShapeError(`cannot resample an empty image ${h}×${w}`);
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new ShapeError(`output size must be positive integers, got ${oh}×${ow}`);
  }
}

/**
 * A window of the full-size output: rows [y0, y0 + height), columns [x0, x0 + width). Pixels
 * outside it are not computed (the pyramid keeps only the region it needs).
 */
export interface OutputWindow {
  y0: number;
  x0: number;
  height: number;
  width: number;
}

/**
 * Which rows of the source a slice holds: its own h rows are rows [y0, y0 + h) of a source
 * `fullHeight` rows high. Scale and edge clamp follow the full height, so resampling a band of a
 * huge image gives exactly the rows the whole image would.
 */
export interface SourceRows {
  y0: number;
  fullHeight: number;
}

/** Which columns of the source a slice holds: its own w columns are columns [x0, x0 + w) of a source `fullWidth` wide. */
export interface SourceCols {
  x0: number;
  fullWidth: number;
}

/** The source rows [first, last] that output rows [y0, y0 + height) of an outH-row output read (columns likewise). */
export function sourceRowsRead(mode: 'nearest' | 'bilinear', srcH: number, outH: number, y0: number, height: number): [number, number] {
  const scale = resampleScale(srcH, outH);
  if (mode === 'nearest') {
    const at = (y: number) => Math.min(Math.floor(Math.fround(y * scale)), srcH - 1);
    return [at(y0), at(y0 + height - 1)];
  }
  return [sourceCoordinate(y0, scale, srcH).i0, sourceCoordinate(y0 + height - 1, scale, srcH).i1];
}

/**
 * The full source height and the slice's first row for a source of h rows (the whole source
 * unless `rows` says otherwise); throws ShapeError unless the slice covers every row the output
 * window reads. Shared with src/ops/resample.ts, which validates the same way before dispatching.
 */
export function sliceGeometry(h: number, rows: SourceRows | undefined, outH: number, win: OutputWindow, mode: 'nearest' | 'bilinear'): { fullH: number; y0: number } {
  const { full, start } = sliceAxis('rows', h, rows && { start: rows.y0, full: rows.fullHeight }, outH, win.y0, win.height, mode);
  return { fullH: full, y0: start };
}

/** `sliceGeometry` for columns: the full source width and the slice's first column. */
export function sliceColumns(w: number, cols: SourceCols | undefined, outW: number, win: OutputWindow, mode: 'nearest' | 'bilinear'): { fullW: number; x0: number } {
  const { full, start } = sliceAxis('columns', w, cols && { start: cols.x0, full: cols.fullWidth }, outW, win.x0, win.width, mode);
  return { fullW: full, x0: start };
}

function sliceAxis(what: string, size: number, slice: { start: number; full: number } | undefined, out: number, winStart: number, winSize: number, mode: 'nearest' | 'bilinear'): { full: number; start: number } {
  if (!slice) return { full: size, start: 0 };
  const [first, last] = sourceRowsRead(mode, slice.full, out, winStart, winSize);
  if (!Number.isInteger(slice.start) || slice.start < 0 || slice.start + size > slice.full || first < slice.start || last >= slice.start + size) {
    throw new ShapeError(`resample: source ${what} [${slice.start}, ${slice.start + size}) of ${slice.full} do not cover ${what} [${first}, ${last}] that output ${what} [${winStart}, ${winStart + winSize}) read`);
  }
  return { full: slice.full, start: slice.start };
}

function fullWindow(outH: number, outW: number, window?: OutputWindow): OutputWindow {
  return window ?? { y0: 0, x0: 0, height: outH, width: outW };
}

/** Nearest-neighbour up-sampling of each plane to outH × outW (or the `window` of it), as torch's `nearest` (CPU reference of resample.wgsl). */
export function upsampleNearest(src: Planar, outH: number, outW: number, window?: OutputWindow, rows?: SourceRows, cols?: SourceCols): Planar {
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'resample input');
  checkSizes(h, w, outH, outW);
  const win = fullWindow(outH, outW, window);
  const { fullH, y0: sliceY0 } = sliceGeometry(h, rows, outH, win, 'nearest');
  const { fullW, x0: sliceX0 } = sliceColumns(w, cols, outW, win, 'nearest');
  const sh = resampleScale(fullH, outH);
  const sw = resampleScale(fullW, outW);
  const out = planar([...src.shape.slice(0, -2), win.height, win.width]);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < win.height; y++) {
      const sy = Math.min(Math.floor(Math.fround((y + win.y0) * sh)), fullH - 1) - sliceY0;
      for (let x = 0; x < win.width; x++) {
        const sx = Math.min(Math.floor(Math.fround((x + win.x0) * sw)), fullW - 1) - sliceX0;
        out.data[(p * win.height + y) * win.width + x] = src.data[(p * h + sy) * w + sx];
      }
    }
  }
  return out;
}

function sourceCoordinate(dst: number, scale: number, size: number): { i0: number; i1: number; lambda: number } {
  const r = Math.max(Math.fround(Math.fround(scale * Math.fround(dst + 0.5)) - 0.5), 0);
  const i0 = Math.min(Math.floor(r), size - 1);
  const i1 = Math.min(i0 + 1, size - 1);
  const lambda = Math.min(Math.max(Math.fround(r - i0), 0), 1);
  return { i0, i1, lambda };
}

/** Bilinear resampling of each plane to outH × outW (or the `window` of it), half-pixel centres as torch's align_corners=False (CPU reference of resample.wgsl). */
export function upsampleBilinear(src: Planar, outH: number, outW: number, window?: OutputWindow, rows?: SourceRows, columns?: SourceCols): Planar {
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'resample input');
  checkSizes(h, w, outH, outW);
  const win = fullWindow(outH, outW, window);
  const { fullH, y0: sliceY0 } = sliceGeometry(h, rows, outH, win, 'bilinear');
  const { fullW, x0: sliceX0 } = sliceColumns(w, columns, outW, win, 'bilinear');
  const sh = resampleScale(fullH, outH);
  const sw = resampleScale(fullW, outW);
  const out = planar([...src.shape.slice(0, -2), win.height, win.width]);
  const f = Math.fround;
  const cols = Array.from({ length: win.width }, (_, x) => {
    const c = sourceCoordinate(x + win.x0, sw, fullW);
    return { i0: c.i0 - sliceX0, i1: c.i1 - sliceX0, lambda: c.lambda };
  });
  for (let p = 0; p < planes; p++) {
    const base = p * h * w;
    for (let y = 0; y < win.height; y++) {
      const c = sourceCoordinate(y + win.y0, sh, fullH);
      const [y0, y1, ly] = [c.i0 - sliceY0, c.i1 - sliceY0, c.lambda];
      for (let x = 0; x < win.width; x++) {
        const { i0: x0, i1: x1, lambda: lx } = cols[x];
        const top = f(f(f(1 - lx) * src.data[base + y0 * w + x0]) + f(lx * src.data[base + y0 * w + x1]));
        const bottom = f(f(f(1 - lx) * src.data[base + y1 * w + x0]) + f(lx * src.data[base + y1 * w + x1]));
        out.data[(p * win.height + y) * win.width + x] = f(f(f(1 - ly) * top) + f(ly * bottom));
      }
    }
  }
  return out;
}
