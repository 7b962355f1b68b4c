/**
 * The trainers' seeded random numbers. Two kinds:
 * - a stream, xoshiro128** (small state, good statistical quality, pure 32-bit integer
 *   arithmetic, so every JavaScript engine produces the same stream), seeded through splitmix32 —
 *   for draws made one after another (the random forest's bootstrap and feature draws);
 * - counter-based draws, `hash3(key, a, b)` — for draws that a GPU makes in parallel and the CPU
 *   in sequence: the GBDT's bootstrap weight of (tree, row) and split noise of (tree, level,
 *   feature, border). Each is a table entry picked by 16 bits of a hash of its coordinates, so the
 *   WGSL trainer (shaders/gbdt-train.wgsl has the same hash) and the CPU trainer draw identical
 *   values in any order.
 * Same seed → same numbers → same model.
 */

/** splitmix32 step: scrambles a 32-bit value (used for seeding and deriving sub-seeds). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seed for sub-stream `index` of `seed` (e.g. one per tree, so trees can be grown in any order). */
export function deriveSeed(seed: number, index: number): number {
  return mix32((mix32(seed >>> 0) ^ Math.imul(index + 1, 0x632be5ab)) >>> 0);
}

/** lowbias32 (Chris Wellons' integer hash): a well-mixed 32-bit value from a 32-bit value. */
export function mixBits(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit hash of three 32-bit coordinates (`key` is the seeded stream's id). Same in WGSL. */
export function hash3(key: number, a: number, b: number): number {
  let h = mixBits((key ^ Math.imul(a >>> 0, 0x9e3779b1)) >>> 0);
  h = mixBits((h ^ Math.imul(b >>> 0, 0x85ebca77)) >>> 0);
  return h;
}

/** Entries of the draw tables: a draw picks one with the top 16 bits of a hash. */
export const DRAW_TABLE_SIZE = 65536;

let exponentialTableRef: Float32Array | null = null;

/**
 * The 2^16 quantiles of the standard exponential distribution at (k + ½) / 2^16, as float32:
 * −ln of a uniform draw, which is how the Bayesian bootstrap weighs a row (w = (−ln u)^T). Mean
 * ≈ 1, largest ≈ 11.8. Exact quantiles need no random stream and are the same everywhere.
 */
export function exponentialTable(): Float32Array {
  if (!exponentialTableRef) {
    exponentialTableRef = new Float32Array(DRAW_TABLE_SIZE);
    for (let k = 0; k < DRAW_TABLE_SIZE; k++) exponentialTableRef[k] = -Math.log((DRAW_TABLE_SIZE - k - 0.5) / DRAW_TABLE_SIZE);
  }
  return exponentialTableRef;
}

/** Bootstrap weights (−ln u)^temperature for every table entry, as float32 (temperature 0: all 1). */
export function bootstrapWeightTable(temperature: number): Float32Array {
  const e = exponentialTable();
  return temperature === 1 ? e : Float32Array.from(e, (v) => (temperature === 0 ? 1 : Math.pow(v, temperature)));
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  private spareBits = -1;
  private tableRef: Float32Array | null = null;

  private get table(): Float32Array {
    return (this.tableRef ??= normalTable());
  }

  constructor(seed: number) {
    let s = seed >>> 0;
    s = mix32(s);
    this.a = s;
    s = mix32(s);
    this.b = s;
    s = mix32(s);
    this.c = s;
    s = mix32(s);
    this.d = s | 1; // never the all-zero state
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1), 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1]: safe to take the logarithm of. */
  floatOpenZero(): number {
    return 1 - this.float();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    if (n > 0x100000000) return Math.floor(this.float() * n);
    const limit = 0x100000000 - (0x100000000 % n);
    let v = this.u32();
    while (v >= limit) v = this.u32();
    return v % n;
  }

  /** Approximately standard normal, from a table of 2^16 draws (see `getNormalTable`). */
  fastNormal(): number {
    if (this.spareBits >= 0) {
      const v = this.spareBits;
      this.spareBits = -1;
      return this.table[v];
    }
    const bits = this.u32();
    this.spareBits = bits & 0xffff;
    return this.table[bits >>> 16];
  }

  /** Standard normal (Marsaglia's polar method: no trigonometry; both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      // 32 random bits per coordinate are plenty for noise, and half the cost of float().
      const u = (this.u32() + 0.5) * 4.656612873077393e-10 - 1;
      const v = (this.u32() + 0.5) * 4.656612873077393e-10 - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const m = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * m;
        return u * m;
      }
    }
  }
}

/**
 * 2^16 standard-normal draws from a fixed stream, as float32 (so the WGSL trainer holds the same
 * values): `Rng.fastNormal` and the GBDT's counter-based noise pick one of them with 16 random
 * bits. Samples are only as fine-grained as the table, which is plenty for split-score noise,
 * and ten times cheaper than computing a logarithm and a square root per draw.
 */
let normalTableRef: Float32Array | null = null;

export function normalTable(): Float32Array {
  if (!normalTableRef) {
    const rng = new Rng(0x6e6f6973);
    normalTableRef = new Float32Array(DRAW_TABLE_SIZE);
    for (let i = 0; i < DRAW_TABLE_SIZE; i++) normalTableRef[i] = rng.normal();
  }
  return normalTableRef;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
