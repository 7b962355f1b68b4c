import { describe, expect, it } from 'vitest';
import { maxTreeDepth, treeCount, validateForest } from '../../src/core/tree-ensemble.js';
import type { TreeEnsemble } from '../../src/core/tree-ensemble.js';
import { deserializeForest, forestFromSafetensors, forestToSafetensors, serializeForest } from '../../src/classifiers/serialize.js';
import { ModelFormatError, ShapeError } from '../../src/errors.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { forestLeavesCpu, forestRawScoresCpu, predictCpu } from '../../src/reference/forest.js';
import { EXACT, expectClose } from '../helpers/tolerance.js';
import { randomFeatures, randomNodeModel, randomObliviousModel, toPlanar } from './random-models.js';

/** One oblivious tree of depth 2 on 3 features, K = 3 classes with values 1, 49, 91. */
function tinyOblivious(): TreeEnsemble {
  return {
    kind: 'gbdt',
    postprocess: 'softmax',
    classes: Int32Array.from([1, 49, 91]),
    nFeatures: 3,
    nOutputs: 3,
    // split 0: x[2] > 0.5 → bit 0; split 1: x[0] > -1 → bit 1
    trees: { layout: 'oblivious', splitOffset: Uint32Array.from([0, 2]), splitFeature: Int32Array.from([2, 0]), splitBorder: Float32Array.from([0.5, -1]) },
    leafOffset: Uint32Array.from([0, 4]),
    // leaf l has a large score for class l % 3
    leafValues: Float32Array.from([5, 0, 0, 0, 5, 0, 0, 0, 5, 5, 0, 0]),
    bias: new Float32Array(3),
  };
}

/** Two node trees (sklearn layout): tree 0 splits twice, tree 1 is a single leaf. */
function tinyNodes(): TreeEnsemble {
  return {
    kind: 'rf',
    postprocess: 'average',
    classes: Int32Array.from([2, 7]),
    nFeatures: 2,
    nOutputs: 2,
    trees: {
      layout: 'nodes',
      nodeOffset: Uint32Array.from([0, 2, 2]),
      // node 0: x[1] <= 0 → leaf 0, else node 1; node 1: x[0] <= 3 → leaf 1, else leaf 2
      feature: Int32Array.from([1, 0]),
      threshold: Float32Array.from([0, 3]),
      left: Int32Array.from([~0, ~1]),
      right: Int32Array.from([1, ~2]),
    },
    leafOffset: Uint32Array.from([0, 3, 4]),
    leafValues: Float32Array.from([1, 0, 0.25, 0.75, 0, 1, 0.5, 0.5]),
    bias: new Float32Array(2),
  };
}

