/**
 * The feature cache: an LRU within a byte budget, keyed by image content, extractor, pyramid and
 * tile — and, through ConvpaintModel (CPU engine), results that do not depend on it, with the
 * interactive loop (train, segment, train on one more stroke, segment) computing no tile twice.
 */
import { describe, expect, it } from 'vitest';
import { FeatureCache, imageFingerprint } from '../../src/engine/feature-cache.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/types.js';
import { squareScene } from '../helpers/synthetic.js';

describe('feature cache', () => {
  it('keeps the most recently used entries within the budget and releases the others', () => {
    const released: string[] = [];
    const c = new FeatureCache<string>(10, (v) => released.push(v));
    c.put('a', 'A', 4);
    c.put('b', 'B', 4);
    expect(c.get('a')).toBe('A'); // a is now the most recent
    c.put('c', 'C', 4); // 12 > 10: b (least recent) goes
    expect(released).toEqual(['B']);
    expect(c.get('b')).toBeUndefined();
    expect(c.stats()).toMatchObject({ bytes: 8, entries: 2, hits: 1, misses: 1 });
    expect(c.accepts(11)).toBe(false);
    expect(new FeatureCache<string>(0, () => undefined).accepts(1)).toBe(false);
    c.clear();
    expect(released.sort()).toEqual(['A', 'B', 'C']);
    expect(c.stats().bytes).toBe(0);
  });

  it('fingerprints follow content and shape', () => {
    const data = Float32Array.from({ length: 64 }, (_, i) => i / 7);
    const a = imageFingerprint({ data, shape: [1, 1, 8, 8] });
    expect(imageFingerprint({ data: data.slice(), shape: [1, 1, 8, 8] })).toBe(a);
    expect(imageFingerprint({ data, shape: [1, 1, 4, 16] })).not.toBe(a);
    const changed = data.slice();
    changed[37] += 1e-6;
    expect(imageFingerprint({ data: changed, shape: [1, 1, 8, 8] })).not.toBe(a);
  });

  it('the interactive loop: the same labels with and without the cache, and no tile computed twice', async () => {
    const s = squareScene(64, 3);
    const first = { data: s.annotations.data.map((v, i) => (i < 32 * 64 ? v : 0)), shape: s.annotations.shape };
    const results: Uint8Array[][] = [];
    for (const featureCacheBytes of [0, 64 * 2 ** 20]) {
      const m = await ConvpaintModel.create({ alias: 'ilastik' }, { device: 'cpu', featureCacheBytes, onWarning: () => undefined });
      const out: Uint8Array[] = [];
      await m.train(s.image, first, { memoryMode: true, imgIds: 'img' });
      out.push(((await m.segment(s.image)) as LabelImage).data as Uint8Array);
      const afterFirst = m.featureCache;
      await m.train(s.image, s.annotations, { memoryMode: true, imgIds: 'img' });
      out.push(((await m.segment(s.image, { region: { y: 10, x: 10, height: 30, width: 40 } })) as LabelImage).data as Uint8Array);
      out.push(((await m.segment(s.image)) as LabelImage).data as Uint8Array);
      if (featureCacheBytes > 0) {
        // Every tile was computed once, by the first training and segmentation; everything after hit.
        expect(m.featureCache.misses).toBe(afterFirst.misses);
        expect(m.featureCache.hits).toBeGreaterThan(afterFirst.hits);
        expect(m.featureCache.bytes).toBeGreaterThan(0);
      } else {
        expect(m.featureCache.entries).toBe(0);
      }
      results.push(out);
      m.dispose();
    }
    expect(results[1].map((a) => Array.from(a))).toEqual(results[0].map((a) => Array.from(a)));
  });
});
