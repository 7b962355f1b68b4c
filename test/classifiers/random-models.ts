/**
 * Random tree ensembles and data for evaluator tests (CPU and GPU). Feature values are drawn from
 * a coarse grid (multiples of 1/8 in [−1, 1]) and about a third of the borders/thresholds sit
 * exactly on grid values, so "value equal to the border" — where `>` and `<=` matter — happens
 * often.
 */
import type { NodeTrees, Postprocess, TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { rng as makeRng } from '../helpers/random.js';

type Next = () => number;

function gridValue(next: Next): number {
  return Math.round((next() * 2 - 1) * 8) / 8;
}

function cut(next: Next): number {
  return next() < 0.35 ? gridValue(next) : Math.fround(next() * 2 - 1);
}

/** Feature values on the grid: n·F floats. */
export function randomFeatures(count: number, seed: number): Float32Array {
  const next = makeRng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = gridValue(next);
  return out;
}

export interface RandomModelOptions {
  trees: number;
  nFeatures: number;
  classes: number[];
  /** Oblivious: depth of each tree drawn from [minDepth, maxDepth]. Nodes: maximum depth. */
  maxDepth: number;
  minDepth?: number;
  postprocess?: Postprocess;
  seed: number;
}

function outputsFor(post: Postprocess, K: number): number {
  return post === 'sigmoid' ? 1 : K;
}

function leafValue(next: Next, post: Postprocess): number {
  return post === 'average' ? next() : Math.fround((next() * 2 - 1) * 0.7);
}

/** A random GBDT-style model with oblivious trees (depths may differ between trees, 0 allowed). */
export function randomObliviousModel(o: RandomModelOptions): TreeEnsemble {
  const next = makeRng(o.seed);
  const post = o.postprocess ?? (o.classes.length === 2 ? 'sigmoid' : 'softmax');
  const D = outputsFor(post, o.classes.length);
  const splitOffset = new Uint32Array(o.trees + 1);
  const leafOffset = new Uint32Array(o.trees + 1);
  const features: number[] = [];
  const borders: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < o.trees; t++) {
    const lo = o.minDepth ?? o.maxDepth;
    const depth = lo + Math.floor(next() * (o.maxDepth - lo + 1));
    for (let s = 0; s < depth; s++) {
      features.push(Math.floor(next() * o.nFeatures));
      borders.push(cut(next));
    }
    splitOffset[t + 1] = splitOffset[t] + depth;
    leafOffset[t + 1] = leafOffset[t] + 2 ** depth;
    for (let v = 0; v < 2 ** depth * D; v++) values.push(leafValue(next, post));
  }
  return {
    kind: 'gbdt',
    postprocess: post,
    classes: Int32Array.from(o.classes),
    nFeatures: o.nFeatures,
    nOutputs: D,
    trees: { layout: 'oblivious', splitOffset, splitFeature: Int32Array.from(features), splitBorder: Float32Array.from(borders) },
    leafOffset,
    leafValues: Float32Array.from(values),
    bias: Float32Array.from({ length: D }, () => Math.fround(next() - 0.5)),
  };
}

/** A random forest-style model with general binary trees of random shapes (single-leaf trees included). */
export function randomNodeModel(o: RandomModelOptions): TreeEnsemble {
  const next = makeRng(o.seed);
  const post = o.postprocess ?? 'average';
  const K = o.classes.length;
  const D = outputsFor(post, K);
  const nodeOffset = new Uint32Array(o.trees + 1);
  const leafOffset = new Uint32Array(o.trees + 1);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < o.trees; t++) {
    const f: number[] = [];
    const th: number[] = [];
    const l: number[] = [];
    const r: number[] = [];
    let leaves = 0;
    // Preorder construction: a node's index is assigned before its children's.
    const build = (depth: number): number => {
      const split = depth < o.maxDepth && next() < (depth === 0 ? 0.9 : 0.7);
      if (!split) {
        const leaf = leaves++;
        for (let k = 0; k < D; k++) values.push(leafValue(next, post));
        return ~leaf;
      }
      const id = f.length;
      f.push(Math.floor(next() * o.nFeatures));
      th.push(cut(next));
      l.push(0);
      r.push(0);
      l[id] = build(depth + 1);
      r[id] = build(depth + 1);
      return id;
    };
    build(0);
    feature.push(...f);
    threshold.push(...th);
    left.push(...l);
    right.push(...r);
    nodeOffset[t + 1] = nodeOffset[t] + f.length;
    leafOffset[t + 1] = leafOffset[t] + leaves;
  }
  const trees: NodeTrees = {
    layout: 'nodes',
    nodeOffset,
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
  };
  return {
    kind: post === 'average' ? 'rf' : 'gbdt',
    postprocess: post,
    classes: Int32Array.from(o.classes),
    nFeatures: o.nFeatures,
    nOutputs: D,
    trees,
    leafOffset,
    leafValues: Float32Array.from(values),
    bias: new Float32Array(D),
  };
}

/** Row-major [n, F] → planar [F, n]. */
export function toPlanar(rows: Float32Array, n: number, F: number): Float32Array {
  const out = new Float32Array(n * F);
  for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) out[f * n + i] = rows[i * F + f];
  return out;
}
