/**
 * `Param`: the reference's 19 model parameters, with its key names (snake_case) so YAML files move
 * between the two tools unchanged. Values are validated on every write: an invalid value throws a
 * `ValueError` naming the key and what is allowed. (The reference only warns and ignores the
 * value; a typed error is what a library user can act on — see README "Differences".)
 */
import { ValueError } from '../errors.js';

import type { ChannelMode } from '../prepare/dims.js';

export type { ChannelMode };
/** A VGG layer: its key string (`features.0 Conv2d(3, 64, …)`) or its index in `getFeLayerKeys()`. */
export type LayerSpec = string | number;

/** The 19 parameter values of the reference's `Param` (null = not set). */
export interface ParamValues {
  classifier: string | null;
  channel_mode: ChannelMode | null;
  normalize: number | null;
  image_downsample: number | null;
  seg_smoothening: number | null;
  tile_annotations: boolean | null;
  tile_image: boolean | null;
  use_dask: boolean | null;
  unpatch_order: number | null;
  fe_name: string | null;
  fe_layers: LayerSpec[] | null;
  fe_scalings: number[] | null;
  fe_order: number | null;
  fe_use_min_features: boolean | null;
  fe_use_gpu: boolean | null;
  clf_iterations: number | null;
  clf_learning_rate: number | null;
  clf_depth: number | null;
  clf_use_gpu: boolean | null;
}

/** A parameter name. */
export type ParamKey = keyof ParamValues;

/** The 19 keys in the reference's dataclass order (`Param.get_keys()`). */
export const PARAM_KEYS: readonly ParamKey[] = [
  'classifier',
  'channel_mode',
  'normalize',
  'image_downsample',
  'seg_smoothening',
  'tile_annotations',
  'tile_image',
  'use_dask',
  'unpatch_order',
  'fe_name',
  'fe_layers',
  'fe_scalings',
  'fe_order',
  'fe_use_min_features',
  'fe_use_gpu',
  'clf_iterations',
  'clf_learning_rate',
  'clf_depth',
  'clf_use_gpu',
];

/** Keys that define the feature extractor: changing them after training invalidates the model. */
export const FE_KEYS: readonly ParamKey[] = [
  'channel_mode',
  'normalize',
  'fe_name',
  'fe_layers',
  'fe_scalings',
  'fe_order',
  'fe_use_min_features',
];

