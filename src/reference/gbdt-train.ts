/**
 * CPU twins of the GBDT trainer's kernels (shaders/gbdt-train.wgsl), written for clarity over
 * speed: each computes what one kernel computes, over the same layouts, in float32 where the
 * kernel does, so tests can compare them step by step. (The CPU *trainer* — classifiers/gbdt.ts
 * — is a separate, faster implementation of the same scheme, and the oracle of the whole GPU
 * trainer.)
 */
import { ShapeError } from '../errors.js';

/** Bins of rows [n, F] row-major against per-feature borders: how many borders each value exceeds (NaN → 0). */
export function quantizeRowsReference(x: Float32Array, n: number, nFeatures: number, borders: readonly Float32Array[]): Uint8Array {
  if (x.length !== n * nFeatures || borders.length !== nFeatures) throw new ShapeError('quantize reference: x must be [n, F] with F border lists');
  const bins = new Uint8Array(n * nFeatures);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < nFeatures; f++) {
      const v = x[r * nFeatures + f];
      let b = 0;
      for (const border of borders[f]) if (v > border) b++;
      bins[r * nFeatures + f] = b;
    }
  }
  return bins;
}

/** Row-major byte bins [n, F] → the kernels' packed words [n, ceil(F/4)]. */
export function packBins(bins: Uint8Array, n: number, nFeatures: number): Uint32Array {
  const words = Math.ceil(nFeatures / 4);
  const out = new Uint32Array(n * words);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < nFeatures; f++) out[r * words + (f >> 2)] |= bins[r * nFeatures + f] << (8 * (f & 3));
  }
  return out;
}

/**
 * Histograms of one level: for each feature f, leaf l (< 2^level) and bin b, the sums of the S
 * statistics (stats [n, S]) of the rows in leaf l whose bin is b. Layout [F, L, 256, S].
 * (The kernel builds the smaller children and subtracts; the result is the same up to rounding.)
 */
export function levelHistogramsReference(bins: Uint8Array, n: number, nFeatures: number, stats: Float32Array, S: number, leaf: Uint32Array, level: number): Float64Array {
  const L = 2 ** level;
  const hist = new Float64Array(nFeatures * L * 256 * S);
  for (let r = 0; r < n; r++) {
    const l = leaf[r];
    for (let f = 0; f < nFeatures; f++) {
      const o = ((f * L + l) * 256 + bins[r * nFeatures + f]) * S;
      for (let s = 0; s < S; s++) hist[o + s] += stats[r * S + s];
    }
  }
  return hist;
}

/**
 * The Cosine score of every border of every feature from a level's histograms (without noise):
 * [F, 255], −Infinity for borders a feature lacks. `nbins[f]` = borders + 1; λ = l2 · Σw / n.
 * With `implicitLast` the last derivative sum is minus the sum of the S − 1 stored ones.
 */
export function borderScoresReference(hist: Float64Array, nFeatures: number, level: number, S: number, nbins: Uint32Array, lambda: number, implicitLast: boolean): Float64Array {
  const L = 2 ** level;
  const G = S - 1;
  const scores = new Float64Array(nFeatures * 255).fill(-Infinity);
  for (let f = 0; f < nFeatures; f++) {
    const nb = nbins[f];
    for (let b = 0; b + 1 < nb; b++) {
      let num = 0;
      let den = 0;
      for (let l = 0; l < L; l++) {
        const base = (f * L + l) * 256 * S;
        const total = new Float64Array(S);
        const left = new Float64Array(S);
        for (let k = 0; k < nb; k++) for (let s = 0; s < S; s++) total[s] += hist[base + k * S + s];
        if (total[G] <= 0) continue;
        for (let k = 0; k <= b; k++) for (let s = 0; s < S; s++) left[s] += hist[base + k * S + s];
        const part = (sums: ArrayLike<number>, w: number) => {
          if (!(w > total[G] * 1e-12)) return;
          let g2 = 0;
          let sum = 0;
          for (let d = 0; d < G; d++) {
            g2 += sums[d] * sums[d];
            sum += sums[d];
          }
          if (implicitLast) g2 += sum * sum;
          const inv = 1 / (w + lambda);
          num += g2 * inv;
          den += w * g2 * inv * inv;
        };
        part(left, left[G]);
        part(Array.from(total, (t, s) => t - left[s]), total[G] - left[G]);
      }
      scores[f * 255 + b] = den > 0 ? num / Math.sqrt(den) : 0;
    }
  }
  return scores;
}

