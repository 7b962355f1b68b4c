/**
 * Tree ensembles ↔ safetensors. Every array of the representation (./forest.ts) becomes one
 * tensor under a name prefix (default `forest.`, so a model bundle can hold other tensors too);
 * the scalars and the format version go into the metadata:
 *
 * | tensor | dtype | shape |
 * | --- | --- | --- |
 * | classes | I32 | [K] |
 * | bias | F32 | [nOutputs] |
 * | leaf_offset | U32 | [T + 1] |
 * | leaf_values | F32 | [nLeaves, nOutputs] |
 * | split_offset, split_feature, split_border (oblivious) | U32, I32, F32 | [T + 1], [S], [S] |
 * | node_offset, node_feature, node_threshold, node_left, node_right (nodes) | U32, I32, F32, I32, I32 | [T + 1], [N] × 4 |
 *
 * metadata: `<prefix>format_version` ("1"), `<prefix>kind`, `<prefix>postprocess`,
 * `<prefix>layout`, `<prefix>n_features`. Reading validates dtypes, shapes and then every model
 * invariant (`validateForest`), so a damaged file fails with `ModelFormatError`, never later.
 * Writing is deterministic: the same model gives the same bytes.
 */
import { ModelFormatError } from '../errors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { NamedTensorInput, SafetensorsDtype, SafetensorsFile, TensorArray } from '../io/safetensors.js';
import { FOREST_FORMAT_VERSION, validateForest } from '../core/tree-ensemble.js';
import type { ForestKind, NodeTrees, ObliviousTrees, Postprocess, TreeEnsemble } from '../core/tree-ensemble.js';

/** Tensor-name prefix of a forest inside a safetensors file (a model bundle holds other tensors too). */
export const DEFAULT_FOREST_PREFIX = 'forest.';

/** The tensors and metadata of one model, ready for `writeSafetensors` (possibly with others). */
export interface SerializedForest {
  tensors: NamedTensorInput[];
  metadata: Record<string, string>;
}

/** Splits a model into named tensors and metadata entries (validating it first). */
export function serializeForest(model: TreeEnsemble, prefix = DEFAULT_FOREST_PREFIX): SerializedForest {
  validateForest(model);
  const t = (name: string, dtype: SafetensorsDtype, data: TensorArray, shape: number[] = [data.length]): NamedTensorInput => ({
    name: prefix + name,
    dtype,
    shape,
    data,
  });
  const tensors: NamedTensorInput[] = [
    t('classes', 'I32', model.classes),
    t('bias', 'F32', model.bias),
    t('leaf_offset', 'U32', model.leafOffset),
    t('leaf_values', 'F32', model.leafValues, [model.leafValues.length / model.nOutputs, model.nOutputs]),
  ];
  const trees = model.trees;
  if (trees.layout === 'oblivious') {
    tensors.push(t('split_offset', 'U32', trees.splitOffset), t('split_feature', 'I32', trees.splitFeature), t('split_border', 'F32', trees.splitBorder));
  } else {
    tensors.push(
      t('node_offset', 'U32', trees.nodeOffset),
      t('node_feature', 'I32', trees.feature),
      t('node_threshold', 'F32', trees.threshold),
      t('node_left', 'I32', trees.left),
      t('node_right', 'I32', trees.right),
    );
  }
  const metadata: Record<string, string> = {
    [`${prefix}format_version`]: String(FOREST_FORMAT_VERSION),
    [`${prefix}kind`]: model.kind,
    [`${prefix}postprocess`]: model.postprocess,
    [`${prefix}layout`]: trees.layout,
    [`${prefix}n_features`]: String(model.nFeatures),
  };
  return { tensors, metadata };
}

/** One safetensors file holding just the model. */
export function forestToSafetensors(model: TreeEnsemble, extraMetadata: Record<string, string> = {}): Uint8Array {
  const { tensors, metadata } = serializeForest(model);
  return writeSafetensors(tensors, { ...extraMetadata, ...metadata });
}

type ArrayCtor<A> = { new (length: number): A; readonly name: string };

