/** Uncertainty, suggestions where to annotate next, and class areas. */
import { describe, expect, it } from 'vitest';
import { boxMean, classAreas, marginUncertainty, suggestAnnotationRegions } from '../../src/postprocess/guidance.js';

/** Probabilities [2, h, w]: certain everywhere except a square where the classes tie. */
function scene(h: number, w: number, square: { y: number; x: number; side: number }): Float32Array {
  const p = new Float32Array(2 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = y >= square.y && y < square.y + square.side && x >= square.x && x < square.x + square.side;
      p[y * w + x] = inside ? 0.5 : 0.95;
      p[h * w + y * w + x] = 1 - p[y * w + x];
    }
  }
  return p;
}

describe('guidance', () => {
  it('margin uncertainty: 1 at a tie, 0 when certain, for any number of classes', () => {
    const p = Float32Array.from([0.5, 1, 0.2, 0.5, 0, 0.3, 0, 0, 0.5]); // [3 classes, 3 pixels]
    const u = marginUncertainty(p, 3, [1, 3]);
    expect(Array.from(u).map((v) => +v.toFixed(6))).toEqual([1, 0, 0.8]);
    expect(() => marginUncertainty(p, 2, [1, 3])).toThrow(/not \[2, 1, 3\]/);
  });

  it('box mean: constant stays constant, edges average what is inside', () => {
    expect(Array.from(boxMean(new Float32Array(12).fill(0.25), [3, 4], 1))).toEqual(new Array(12).fill(0.25));
    const m = boxMean(Float32Array.from([1, 0, 0, 0]), [1, 4], 1);
    expect(Array.from(m)).toEqual([0.5, Math.fround(1 / 3), 0, 0]);
  });

  it('suggests the uncertain square first, and nothing in a confident image', () => {
    const [h, w] = [96, 128];
    const s = suggestAnnotationRegions(scene(h, w, { y: 40, x: 70, side: 20 }), 2, [h, w], { count: 3, radius: 6 });
    expect(s.length).toBeGreaterThanOrEqual(1);
    const c = { y: s[0].y + s[0].height / 2, x: s[0].x + s[0].width / 2 };
    expect(c.y).toBeGreaterThan(40);
    expect(c.y).toBeLessThan(60);
    expect(c.x).toBeGreaterThan(70);
    expect(c.x).toBeLessThan(90);
    for (let i = 1; i < s.length; i++) expect(s[i].uncertainty).toBeLessThanOrEqual(s[i - 1].uncertainty);
    expect(suggestAnnotationRegions(scene(h, w, { y: 0, x: 0, side: 0 }), 2, [h, w])).toEqual([]);
  });

  it('class areas count every class, absent ones as 0', () => {
    expect(classAreas(Uint8Array.from([1, 1, 49, 1]), [1, 49, 91])).toEqual([
      { value: 1, pixels: 3, fraction: 0.75 },
      { value: 49, pixels: 1, fraction: 0.25 },
      { value: 91, pixels: 0, fraction: 0 },
    ]);
  });
});
