/**
 * Ascending sort of float32 columns for quantisation: a least-significant-digit radix sort on the
 * values' bits, three passes of 11 bits. Training quantises every feature of every retrain, and
 * comparison sorting (TypedArray.prototype.sort) was over half of that time; the radix sort does
 * a fixed ~10 reads and writes per value instead of ~log2(n) comparisons (measured 10× faster on
 * 58,666-row columns).
 *
 * Order: numeric, with −0 before +0 (the order of TypedArray.prototype.sort); NaN values are
 * left out. A float's bits become an unsigned key with the same order by flipping every bit of a
 * negative value and only the sign bit of a positive one, so sorting keys sorts values exactly.
 */

const DIGIT_BITS = 11;
const DIGITS = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGITS - 1;

/** The sorted non-NaN values of a column and, for each, the position it came from. */
export interface SortedColumn {
  /** Ascending values (a view of the sorter's scratch, valid until its next sort). */
  values: Float32Array;
  /** values[k] was column[order[k]] (also scratch). Equal values keep their column order. */
  order: Uint32Array;
}

/** Sorts columns one after another, reusing its scratch buffers. */
export class Float32ColumnSorter {
  private keys = new Uint32Array(0);
  private keysOut = new Uint32Array(0);
  private order = new Uint32Array(0);
  private orderOut = new Uint32Array(0);
  private readonly counts = new Uint32Array(3 * DIGITS);

  /** Sorts `column` (not modified); see SortedColumn for what the result may be used for. */
  sort(column: Float32Array): SortedColumn {
    const n = column.length;
    this.reserve(n);
    const bits = new Uint32Array(column.buffer, column.byteOffset, n);
    let keys = this.keys;
    let order = this.order;
    let keysOut = this.keysOut;
    let orderOut = this.orderOut;
    const counts = this.counts;
    counts.fill(0);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = column[i];
      if (v !== v) continue; // NaN
      const b = bits[i];
      const key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      keys[m] = key;
      order[m] = i;
      m++;
      counts[key & DIGIT_MASK]++;
      counts[DIGITS + ((key >>> DIGIT_BITS) & DIGIT_MASK)]++;
      counts[2 * DIGITS + (key >>> (2 * DIGIT_BITS))]++;
    }
    for (let pass = 0; pass < 3; pass++) {
      const base = pass * DIGITS;
      let sum = 0;
      for (let d = 0; d < DIGITS; d++) {
        const c = counts[base + d];
        counts[base + d] = sum;
        sum += c;
      }
    }
    for (let pass = 0; pass < 3; pass++) {
      const base = pass * DIGITS;
      const shift = pass * DIGIT_BITS;
      for (let k = 0; k < m; k++) {
        const key = keys[k];
        const at = counts[base + ((key >>> shift) & DIGIT_MASK)]++;
        keysOut[at] = key;
        orderOut[at] = order[k];
      }
      [keys, keysOut] = [keysOut, keys];
      [order, orderOut] = [orderOut, order];
    }
    // After an odd number of passes the results sit in what were the output buffers.
    [this.keys, this.keysOut, this.order, this.orderOut] = [keys, keysOut, order, orderOut];
    // Keys back to float bits, in place: the key buffer becomes the values.
    for (let k = 0; k < m; k++) {
      const key = keys[k];
      keys[k] = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
    }
    return { values: new Float32Array(keys.buffer, 0, m), order: order.subarray(0, m) };
  }

  private reserve(n: number): void {
    if (this.keys.length >= n) return;
    this.keys = new Uint32Array(n);
    this.keysOut = new Uint32Array(n);
    this.order = new Uint32Array(n);
    this.orderOut = new Uint32Array(n);
  }
}
