/** CPU reference of shaders/maxpool.wgsl: 2×2 max pooling, stride 2, floor mode (PyTorch MaxPool2d(2, 2)). */
import { ShapeError } from '../errors.js';
import { planar, planeGeometry } from './planar.js';
import type { Planar } from './planar.js';

/** [..., H, W] → [..., floor(H / 2), floor(W / 2)]. */
export function maxPool2x2(src: Planar): Planar {
  const { planes, height: h, width: w } = planeGeometry(src.shape, 'maxpool input');
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  if (oh < 1 || ow < 1) throw new ShapeError(`maxpool 2×2: a ${h}×${w} image has no 2×2 block`);
  const out = planar([...src.shape.slice(0, -2), oh, ow]);
  for (let p = 0; p < planes; p++) {
    const s0 = p * h * w;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const s = s0 + 2 * y * w + 2 * x;
        out.data[(p * oh + y) * ow + x] = Math.max(src.data[s], src.data[s + 1], src.data[s + w], src.data[s + w + 1]);
      }
    }
  }
  return out;
}
