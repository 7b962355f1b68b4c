/**
 * The trained-model bundle: one safetensors file holding the classifier arrays (prefix
 * `forest.`), the memory-mode table (`memory.*`) and annotations (`annotations.<i>`), with the
 * Param (as the reference's YAML), class values, feature count, trainings and a format version in
 * its metadata. Browser-safe (bytes in, bytes out); `ConvpaintModel.save` writes it atomically.
 */
import { ModelFormatError, SafetensorsFormatError, ValueError } from '../errors.js';
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { deserializeForest, serializeForest } from '../classifiers/serialize.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { NamedTensorInput } from '../io/safetensors.js';
import { VERSION } from '../version.js';
import { MemoryTable } from './memory.js';
import type { Param } from './param.js';
import { paramFromYaml, paramToYaml } from './param-yaml.js';

export const BUNDLE_FORMAT = 'convpaint-webgpu-model';
/** Version of the bundle layout this build writes; bundles of newer versions are refused by name. */
export const BUNDLE_FORMAT_VERSION = 1;

/** What a model bundle holds: parameters, the classifier (or null), feature count, training count and, in memory mode, the remembered rows. */
export interface BundleContents {
  param: Param;
  classifier: TreeEnsemble | null;
  numFeatures: number;
  numTrainings: number;
  memory: MemoryTable | null;
}

/** The bundle as safetensors bytes (what `ConvpaintModel.save` writes as `.safetensors`). */
export function writeBundle(c: BundleContents): Uint8Array {
  const tensors: NamedTensorInput[] = [];
  const metadata: Record<string, string> = {
    format: BUNDLE_FORMAT,
    format_version: String(BUNDLE_FORMAT_VERSION),
    written_by: `convpaint-webgpu ${VERSION}`,
    param_yaml: paramToYaml(c.param),
    num_features: String(c.numFeatures),
    num_trainings: String(c.numTrainings),
    has_classifier: String(c.classifier !== null),
  };
  if (c.classifier) {
    const s = serializeForest(c.classifier);
    tensors.push(...s.tensors);
    Object.assign(metadata, s.metadata);
    metadata.classes = JSON.stringify(Array.from(c.classifier.classes));
  }
  const memory = c.memory;
  if (memory && memory.size > 0) {
    const keys = [...memory.rows.keys()];
    const images = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf('|'))))];
    const imageIndex = new Map(images.map((k, i) => [k, i]));
    const { x, y } = memory.toArrays();
    tensors.push(
      { name: 'memory.features', dtype: 'F32', shape: [y.length, memory.nFeatures], data: x },
      { name: 'memory.labels', dtype: 'I32', shape: [y.length], data: y },
      { name: 'memory.image', dtype: 'U32', shape: [y.length], data: Uint32Array.from(keys, (k) => imageIndex.get(k.slice(0, k.lastIndexOf('|')))!) },
      { name: 'memory.pixel', dtype: 'U32', shape: [y.length], data: Uint32Array.from(keys, (k) => Number(k.slice(k.lastIndexOf('|') + 1))) },
    );
    metadata.memory_images = JSON.stringify(images);
  }
  if (memory && memory.annotations.size > 0) {
    const names = [...memory.annotations.keys()];
    names.forEach((name, i) => {
      const a = memory.annotations.get(name)!;
      tensors.push({ name: `annotations.${i}`, dtype: 'I32', shape: [...a.shape], data: a.data });
    });
    metadata.annotation_keys = JSON.stringify(names);
  }
  return writeSafetensors(tensors, metadata);
}

function jsonList(meta: Record<string, string>, key: string, source: string): string[] {
  try {
    const v: unknown = JSON.parse(meta[key]);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v;
  } catch {
    // fall through to the error below
  }
  throw new ModelFormatError(`${source}: metadata "${key}" is not a JSON list of strings`);
}

function intMeta(meta: Record<string, string>, key: string, source: string): number {
  const v = Number(meta[key]);
  if (!Number.isSafeInteger(v) || v < 0) throw new ModelFormatError(`${source}: metadata "${key}" must be a non-negative integer, got ${JSON.stringify(meta[key])}`);
  return v;
}