describe('tree ensemble: CPU evaluator semantics', () => {
  it('oblivious leaf index = Σ (x[f_i] > b_i) << i; equal to the border means bit 0', () => {
    const m = tinyOblivious();
    const rows = Float32Array.from([
      -1, 0, 0.5, // neither split: leaf 0 (equalities go to bit 0)
      -1, 0, 0.6, // split 0 only: leaf 1
      0, 0, 0.5, // split 1 only: leaf 2
      0, 0, 0.6, // both: leaf 3
    ]);
    expect(Array.from(forestLeavesCpu(m, rows, 'rows'))).toEqual([0, 1, 2, 3]);
    const p = predictCpu(m, rows, 'rows');
    expect(Array.from(p.classIndex)).toEqual([0, 1, 2, 0]);
    expect(Array.from(p.labels)).toEqual([1, 49, 91, 1]);
  });

  it('softmax probabilities follow the max-subtracted formula and sum to 1', () => {
    const m = tinyOblivious();
    const p = predictCpu(m, Float32Array.from([-1, 0, 0.5]), 'rows');
    const e = Math.exp(-5);
    expectClose(p.probas, [1 / (1 + 2 * e), e / (1 + 2 * e), e / (1 + 2 * e)], { atol: 1e-7, rtol: 0 }, [3, 1], 'softmax');
  });

  it('node trees: left when x <= threshold, ~c encodes leaves, a single-leaf tree is leaf 0; average over trees', () => {
    const m = tinyNodes();
    expect(treeCount(m)).toBe(2);
    expect(maxTreeDepth(m)).toBe(2);
    const rows = Float32Array.from([9, 0, 3, 0.5, 3.5, 0.5]);
    expect(Array.from(forestLeavesCpu(m, rows, 'rows'))).toEqual([0, 1, 2, 0, 0, 0]);
    const p = predictCpu(m, rows, 'rows');
    // tree 1 always says [0.5, 0.5]
    expectClose(p.probas, [0.75, 0.375, 0.25, 0.25, 0.625, 0.75], EXACT, [2, 3], 'average');
    expect(Array.from(p.labels)).toEqual([2, 7, 7]);
  });

  it('sigmoid (two classes, one raw score): [1 − p, p], label = class 1 iff raw > 0', () => {
    const m = randomObliviousModel({ trees: 5, nFeatures: 4, classes: [3, 8], maxDepth: 3, seed: 5 });
    expect(m.postprocess).toBe('sigmoid');
    const x = randomFeatures(4 * 50, 9);
    const raw = forestRawScoresCpu(m, x, 'rows');
    const p = predictCpu(m, x, 'rows');
    for (let i = 0; i < 50; i++) {
      const p1 = 1 / (1 + Math.exp(-raw[i]));
      expect(Math.abs(p.probas[50 + i] - p1)).toBeLessThan(1e-6);
      expect(Math.abs(p.probas[i] + p.probas[50 + i] - 1)).toBeLessThan(1e-6);
      expect(p.labels[i]).toBe(raw[i] > 0 ? 8 : 3);
    }
  });

  it('rows and planar layouts give identical results on random models', () => {
    for (const make of [randomObliviousModel, randomNodeModel]) {
      const m = make({ trees: 20, nFeatures: 7, classes: [1, 49, 67, 91], maxDepth: 6, minDepth: 0, seed: 11 });
      validateForest(m);
      const n = 300;
      const rows = randomFeatures(n * 7, 12);
      const a = predictCpu(m, rows, 'rows');
      const b = predictCpu(m, toPlanar(rows, n, 7), 'planar');
      expectClose(b.probas, a.probas, EXACT, [4, n], 'planar vs rows');
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
      expect(Array.from(forestLeavesCpu(m, toPlanar(rows, n, 7), 'planar'))).toEqual(Array.from(forestLeavesCpu(m, rows, 'rows')));
    }
  });

  it('raw scores are float32 sums in tree order starting from the bias', () => {
    const m = randomObliviousModel({ trees: 30, nFeatures: 5, classes: [0, 1, 2], maxDepth: 4, seed: 3 });
    const x = randomFeatures(5 * 40, 4);
    const leaves = forestLeavesCpu(m, x, 'rows');
    const raw = forestRawScoresCpu(m, x, 'rows');
    for (let i = 0; i < 40; i++) {
      for (let k = 0; k < 3; k++) {
        let acc = m.bias[k];
        for (let t = 0; t < 30; t++) acc = Math.fround(acc + m.leafValues[(m.leafOffset[t] + leaves[t * 40 + i]) * 3 + k]);
        expect(raw[k * 40 + i]).toBe(acc);
      }
    }
  });

  it('rejects feature arrays that are not a multiple of F', () => {
    expect(() => predictCpu(tinyNodes(), new Float32Array(3), 'rows')).toThrow(ShapeError);
  });
});

