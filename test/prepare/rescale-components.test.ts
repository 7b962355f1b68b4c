import { describe, expect, it } from 'vitest';
import { blockPads, rescaleImage, rescaleLabels } from '../../src/prepare/rescale.js';
import { labelComponents, tileBox } from '../../src/engine/components.js';

describe('image_downsample (REFERENCE.md §4.4)', () => {
  it('pads to a multiple with the extra pixel at the bottom/right', () => {
    expect(blockPads(5, 7, 2)).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    expect(blockPads(7, 6, 4)).toEqual({ top: 0, bottom: 1, left: 1, right: 1 });
  });
  it('images: block means; negative factors replicate; −1, 0, 1 do nothing', () => {
    const img = Float32Array.from([1, 2, 3, 4]);
    expect(Array.from(rescaleImage(img, [1, 2, 2], 2).data)).toEqual([2.5]);
    expect(rescaleImage(img, [1, 2, 2], -2).data).toEqual(Float32Array.from([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]));
    for (const v of [-1, 0, 1, null]) expect(rescaleImage(img, [1, 2, 2], v).data).toBe(img);
  });
  it('labels: block mode with zeros counted and ties to the smaller value', () => {
    // 2×4 labels → two 2×2 blocks: [0,5,5,0] → 0 (tie 0/5 → 0); [7,7,7,0] → 7
    const labels = Int32Array.from([0, 5, 7, 7, 5, 0, 7, 0]);
    expect(Array.from(rescaleLabels(labels, [1, 2, 4], 2).data)).toEqual([0, 7]);
    // a thin line of 3 labelled pixels in a 3×3 block of 9 vanishes (6 zeros win)
    const thin = new Int32Array(9);
    thin.fill(2, 3, 6);
    expect(Array.from(rescaleLabels(thin, [1, 3, 3], 3).data)).toEqual([0]);
    expect(rescaleLabels(labels, [1, 2, 4], -3).shape).toEqual([1, 6, 12]);
  });
});

describe('training tiles (REFERENCE.md §4.7)', () => {
  it('8-connected components with bounding boxes', () => {
    // . 1 . . .
    // . . 2 . .     (1 and 2 touch diagonally: one component)
    // . . . . 3
    const labels = Int32Array.from([0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3]);
    const { ids, boxes } = labelComponents(labels, 3, 5);
    expect(boxes).toEqual([
      { y0: 0, x0: 1, y1: 2, x1: 3 },
      { y0: 2, x0: 4, y1: 3, x1: 5 },
    ]);
    expect(ids[1]).toBe(ids[7]);
    expect(ids[14]).toBe(2);
  });
  it('tiles grow by the paddings, snap to the grid and clamp', () => {
    const pads = { top: 4, bottom: 6, left: 4, right: 4 };
    expect(tileBox({ y0: 10, x0: 3, y1: 13, x1: 9 }, pads, 4, 100, 12)).toEqual({ y0: 4, x0: 0, y1: 20, x1: 12 });
  });
});