function tensor<A extends Int32Array | Uint32Array | Float32Array>(
  file: SafetensorsFile,
  name: string,
  dtype: SafetensorsDtype,
  ctor: ArrayCtor<A>,
  rank = 1,
): A {
  if (!file.has(name)) throw new ModelFormatError(`tree ensemble: the file has no tensor "${name}"`);
  const info = file.info(name);
  if (info.dtype !== dtype) throw new ModelFormatError(`tree ensemble: tensor "${name}" is ${info.dtype}, expected ${dtype}`);
  if (info.shape.length !== rank) throw new ModelFormatError(`tree ensemble: tensor "${name}" has shape [${info.shape.join(',')}], expected ${rank} dimension(s)`);
  // A copy: the model must not alias (possibly unaligned) file bytes the caller may reuse.
  const out = new ctor(info.elementCount);
  (out as unknown as { set(a: ArrayLike<number>): void }).set(file.get(name).data as ArrayLike<number>);
  return out;
}

/**
 * Reads a model written by `serializeForest` from an already parsed file.
 * @throws ModelFormatError if anything is missing, of the wrong type or inconsistent, or if the
 *   format version is not one this code reads.
 */
export function deserializeForest(file: SafetensorsFile, prefix = DEFAULT_FOREST_PREFIX): TreeEnsemble {
  const meta = (key: string): string => {
    const v = file.metadata[prefix + key];
    if (v === undefined) throw new ModelFormatError(`tree ensemble: metadata "${prefix}${key}" is missing (not a model file?)`);
    return v;
  };
  const version = meta('format_version');
  if (version !== String(FOREST_FORMAT_VERSION)) {
    throw new ModelFormatError(`tree ensemble: format version ${JSON.stringify(version)} is not supported (this build reads version ${FOREST_FORMAT_VERSION}); update convpaint-webgpu`);
  }
  const nFeaturesText = meta('n_features');
  const nFeatures = Number(nFeaturesText);
  if (!/^[0-9]+$/.test(nFeaturesText) || !Number.isSafeInteger(nFeatures)) throw new ModelFormatError(`tree ensemble: n_features ${JSON.stringify(nFeaturesText)} is not an integer`);
  const layout = meta('layout');
  const p = (name: string) => prefix + name;
  let trees: ObliviousTrees | NodeTrees;
  if (layout === 'oblivious') {
    trees = {
      layout: 'oblivious',
      splitOffset: tensor(file, p('split_offset'), 'U32', Uint32Array),
      splitFeature: tensor(file, p('split_feature'), 'I32', Int32Array),
      splitBorder: tensor(file, p('split_border'), 'F32', Float32Array),
    };
  } else if (layout === 'nodes') {
    trees = {
      layout: 'nodes',
      nodeOffset: tensor(file, p('node_offset'), 'U32', Uint32Array),
      feature: tensor(file, p('node_feature'), 'I32', Int32Array),
      threshold: tensor(file, p('node_threshold'), 'F32', Float32Array),
      left: tensor(file, p('node_left'), 'I32', Int32Array),
      right: tensor(file, p('node_right'), 'I32', Int32Array),
    };
  } else {
    throw new ModelFormatError(`tree ensemble: unknown layout ${JSON.stringify(layout)}`);
  }
  const leafValues = tensor(file, p('leaf_values'), 'F32', Float32Array, 2);
  const nOutputs = file.info(p('leaf_values')).shape[1];
  const model: TreeEnsemble = {
    kind: meta('kind') as ForestKind,
    postprocess: meta('postprocess') as Postprocess,
    classes: tensor(file, p('classes'), 'I32', Int32Array),
    nFeatures,
    nOutputs,
    trees,
    leafOffset: tensor(file, p('leaf_offset'), 'U32', Uint32Array),
    leafValues,
    bias: tensor(file, p('bias'), 'F32', Float32Array),
  };
  validateForest(model);
  return model;
}

/** Parses safetensors bytes and reads the model in them. */
export function forestFromSafetensors(bytes: Uint8Array): TreeEnsemble {
  return deserializeForest(readSafetensors(bytes));
}
