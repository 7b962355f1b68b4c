/**
 * Gradient-boosted symmetric trees, trained the way CatBoost trains the reference's default
 * classifier (REFERENCE.md §5.1) — not bit-identical to CatBoost (its random streams cannot be
 * reproduced), but the same scheme:
 * - features quantised to ≤ 254 borders by GreedyLogSum (./quantize.ts);
 * - MultiClass softmax loss for K > 2 classes (one raw score per class), Logloss for K = 2 (one
 *   raw score, sigmoid), starting from 0 (boost_from_average false);
 * - per iteration: Bayesian bootstrap weights w = (−ln u)^temperature (u drawn per (tree, row));
 *   derivatives of the loss;
 *   one oblivious tree of `depth` levels, each level's (feature, border) chosen for all leaves by
 *   the Cosine score plus normal noise of deviation
 *   randomStrength · sqrt(Σ w·der² / n) · m / (1 + m), m = n · exp(−iteration · learningRate)
 *   (CatBoost's "NormalWithModelSizeDecrease": the noise fades as the model grows);
 * - one Newton step per leaf: value = learningRate · Σ w·der / (Σ w·hess + λ),
 *   λ = l2LeafReg · Σw / n (the regulariser scaled to the bootstrap's total weight).
 * Everything random is a counter-based draw (random.ts): the weight of (tree, row) and the noise
 * of (tree, level, feature, border) are table entries picked by a hash of those coordinates and
 * the seed, so the same rows and seed give a byte-identical model, and the WGSL trainer
 * (gbdt-gpu.ts), which draws the same numbers in parallel, grows the same trees wherever its
 * float32 arithmetic allows.
 *
 * Split statistics: softmax derivatives of one row sum to zero over the classes (Σ_d (1[y = d] −
 * p_d) = 0), so the split search histograms D − 1 of them and the weight — S = D numbers per row
 * instead of D + 1 — and recovers the last class's sum as minus the others' (gbdtStatCount).
 */
import { ValueError } from '../errors.js';
import { MAX_OBLIVIOUS_DEPTH } from '../core/tree-ensemble.js';
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { FeatureScanner, growObliviousTree, levelRows } from './oblivious-grower.js';
import type { GrownTree, LevelRows } from './oblivious-grower.js';
import { MAX_BORDERS, quantizeRows } from './quantize.js';
import type { QuantizedRows } from './quantize.js';
import { bootstrapWeightTable, hash3, mix32, normalTable } from './random.js';
import { checkTrainingRows } from './rows.js';
import type { TrainProgress } from './rows.js';

/** Options of `trainGbdt`; the defaults are the reference's (clf_iterations, clf_learning_rate, clf_depth) and CatBoost's. */
export interface GbdtOptions {
  /** Boosting rounds = trees (clf_iterations). Default 100. */
  iterations?: number;
  /** Shrinkage of every leaf value (clf_learning_rate). Default 0.1. */
  learningRate?: number;
  /** Depth of every symmetric tree (clf_depth), 1..16. Default 5. */
  depth?: number;
  /** L2 regularisation of leaf values. Default 3. */
  l2LeafReg?: number;
  /** Borders per feature, 1..254. Default 254. */
  borderCount?: number;
  /** Scale of the split-score noise (0 = none). Default 1. */
  randomStrength?: number;
  /** Bayesian bootstrap temperature (0 = all weights 1). Default 1. */
  baggingTemperature?: number;
  /** Seed of every random choice. Default 0 (the reference's random_seed). */
  seed?: number;
  /** Called after quantisation and after every tree. */
  onProgress?: (progress: TrainProgress) => void;
}

/**
 * Statistics per row in the split search: D − 1 derivative sums and the weight for softmax
 * (D ≥ 3: the last derivative is minus the sum of the others), the derivative and the weight for
 * Logloss (D = 1).
 */
export function gbdtStatCount(D: number): number {
  return D === 1 ? 2 : D;
}

/** Stream keys of the counter-based draws of one training run. */
export function gbdtDrawKeys(seed: number): { weight: number; noise: number } {
  return { weight: mix32((seed ^ 0x626f6f74) >>> 0), noise: mix32((seed ^ 0x6e6f6973) >>> 0) };
}

/** Standard-normal noise of candidate (feature f, border b) at `level` of tree `it`. */
export function gbdtNoise(noiseKey: number, it: number, level: number, f: number, b: number): number {
  return normalDraw(hash3(noiseKey, it * 64 + level, f * 256 + b));
}

function normalDraw(h: number): number {
  return NORMALS[h >>> 16];
}

const NORMALS = normalTable();

function option(name: string, value: number | undefined, fallback: number, ok: (v: number) => boolean, rule: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !ok(v)) throw new ValueError(`GBDT option ${name} must be ${rule}, got ${v}`);
  return v;
}

