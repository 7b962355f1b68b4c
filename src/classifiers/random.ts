/**
 * The trainers' seeded random numbers: xoshiro128** (small state, good statistical quality, pure
 * 32-bit integer arithmetic, so every JavaScript engine produces the same stream), seeded through
 * splitmix32. Same seed → same stream → same model.
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

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  private spareBits = -1;
  private tableRef: Float64Array | null = null;

  private get table(): Float64Array {
    return (this.tableRef ??= getNormalTable());
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
 * 2^16 standard-normal draws from a fixed stream: `Rng.fastNormal` picks one of them with 16
 * random bits. Its samples are only as fine-grained as the table, which is plenty for split-score
 * noise, and ten times cheaper than computing a logarithm and a square root per draw.
 */
let normalTable: Float64Array | null = null;

function getNormalTable(): Float64Array {
  if (!normalTable) {
    const rng = new Rng(0x6e6f6973);
    normalTable = new Float64Array(65536);
    for (let i = 0; i < normalTable.length; i++) normalTable[i] = rng.normal();
  }
  return normalTable;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