/** Reads and validates a bundle. Anything inconsistent throws `ModelFormatError`. */
export function readBundle(bytes: Uint8Array, source = 'model bundle'): BundleContents {
  try {
    return readBundleUnchecked(bytes, source);
  } catch (error) {
    // A missing or mistyped tensor surfaces as a ValueError from the safetensors reader.
    if (error instanceof ValueError) throw new ModelFormatError(`${source}: ${error.message}`, { cause: error });
    throw error;
  }
}

function readBundleUnchecked(bytes: Uint8Array, source: string): BundleContents {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) throw new ModelFormatError(`${source} is not a valid model bundle: ${error.message}`, { cause: error });
    throw error;
  }
  const meta = file.metadata;
  if (meta.format !== BUNDLE_FORMAT) {
    throw new ModelFormatError(`${source} is a safetensors file but not a convpaint-webgpu model bundle (metadata format is ${JSON.stringify(meta.format ?? null)})`);
  }
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1) throw new ModelFormatError(`${source}: invalid format_version ${JSON.stringify(meta.format_version)}`);
  if (version > BUNDLE_FORMAT_VERSION) {
    throw new ModelFormatError(
      `${source} was written by ${meta.written_by ?? 'a newer convpaint-webgpu'} in bundle format ${version}; this version (${VERSION}) reads up to format ${BUNDLE_FORMAT_VERSION}. Update convpaint-webgpu to load it.`,
    );
  }
  let param: Param;
  try {
    param = paramFromYaml(meta.param_yaml ?? '', `${source} parameters`);
  } catch (error) {
    if (error instanceof ValueError) throw new ModelFormatError(error.message, { cause: error });
    throw error;
  }
  const numFeatures = intMeta(meta, 'num_features', source);
  const numTrainings = intMeta(meta, 'num_trainings', source);
  let classifier: TreeEnsemble | null = null;
  if (meta.has_classifier === 'true') {
    classifier = deserializeForest(file);
    if (classifier.nFeatures !== numFeatures) {
      throw new ModelFormatError(`${source}: the classifier expects ${classifier.nFeatures} features but the bundle says ${numFeatures}`);
    }
  }
  let memory: MemoryTable | null = null;
  if (file.has('memory.features') || meta.annotation_keys) {
    memory = new MemoryTable();
    if (file.has('memory.features')) {
      const images = jsonList(meta, 'memory_images', source);
      const feats = file.get('memory.features');
      const labels = file.get('memory.labels');
      const image = file.get('memory.image');
      const pixel = file.get('memory.pixel');
      const n = labels.shape[0];
      if (feats.shape.length !== 2 || feats.shape[0] !== n || image.shape[0] !== n || pixel.shape[0] !== n || !(feats.data instanceof Float32Array) || !(labels.data instanceof Int32Array)) {
        throw new ModelFormatError(`${source}: memory-mode tensors have inconsistent shapes or types`);
      }
      const f = feats.shape[1];
      memory.nFeatures = f;
      for (let i = 0; i < n; i++) {
        const img = images[Number(image.data[i])];
        if (img === undefined) throw new ModelFormatError(`${source}: memory row ${i} refers to image ${image.data[i]}, which is not listed`);
        memory.rows.set(`${img}|${pixel.data[i]}`, { features: (feats.data as Float32Array).slice(i * f, (i + 1) * f), label: (labels.data as Int32Array)[i] });
      }
    }
    if (meta.annotation_keys) {
      jsonList(meta, 'annotation_keys', source).forEach((name, i) => {
        const a = file.get(`annotations.${i}`);
        if (a.shape.length !== 3 || !(a.data instanceof Int32Array)) throw new ModelFormatError(`${source}: annotations.${i} must be int32 [Z,H,W]`);
        memory!.annotations.set(name, { data: a.data.slice(), shape: [a.shape[0], a.shape[1], a.shape[2]] });
      });
    }
  }
  return { param, classifier, numFeatures, numTrainings, memory };
}