/** The GBDT options with their defaults, validated (both trainers read them through this). */
export function resolveGbdtOptions(options: GbdtOptions): Required<Omit<GbdtOptions, 'onProgress'>> {
  return {
    iterations: option('iterations', options.iterations, 100, (v) => Number.isInteger(v) && v >= 1, 'a positive integer'),
    learningRate: option('learningRate', options.learningRate, 0.1, (v) => Number.isFinite(v) && v > 0, 'a positive number'),
    depth: option('depth', options.depth, 5, (v) => Number.isInteger(v) && v >= 1 && v <= MAX_OBLIVIOUS_DEPTH, `an integer in [1, ${MAX_OBLIVIOUS_DEPTH}]`),
    l2LeafReg: option('l2LeafReg', options.l2LeafReg, 3, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0'),
    borderCount: option('borderCount', options.borderCount, MAX_BORDERS, (v) => Number.isInteger(v) && v >= 1 && v <= MAX_BORDERS, `an integer in [1, ${MAX_BORDERS}]`),
    randomStrength: option('randomStrength', options.randomStrength, 1, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0'),
    baggingTemperature: option('baggingTemperature', options.baggingTemperature, 1, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0'),
    seed: option('seed', options.seed, 0, (v) => Number.isInteger(v), 'an integer'),
  };
}

/** CatBoost's noise decay with model size: m / (1 + m), m = n · exp(−iteration · learningRate). */
export function noiseDecay(n: number, iteration: number, learningRate: number): number {
  const m = Math.exp(Math.log(n) - iteration * learningRate);
  return m / (1 + m);
}

/** Array makers of a run: plain arrays, or shared memory for workers (gbdt-parallel.ts). */
export interface RunArrays {
  u8: (n: number) => Uint8Array;
  u32: (n: number) => Uint32Array;
  f64: (n: number) => Float64Array;
}

const PLAIN: RunArrays = { u8: (n) => new Uint8Array(n), u32: (n) => new Uint32Array(n), f64: (n) => new Float64Array(n) };

/**
 * One training run's state and its per-tree steps, shared by the sequential trainer below and the
 * parallel one (gbdt-parallel.ts), which differ only in how a tree's splits are searched.
 */
export class GbdtRun {
  readonly opts: ReturnType<typeof resolveGbdtOptions>;
  readonly classes: Int32Array;
  readonly n: number;
  readonly D: number;
  readonly S: number;
  readonly q: QuantizedRows;
  readonly rows: LevelRows;
  readonly keys: { weight: number; noise: number };
  /** Scratch of `partition`. */
  readonly tmp: Uint32Array;
  private readonly target: Uint32Array;
  private readonly weightTable: Float32Array;
  private readonly score: Float64Array;
  private readonly weight: Float64Array;
  private readonly der: Float64Array;
  private readonly hess: Float64Array;
  private readonly prob: Float64Array;
  private readonly splitFeature: number[] = [];
  private readonly splitBorder: number[] = [];
  private readonly splitOffset: Uint32Array;
  private readonly leafOffset: Uint32Array;
  private readonly leafChunks: Float32Array[] = [];

  constructor(
    x: Float32Array,
    y: ArrayLike<number>,
    readonly nFeatures: number,
    private readonly options: GbdtOptions,
    arrays: RunArrays = PLAIN,
  ) {
    this.opts = resolveGbdtOptions(options);
    const { classes, index } = checkTrainingRows(x, y, nFeatures);
    this.classes = classes;
    this.target = index;
    const n = (this.n = index.length);
    const D = (this.D = classes.length === 2 ? 1 : classes.length);
    const S = (this.S = gbdtStatCount(D));
    this.q = quantizeRows(x, n, nFeatures, this.opts.borderCount, arrays.u8);
    options.onProgress?.({ stage: 'quantize', done: 1, total: 1 });
    this.rows = levelRows(this.q, this.opts.depth, S, D > 1, arrays);
    this.keys = gbdtDrawKeys(this.opts.seed);
    this.weightTable = bootstrapWeightTable(this.opts.baggingTemperature);
    this.tmp = new Uint32Array(n);
    this.score = new Float64Array(n * D);
    this.weight = new Float64Array(n);
    this.der = new Float64Array(n * D);
    this.hess = new Float64Array(n * D);
    this.prob = new Float64Array(D);
    this.splitOffset = new Uint32Array(this.opts.iterations + 1);
    this.leafOffset = new Uint32Array(this.opts.iterations + 1);
  }

  /** Bootstrap weights, derivatives and split statistics of tree `it`; its λ and noise scale. */
  derivatives(it: number): { lambda: number; noiseScale: number } {
    const { n, D, S, target, weight, der, hess, prob, score, keys, weightTable } = this;
    const stats = this.rows.stats;
    let weightSum = 0;
    for (let i = 0; i < n; i++) {
      const w = weightTable[hash3(keys.weight, it, i) >>> 16];
      weight[i] = w;
      weightSum += w;
    }
    let derSq = 0;
    for (let i = 0; i < n; i++) {
      const yi = target[i];
      if (D === 1) {
        const p = 1 / (1 + Math.exp(-score[i]));
        der[i] = (yi === 1 ? 1 : 0) - p;
        hess[i] = p * (1 - p);
      } else {
        let m = -Infinity;
        for (let d = 0; d < D; d++) m = Math.max(m, score[i * D + d]);
        let sum = 0;
        for (let d = 0; d < D; d++) {
          prob[d] = Math.exp(score[i * D + d] - m);
          sum += prob[d];
        }
        for (let d = 0; d < D; d++) {
          const p = prob[d] / sum;
          der[i * D + d] = (yi === d ? 1 : 0) - p;
          hess[i * D + d] = p * (1 - p);
        }
      }
      const w = weight[i];
      for (let d = 0; d < D; d++) {
        const g = der[i * D + d];
        if (d < S - 1) stats[i * S + d] = w * g;
        derSq += w * g * g;
      }
      stats[i * S + S - 1] = w;
    }
    const { l2LeafReg, randomStrength, learningRate } = this.opts;
    return { lambda: l2LeafReg * (weightSum / n), noiseScale: randomStrength * Math.sqrt(derSq / n) * noiseDecay(n, it, learningRate) };
  }

  /** The noise draw of tree `it` (gbdtNoise with this run's key). */
  noise(it: number): (level: number, feature: number, border: number) => number {
    const key = this.keys.noise;
    return (level, f, b) => gbdtNoise(key, it, level, f, b);
  }

  /** Records tree `it`'s splits, computes its Newton leaf values and moves every row's scores by them. */
  finishTree(it: number, tree: GrownTree, lambda: number): void {
    const { n, D, weight, der, hess, score, q } = this;
    const lr = this.opts.learningRate;
    const treeDepth = tree.features.length;
    for (let l = 0; l < treeDepth; l++) {
      this.splitFeature.push(tree.features[l]);
      this.splitBorder.push(q.borders[tree.features[l]][tree.borders[l]]);
    }
    this.splitOffset[it + 1] = this.splitOffset[it] + treeDepth;
    const nLeaves = 2 ** treeDepth;
    this.leafOffset[it + 1] = this.leafOffset[it] + nLeaves;

    // One Newton step per leaf and score dimension.
    const sumDer = new Float64Array(nLeaves * D);
    const sumHess = new Float64Array(nLeaves * D);
    for (let i = 0; i < n; i++) {
      const o = tree.leafOf[i] * D;
      const w = weight[i];
      for (let d = 0; d < D; d++) {
        sumDer[o + d] += w * der[i * D + d];
        sumHess[o + d] += w * hess[i * D + d];
      }
    }
    const values = new Float32Array(nLeaves * D);
    for (let e = 0; e < values.length; e++) {
      const h = sumHess[e] + lambda;
      values[e] = h > 0 ? (lr * sumDer[e]) / h : 0;
    }
    this.leafChunks.push(values);
    // Rows move by the float32 values the model stores, so training sees what prediction will.
    for (let i = 0; i < n; i++) {
      const o = tree.leafOf[i] * D;
      for (let d = 0; d < D; d++) score[i * D + d] += values[o + d];
    }
    this.options.onProgress?.({ stage: 'gbdt', done: it + 1, total: this.opts.iterations });
  }

  /** The trained ensemble. */
  model(): TreeEnsemble {
    const { D, opts } = this;
    const leafValues = new Float32Array(this.leafOffset[opts.iterations] * D);
    let at = 0;
    for (const chunk of this.leafChunks) {
      leafValues.set(chunk, at);
      at += chunk.length;
    }
    return {
      kind: 'gbdt',
      postprocess: D === 1 ? 'sigmoid' : 'softmax',
      classes: this.classes,
      nFeatures: this.nFeatures,
      nOutputs: D,
      trees: {
        layout: 'oblivious',
        splitOffset: this.splitOffset,
        splitFeature: Int32Array.from(this.splitFeature),
        splitBorder: Float32Array.from(this.splitBorder),
      },
      leafOffset: this.leafOffset,
      leafValues,
      bias: new Float32Array(D),
    };
  }
}

/**
 * Trains a gradient-boosted ensemble of oblivious trees, on this thread (`trainGbdtParallel`
 * spreads the split search over workers and grows the same trees).
 * @param x training features, row-major [n, F] float32 (rows in any order; order affects the
 *   result only through the random stream, see `sortRowsLexicographic`).
 * @param y class value of each row (any integers; at least two distinct).
 * @param nFeatures F.
 * @returns a `gbdt` TreeEnsemble with postprocess `softmax` (K > 2) or `sigmoid` (K = 2).
 * @throws ShapeError / ValueError for inconsistent sizes, fewer than 2 classes or bad options.
 */
export function trainGbdt(x: Float32Array, y: ArrayLike<number>, nFeatures: number, options: GbdtOptions = {}): TreeEnsemble {
  const run = new GbdtRun(x, y, nFeatures, options);
  const scanner = new FeatureScanner(run.rows, 0, nFeatures, run.opts.depth);
  for (let it = 0; it < run.opts.iterations; it++) {
    const { lambda, noiseScale } = run.derivatives(it);
    const tree = growObliviousTree(run.rows, scanner, run.tmp, run.opts.depth, lambda, noiseScale, run.noise(it));
    run.finishTree(it, tree, lambda);
  }
  return run.model();
}
