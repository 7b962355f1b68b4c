/** Nearest / bilinear upsampling to a given size, PyTorch semantics; see shaders/resample.wgsl. */
import { ShapeError } from '../errors.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { resampleScale, sliceColumns, sliceGeometry } from '../reference/resample.js';
import type { OutputWindow, SourceCols, SourceRows } from '../reference/resample.js';
import { grid2d, tensorGeometry, WG_2D } from './geometry.js';

/** Up-sampling rule: `nearest` (fe_order 0) or `bilinear` (fe_order ≥ 1, and the image_downsample restore). */
export type ResampleMode = 'nearest' | 'bilinear';

const SPECS: Record<ResampleMode, KernelSpec> = {
  nearest: { shader: 'resample', entryPoint: 'upsample_nearest', overrides: WG_2D },
  bilinear: { shader: 'resample', entryPoint: 'upsample_bilinear', overrides: WG_2D },
};

/**
 * Where the output goes: by default a new tensor [..., outH, outW]; or planes of an existing
 * tensor starting at element `offset`, `planeStride` elements apart (to write straight into a
 * slot of a feature stack, which saves the concat).
 */
export interface ResampleTarget {
  tensor: GpuTensor;
  offset: number;
  planeStride: number;
}

/** Which planes of the source to read: `planes` consecutive planes from plane index `first`. */
export interface ResampleSource {
  first: number;
  planes: number;
}

/** Options of `resample`: an output window, source rows held by a band, a destination slot, a label. */
export interface ResampleOptions {
  target?: ResampleTarget;
  source?: ResampleSource;
  /** Compute only this window of the full outH × outW output (default: all of it). */
  window?: OutputWindow;
  /** The source holds only these rows of a taller source (a band of a huge image). */
  rows?: SourceRows;
  /** The source holds only these columns of a wider source (a region of an image). */
  cols?: SourceCols;
  label?: string;
}

/**
 * Resizes every plane of `src` ([..., h, w]) to outH × outW. Returns the target tensor (a new
 * [..., outH, outW] tensor unless `options.target` is given).
 */
export function resample(
  batch: GpuBatch,
  src: GpuTensor,
  outH: number,
  outW: number,
  mode: ResampleMode,
  options: ResampleOptions = {},
): GpuTensor {
  const g = tensorGeometry(src, `resample(${mode})`);
  const label = options.label ?? `${src.label}/${mode}${outH}x${outW}`;
  if (g.height < 1 || g.width < 1) throw new ShapeError(`resample: "${src.label}" is empty`);
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new ShapeError(`resample: output size must be positive integers, got ${outH}×${outW}`);
  }
  const first = options.source?.first ?? 0;
  const planes = options.source?.planes ?? g.planes;
  if (first < 0 || planes < 0 || first + planes > g.planes) {
    throw new ShapeError(`resample: planes [${first}, ${first + planes}) outside the ${g.planes} planes of "${src.label}"`);
  }
  const win = options.window ?? { y0: 0, x0: 0, height: outH, width: outW };
  if (win.y0 < 0 || win.x0 < 0 || win.height < 1 || win.width < 1 || win.y0 + win.height > outH || win.x0 + win.width > outW) {
    throw new ShapeError(`resample: window ${JSON.stringify(win)} is outside the ${outH}×${outW} output`);
  }
  const { fullH, y0: srcY0 } = sliceGeometry(g.height, options.rows, outH, win, mode);
  const { fullW, x0: srcX0 } = sliceColumns(g.width, options.cols, outW, win, mode);
  const planeSize = win.height * win.width;
  const target = options.target;
  const dst = target?.tensor ?? batch.tensor(options.source ? [planes, win.height, win.width] : [...g.lead, win.height, win.width], label);
  const offset = target?.offset ?? 0;
  const planeStride = target?.planeStride ?? planeSize;
  if (target && (planeStride < planeSize || offset + (planes - 1) * planeStride + planeSize > dst.size)) {
    throw new ShapeError(`resample: target "${dst.label}" is too small for ${planes} planes of ${win.height}×${win.width} at offset ${offset}, stride ${planeStride}`);
  }
  if (planes === 0) return dst;
  batch.dispatch(SPECS[mode], {
    uniforms: {
      planes,
      src_h: fullH,
      src_w: fullW,
      dst_h: win.height,
      dst_w: win.width,
      scale_h: resampleScale(fullH, outH),
      scale_w: resampleScale(fullW, outW),
      origin_y: win.y0,
      origin_x: win.x0,
      src_offset: first * g.height * g.width,
      src_plane_stride: g.height * g.width,
      dst_offset: offset,
      dst_plane_stride: planeStride,
      src_y0: srcY0,
      src_x0: srcX0,
      src_row: g.width,
    },
    bindings: { src, dst },
    workgroups: grid2d(win.width, win.height, Math.ceil(planes / shaderConst('resample', 'PLANES'))),
    label,
  });
  return dst;
}