describe('tree ensemble: validation', () => {
  const cases: Array<[string, (m: TreeEnsemble) => void, RegExp]> = [
    ['feature out of range', (m) => ((m.trees as { feature: Int32Array }).feature[0] = 2), /feature 2/],
    ['child before parent (cycle)', (m) => ((m.trees as { right: Int32Array }).right[1] = 0), /children must follow/],
    ['leaf out of range', (m) => ((m.trees as { left: Int32Array }).left[1] = ~7), /leaf 7/],
    ['leaf reached twice', (m) => ((m.trees as { left: Int32Array }).left[1] = ~0), /two parents|unreachable/],
    ['non-finite leaf value', (m) => (m.leafValues[3] = NaN), /not finite/],
    ['classes not increasing', (m) => (m.classes = Int32Array.from([7, 2])), /strictly increasing/],
    ['wrong nOutputs', (m) => (m.nOutputs = 1), /nOutputs/],
    ['offsets not ending at the total', (m) => (m.leafOffset = Uint32Array.from([0, 3, 3])), /leaf/],
    ['unknown kind', (m) => ((m as { kind: string }).kind = 'xgb'), /unknown kind/],
  ];
  for (const [name, damage, message] of cases) {
    it(`throws ModelFormatError: ${name}`, () => {
      const m = tinyNodes();
      validateForest(m);
      damage(m);
      expect(() => validateForest(m)).toThrow(ModelFormatError);
      expect(() => validateForest(m)).toThrow(message);
    });
  }

  it('throws for an oblivious tree whose leaf count is not 2^depth', () => {
    const m = tinyOblivious();
    m.leafOffset = Uint32Array.from([0, 3]);
    m.leafValues = m.leafValues.slice(0, 9);
    expect(() => validateForest(m)).toThrow(/expected 4/);
  });
});

describe('tree ensemble: safetensors', () => {
  it('round-trips both layouts exactly, with the format version in the metadata', () => {
    for (const m of [
      tinyOblivious(),
      tinyNodes(),
      randomObliviousModel({ trees: 12, nFeatures: 9, classes: [1, 49, 67, 91], maxDepth: 5, minDepth: 0, seed: 1 }),
      randomNodeModel({ trees: 12, nFeatures: 9, classes: [1, 2], maxDepth: 8, seed: 2 }),
    ]) {
      const bytes = forestToSafetensors(m, { note: 'test' });
      const file = readSafetensors(bytes);
      expect(file.metadata['forest.format_version']).toBe('1');
      expect(file.metadata.note).toBe('test');
      const back = forestFromSafetensors(bytes);
      expect(back).toEqual(m);
      expect(forestToSafetensors(back, { note: 'test' })).toEqual(bytes);
    }
  });

  it('a prefix lets a model share a file with other tensors', () => {
    const { tensors, metadata } = serializeForest(tinyNodes(), 'clf/');
    const bytes = writeSafetensors([...tensors, { name: 'train_x', dtype: 'F32', shape: [1, 2], data: Float32Array.from([1, 2]) }], { ...metadata, other: 'x' });
    expect(deserializeForest(readSafetensors(bytes), 'clf/')).toEqual(tinyNodes());
  });

  it('refuses other format versions, missing tensors, wrong dtypes and inconsistent arrays with ModelFormatError', () => {
    const { tensors, metadata } = serializeForest(tinyNodes());
    const write = (t = tensors, md = metadata) => readSafetensors(writeSafetensors(t, md));
    expect(() => deserializeForest(write(tensors, { ...metadata, 'forest.format_version': '2' }))).toThrow(/format version "2" is not supported/);
    expect(() => deserializeForest(write(tensors, {}))).toThrow(ModelFormatError);
    expect(() => deserializeForest(write(tensors.filter((t) => t.name !== 'forest.node_left')))).toThrow(/no tensor "forest.node_left"/);
    const retyped = tensors.map((t) => (t.name === 'forest.node_threshold' ? { ...t, dtype: 'I32' as const, data: new Int32Array(t.data.length) } : t));
    expect(() => deserializeForest(write(retyped))).toThrow(/is I32, expected F32/);
    const broken = tensors.map((t) => (t.name === 'forest.node_right' ? { ...t, data: Int32Array.from([1, 5]) } : t));
    expect(() => deserializeForest(write(broken))).toThrow(ModelFormatError);
    expect(() => deserializeForest(write(tensors, { ...metadata, 'forest.layout': 'dag' }))).toThrow(/unknown layout/);
  });
});