/** The best (feature, border) of [F, 255] scores: highest score, ties → lower feature, then lower border. */
export function bestSplitReference(scores: Float64Array, nFeatures: number): { feature: number; border: number; score: number } {
  let best = { feature: -1, border: -1, score: -Infinity };
  for (let f = 0; f < nFeatures; f++) {
    for (let b = 0; b < 255; b++) {
      const s = scores[f * 255 + b];
      if (s > best.score) best = { feature: f, border: b, score: s };
    }
  }
  return best;
}

/** Rows' leaves after splitting level `level` on (feature, border): bit `level` set when bin > border; and the new leaves' row counts. */
export function partitionReference(bins: Uint8Array, n: number, nFeatures: number, leaf: Uint32Array, level: number, feature: number, border: number): { leaf: Uint32Array; counts: Uint32Array } {
  const out = new Uint32Array(n);
  const counts = new Uint32Array(2 ** (level + 1));
  for (let r = 0; r < n; r++) {
    out[r] = leaf[r] | ((bins[r * nFeatures + feature] > border ? 1 : 0) << level);
    counts[out[r]]++;
  }
  return { leaf: out, counts };
}

/**
 * Newton leaf values [2^depth, D] from the rows' Newton terms newton [n, 2D] (w·der_d, then
 * w·hess_d): lr · Σ w·der / (Σ w·hess + λ), 0 where the denominator is not positive.
 */
export function leafValuesReference(newton: Float32Array, n: number, D: number, leaf: Uint32Array, depth: number, learningRate: number, lambda: number): Float32Array {
  const leaves = 2 ** depth;
  const sums = new Float64Array(leaves * 2 * D);
  for (let r = 0; r < n; r++) for (let e = 0; e < 2 * D; e++) sums[leaf[r] * 2 * D + e] += newton[r * 2 * D + e];
  const out = new Float32Array(leaves * D);
  for (let l = 0; l < leaves; l++) {
    for (let d = 0; d < D; d++) {
      const h = sums[l * 2 * D + D + d] + lambda;
      out[l * D + d] = h > 0 ? (learningRate * sums[l * 2 * D + d]) / h : 0;
    }
  }
  return out;
}

/**
 * Per-row derivatives of tree `iteration`: with weights w (the bootstrap draw of each row) and
 * raw scores [n, D] (D = 1: sigmoid; else softmax over D classes), the split statistics
 * stats [n, S] (w·der of the first S − 1 dimensions, then w) and the Newton terms newton [n, 2D].
 */
export function derivativesReference(score: Float32Array, target: Uint32Array, weight: Float32Array, n: number, D: number, S: number): { stats: Float32Array; newton: Float32Array } {
  const stats = new Float32Array(n * S);
  const newton = new Float32Array(n * 2 * D);
  const p = new Float64Array(D);
  for (let r = 0; r < n; r++) {
    if (D === 1) {
      p[0] = 1 / (1 + Math.exp(-score[r]));
    } else {
      let m = -Infinity;
      for (let d = 0; d < D; d++) m = Math.max(m, score[r * D + d]);
      let total = 0;
      for (let d = 0; d < D; d++) total += p[d] = Math.exp(score[r * D + d] - m);
      for (let d = 0; d < D; d++) p[d] /= total;
    }
    const w = weight[r];
    for (let d = 0; d < D; d++) {
      const yes = D === 1 ? target[r] === 1 : target[r] === d;
      const g = (yes ? 1 : 0) - p[d];
      if (d < S - 1) stats[r * S + d] = w * g;
      newton[r * 2 * D + d] = w * g;
      newton[r * 2 * D + D + d] = w * p[d] * (1 - p[d]);
    }
    stats[r * S + S - 1] = w;
  }
  return { stats, newton };
}
