/** CPU reference of shaders/concat.wgsl: concatenation along the first (channel) axis. */
import { ShapeError } from '../errors.js';
import type { Planar } from './planar.js';

/** Planar tensors [C_i, ...] concatenated along the channel axis (CPU reference of concat.wgsl). */
export function concatChannels(parts: readonly Planar[]): Planar {
  if (parts.length === 0) throw new ShapeError('concat needs at least one array');
  const rest = parts[0].shape.slice(1);
  let channels = 0;
  for (const p of parts) {
    if (p.shape.length !== rest.length + 1 || p.shape.slice(1).some((d, i) => d !== rest[i])) {
      throw new ShapeError(`concat: shape [${p.shape.join(',')}] does not match [*,${rest.join(',')}]`);
    }
    channels += p.shape[0];
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return { data: out, shape: [channels, ...rest] };
}
