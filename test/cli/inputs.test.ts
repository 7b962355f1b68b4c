/** Input lists for `convpaint segment`: folders, globs (with **), de-duplication, shards. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyShard, expandInputs, globRegex, parseShard, stemOf } from '../../src/cli/inputs.js';
import { CliError } from '../../src/cli/errors.js';

const dir = join(tmpdir(), `convpaint-inputs-${process.pid}-${Date.now()}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expandInputs', () => {
  it('folders give their PNG/TIFF files sorted, skipping our outputs; globs recurse with **; duplicates once', () => {
    for (const f of ['b.png', 'a.tif', 'c.TIFF', 'notes.txt', 'a_segmentation.png', 'a_overlay.png', 'sub/d.tif', 'sub/deeper/e.tif']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), 'x');
    }
    expect(expandInputs([dir]).files).toEqual(['a.tif', 'b.png', 'c.TIFF'].map((f) => join(dir, f)));
    expect(expandInputs([join(dir, '**/*.tif')]).files).toEqual(['a.tif', 'sub/d.tif', 'sub/deeper/e.tif'].map((f) => join(dir, f)));
    expect(expandInputs([join(dir, '*/*.tif')]).files).toEqual([join(dir, 'sub/d.tif')]);
    expect(expandInputs([join(dir, 'b.png'), dir]).files).toEqual(['b.png', 'a.tif', 'c.TIFF'].map((f) => join(dir, f)));
    const none = expandInputs([join(dir, '*.jpg')]);
    expect(none.files).toEqual([]);
    expect(none.empty).toEqual([join(dir, '*.jpg')]);
    // A path that does not exist is kept: reading it fails later and the batch reports it.
    expect(expandInputs([join(dir, 'missing.png')]).files).toEqual([join(dir, 'missing.png')]);
  });

  it('globRegex: * stays within a folder, ? is one character, [..] a class', () => {
    expect(globRegex('*.png').test('a.png')).toBe(true);
    expect(globRegex('*.png').test('x/a.png')).toBe(false);
    expect(globRegex('**/*.png').test('a.png')).toBe(true);
    expect(globRegex('**/*.png').test('x/y/a.png')).toBe(true);
    expect(globRegex('img?.tif').test('img1.tif')).toBe(true);
    expect(globRegex('img?.tif').test('img10.tif')).toBe(false);
    expect(globRegex('img[0-4].tif').test('img3.tif')).toBe(true);
    expect(globRegex('img[0-4].tif').test('img7.tif')).toBe(false);
  });
});

describe('shards', () => {
  it('i/n partitions the list: every item in exactly one shard, in order', () => {
    const items = Array.from({ length: 11 }, (_, i) => i);
    for (const n of [1, 2, 3, 5, 11, 13]) {
      const all = Array.from({ length: n }, (_, i) => applyShard(items, parseShard(`${i}/${n}`))).flat();
      expect(all.sort((a, b) => a - b)).toEqual(items);
    }
    expect(applyShard(items, parseShard('1/4'))).toEqual([1, 5, 9]);
  });

  it('malformed or out-of-range shards are usage errors', () => {
    for (const bad of ['1', '4/4', '-1/4', 'a/b', '1/0']) expect(() => parseShard(bad), bad).toThrow(CliError);
  });

  it('stemOf drops folder and extension', () => {
    expect(stemOf('a/b/cells.tif')).toBe('cells');
    expect(stemOf('x.y.png')).toBe('x.y');
  });
});
