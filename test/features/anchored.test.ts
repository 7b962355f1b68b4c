/**
 * The anchored pyramid (src/features/anchored.ts): a tile of a 14-aligned image computes VGG16's
 * scales 2 and 4 on the whole image's block grid, so every tile with the combo's context gives
 * exactly the whole image's values in its window, wherever it is cut (not on any scale's grid);
 * a tile without that context is refused, not silently wrong. Also the axis plan on a hand case.
 */
import { describe, expect, it } from 'vitest';
import { anchoredAxis, anchoredTileContext } from '../../src/features/anchored.js';
import { extractPyramidCpu } from '../../src/features/pyramid-cpu.js';
import type { PyramidOptions } from '../../src/features/plan.js';
import { createVgg16 } from '../../src/features/vgg16.js';
import { ShapeError } from '../../src/errors.js';
import { crop } from '../../src/reference/pad.js';
import { randomFloats } from '../helpers/random.js';
import { TEST_WEIGHTS } from './vgg16-helpers.js';

const OPTS: PyramidOptions = { scalings: [1, 2, 4], order: 0, useMinFeatures: false, channelMode: 'single' };

describe('anchored pyramid', () => {
  it('plans an axis as the reference pads and looks up: 42 rows at scale 4', () => {
    // 42 = 4·10 + 2: mirrored by 1 row each side → 11 low rows; ratio f32(11/42); row 41 → ⌊41·0.2619⌋ = 10.
    const whole = anchoredAxis(42, 0, 42, 0, 42, 4, 1);
    expect(whole).toEqual({ cropBefore: 0, cropAfter: 0, reflectBefore: 1, reflectAfter: 1, lowStart: 0, lowFull: 11 });
    // Rows [20, 24) read low rows ⌊20·11/42⌋ = 5 … ⌊23·11/42⌋ = 6; ±1 context → blocks 4…7 = image rows [15, 31).
    expect(anchoredAxis(42, 10, 30, 20, 4, 4, 1)).toEqual({ cropBefore: 5, cropAfter: 9, reflectBefore: 0, reflectAfter: 0, lowStart: 4, lowFull: 11 });
    expect(() => anchoredAxis(42, 17, 20, 20, 4, 4, 1)).toThrow(ShapeError);
    expect(anchoredTileContext([1, 2, 4], 1)).toBe(16);
  });

  it('every tile with the context gives the whole image\'s features in its window', async () => {
    const vgg = await createVgg16({ weights: TEST_WEIGHTS });
    const [hp, wp] = [42, 56];
    const image = { data: randomFloats(hp * wp, 7), shape: [1, 1, hp, wp] };
    const whole = extractPyramidCpu(vgg, image, OPTS, undefined, undefined, { paddedH: hp, paddedW: wp, tileY0: 0, tileX0: 0 });
    const context = anchoredTileContext(OPTS.scalings, vgg.padding);
    for (const [y0, x0, h, w] of [[0, 0, 9, 13], [13, 7, 11, 5], [29, 41, 13, 15], [5, 23, 1, 1]]) {
      const ty0 = Math.max(0, y0 - context);
      const tx0 = Math.max(0, x0 - context);
      const ty1 = Math.min(hp, y0 + h + context);
      const tx1 = Math.min(wp, x0 + w + context);
      const tile = crop(image, { top: ty0, bottom: hp - ty1, left: tx0, right: wp - tx1 });
      const f = extractPyramidCpu(vgg, tile, OPTS, { y0: y0 - ty0, x0: x0 - tx0, height: h, width: w }, undefined, { paddedH: hp, paddedW: wp, tileY0: ty0, tileX0: tx0 });
      const expected = crop(whole, { top: y0, bottom: hp - y0 - h, left: x0, right: wp - x0 - w });
      expect(f.shape).toEqual(expected.shape);
      expect(Array.from(f.data)).toEqual(Array.from(expected.data));
      if (ty0 > 0) {
        // Three rows less context above: scale 4's blocks start outside the tile.
        const short = crop(image, { top: ty0 + 12, bottom: hp - ty1, left: tx0, right: wp - tx1 });
        expect(() => extractPyramidCpu(vgg, short, OPTS, { y0: y0 - ty0 - 12, x0: x0 - tx0, height: h, width: w }, undefined, { paddedH: hp, paddedW: wp, tileY0: ty0 + 12, tileX0: tx0 })).toThrow(/lacks context/);
      }
    }
    vgg.dispose();
  });
});
