/**
 * Features of image tiles kept between calls, so the interactive loop does not recompute them:
 * after a stroke the model trains on a few new pixels and segments the same image again, and both
 * steps read the tiles' features from here. An entry is the feature stack of one tile job, keyed
 * by what determines it — the image's content, the extractor, the pyramid and the tile's place —
 * so a changed image, extractor or setting simply misses (stale entries age out). Least recently
 * used entries are dropped beyond a byte budget; `budgetBytes` 0 keeps nothing.
 *
 * The engines own their cache (GPU tensors or CPU arrays) and release it in `dispose()`.
 */
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import type { PreparedImage } from '../prepare/prepare.js';
import type { TileJob } from './tiling.js';

/** A fingerprint of an image's content and shape: FNV-1a over its float bits (collisions need 2^-64 luck). */
export function imageFingerprint(image: PreparedImage): string {
  const words = new Uint32Array(image.data.buffer, image.data.byteOffset, image.data.length);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ words.length;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i] ^ (a >>> 15), 0x85ebca6b);
  }
  return `${image.shape.join('x')}:${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

const extractorIds = new WeakMap<FeatureExtractor, number>();
let nextExtractorId = 1;

function extractorKey(fe: FeatureExtractor): number {
  let id = extractorIds.get(fe);
  if (id === undefined) {
    id = nextExtractorId++;
    extractorIds.set(fe, id);
  }
  return id;
}

/** The key of one tile's features. */
export function tileKey(imageKey: string, fe: FeatureExtractor, pyramid: PyramidOptions, job: TileJob): string {
  const { tile: t, window: w } = job;
  return `${imageKey}|fe${extractorKey(fe)}|${pyramid.scalings.join(',')}/${pyramid.order}/${pyramid.useMinFeatures}/${pyramid.channelMode}|z${job.z} ${t.y0},${t.x0},${t.y1},${t.x1} ${w.y0},${w.x0},${w.height},${w.width}`;
}

/** What a feature cache holds and how it served. */
export interface FeatureCacheStats {
  bytes: number;
  entries: number;
  hits: number;
  misses: number;
}

/** A least-recently-used map of tile features within a byte budget. */
export class FeatureCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(
    readonly budgetBytes: number,
    private readonly release: (value: T) => void,
  ) {}

  /** The cached value (now the most recently used), or undefined. */
  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  /** Whether `key` is held (neither a hit nor a miss, and not a use for the LRU order). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Whether `bytes` more could be kept at all. */
  accepts(bytes: number): boolean {
    return this.budgetBytes > 0 && bytes <= this.budgetBytes;
  }

  /** Keeps `value` (`accepts` must hold), dropping the least recently used entries beyond the budget. */
  put(key: string, value: T, bytes: number): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes;
      this.release(old.value);
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      if (k === key) continue;
      this.entries.delete(k);
      this.bytes -= e.bytes;
      this.release(e.value);
    }
  }

  /** Bytes and entries held, and lookups that hit or missed since creation. */
  stats(): FeatureCacheStats {
    return { bytes: this.bytes, entries: this.entries.size, hits: this.hits, misses: this.misses };
  }

  /** Drops every entry. */
  clear(): void {
    for (const e of this.entries.values()) this.release(e.value);
    this.entries.clear();
    this.bytes = 0;
  }
}
