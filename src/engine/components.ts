/**
 * Training tiles (REFERENCE.md §4.7, `tile_annotations`): connected components of labelled
 * pixels (all classes together, 8-connectivity), each grown by the image's padding, snapped to
 * the alignment grid and clamped to the padded image. Each component's tile keeps only that
 * component's labels, so overlapping tiles never count a pixel twice.
 */

export interface Box {
  y0: number;
  x0: number;
  y1: number; // exclusive
  x1: number; // exclusive
}

/** Component id per pixel (0 = unlabelled, 1..n) for one [h, w] plane, and the bounding boxes. */
export function labelComponents(labels: Int32Array, h: number, w: number): { ids: Int32Array; boxes: Box[] } {
  const ids = new Int32Array(h * w);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < h * w; start++) {
    if (labels[start] <= 0 || ids[start] !== 0) continue;
    const id = boxes.length + 1;
    const box = { y0: h, x0: w, y1: 0, x1: 0 };
    ids[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const y = Math.floor(p / w);
      const x = p - y * w;
      box.y0 = Math.min(box.y0, y);
      box.x0 = Math.min(box.x0, x);
      box.y1 = Math.max(box.y1, y + 1);
      box.x1 = Math.max(box.x1, x + 1);
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (labels[q] > 0 && ids[q] === 0) {
            ids[q] = id;
            stack.push(q);
          }
        }
      }
    }
    boxes.push(box);
  }
  return { ids, boxes };
}

/**
 * The tile of a component in the padded frame: its box (in padded coordinates) grown by the
 * paddings, origin floored and end ceiled to multiples of `alignment`, clamped to [0, size).
 */
export function tileBox(box: Box, pads: { top: number; bottom: number; left: number; right: number }, alignment: number, paddedH: number, paddedW: number): Box {
  const floorTo = (v: number) => Math.floor(v / alignment) * alignment;
  const ceilTo = (v: number) => Math.ceil(v / alignment) * alignment;
  return {
    y0: Math.max(0, floorTo(box.y0 - pads.top)),
    x0: Math.max(0, floorTo(box.x0 - pads.left)),
    y1: Math.min(paddedH, ceilTo(box.y1 + pads.bottom)),
    x1: Math.min(paddedW, ceilTo(box.x1 + pads.right)),
  };
}