export const CLASSIFIER_NAMES = ['CatBoost', 'RandomForest'] as const;

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function intIn(key: string, v: unknown, lo: number, hi: number): void {
  if (!isInt(v) || v < lo || v > hi) throw new ValueError(`parameter ${key} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
}

function oneOf(key: string, v: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(v)) {
    throw new ValueError(`parameter ${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}; got ${JSON.stringify(v)}`);
  }
}

/**
 * Checks one value. `null` is allowed for every key (the reference's "not set"; Convpaint
 * defaults fill it in).
 */
export function validateParam(key: string, value: unknown): void {
  if (!(PARAM_KEYS as readonly string[]).includes(key)) {
    throw new ValueError(`unknown parameter "${key}"; the parameters are: ${PARAM_KEYS.join(', ')}`);
  }
  if (value === null) return;
  switch (key as ParamKey) {
    case 'classifier':
      return oneOf(key, value, CLASSIFIER_NAMES);
    case 'channel_mode':
      return oneOf(key, value, ['single', 'multi', 'rgb']);
    case 'normalize':
      return oneOf(key, value, [1, 2, 3]);
    case 'image_downsample':
      return intIn(key, value, -20, 20);
    case 'seg_smoothening':
      return intIn(key, value, 0, 20);
    case 'unpatch_order':
    case 'fe_order':
      return intIn(key, value, 0, 5);
    case 'tile_annotations':
    case 'tile_image':
    case 'use_dask':
    case 'fe_use_min_features':
    case 'fe_use_gpu':
    case 'clf_use_gpu':
      if (typeof value !== 'boolean') throw new ValueError(`parameter ${key} must be true or false, got ${JSON.stringify(value)}`);
      return;
    case 'fe_name':
      if (typeof value !== 'string' || value.length === 0) throw new ValueError(`parameter fe_name must be a non-empty string, got ${JSON.stringify(value)}`);
      return;
    case 'fe_layers':
      if (!Array.isArray(value) || value.some((l) => !(typeof l === 'string' || (isInt(l) && l >= 0)))) {
        throw new ValueError(`parameter fe_layers must be a list of layer keys (strings) or indices (non-negative integers), got ${JSON.stringify(value)}`);
      }
      return;
    case 'fe_scalings':
      if (!Array.isArray(value) || value.length === 0 || value.some((s) => !isInt(s) || s < 1)) {
        throw new ValueError(`parameter fe_scalings must be a non-empty list of positive integers, got ${JSON.stringify(value)}`);
      }
      return;
    case 'clf_iterations':
      return intIn(key, value, 1, 100000);
    case 'clf_learning_rate':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
        throw new ValueError(`parameter clf_learning_rate must be a number in (0, 1], got ${JSON.stringify(value)}`);
      }
      return;
    case 'clf_depth':
      return intIn(key, value, 1, 16);
  }
}

function cloneValue<T>(v: T): T {
  return (Array.isArray(v) ? [...v] : v) as T;
}

/** The reference's `Param` dataclass: 19 fields, `channel_mode` "single" and the rest null. */
export class Param implements ParamValues {
  classifier: string | null = null;
  channel_mode: ChannelMode | null = 'single';
  normalize: number | null = null;
  image_downsample: number | null = null;
  seg_smoothening: number | null = null;
  tile_annotations: boolean | null = null;
  tile_image: boolean | null = null;
  use_dask: boolean | null = null;
  unpatch_order: number | null = null;
  fe_name: string | null = null;
  fe_layers: LayerSpec[] | null = null;
  fe_scalings: number[] | null = null;
  fe_order: number | null = null;
  fe_use_min_features: boolean | null = null;
  fe_use_gpu: boolean | null = null;
  clf_iterations: number | null = null;
  clf_learning_rate: number | null = null;
  clf_depth: number | null = null;
  clf_use_gpu: boolean | null = null;

  /** Unknown keys and invalid values throw `ValueError`. */
  constructor(values: Partial<Record<string, unknown>> = {}) {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      this.set(key as ParamKey, value as never);
    }
  }

  static keys(): ParamKey[] {
    return [...PARAM_KEYS];
  }

  get<K extends ParamKey>(key: K): ParamValues[K] {
    if (!PARAM_KEYS.includes(key)) throw new ValueError(`unknown parameter "${String(key)}"; the parameters are: ${PARAM_KEYS.join(', ')}`);
    return cloneValue(this[key]);
  }

  set<K extends ParamKey>(key: K, value: ParamValues[K]): void {
    validateParam(key, value);
    (this as ParamValues)[key] = cloneValue(value);
  }

  copy(): Param {
    return new Param(this.toObject() as unknown as Record<string, unknown>);
  }

  /** A plain object with the 19 keys in dataclass order (lists copied). */
  toObject(): ParamValues {
    const out = {} as Record<string, unknown>;
    for (const k of PARAM_KEYS) out[k] = cloneValue(this[k]);
    return out as unknown as ParamValues;
  }

  /** (key, value) pairs in dataclass order, like iterating the reference's Param. */
  *[Symbol.iterator](): IterableIterator<[ParamKey, unknown]> {
    for (const k of PARAM_KEYS) yield [k, cloneValue(this[k])];
  }

  get length(): number {
    return PARAM_KEYS.length;
  }
}

/** `get_default_params()` without the FE layers: the Convpaint defaults (REFERENCE.md §2.1). */
export function convpaintDefaults(): Param {
  return new Param({
    classifier: null,
    channel_mode: 'single',
    normalize: 2,
    image_downsample: 1,
    seg_smoothening: 1,
    tile_annotations: true,
    tile_image: false,
    use_dask: false,
    unpatch_order: 1,
    fe_name: 'vgg16',
    fe_layers: null,
    fe_scalings: [1, 2, 4],
    fe_order: 0,
    fe_use_min_features: false,
    fe_use_gpu: null,
    clf_iterations: 100,
    clf_learning_rate: 0.1,
    clf_depth: 5,
    clf_use_gpu: null,
  });
}
