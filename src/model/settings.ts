/**
 * The model's settings with every default applied — the one place where a parameter left null
 * gets its value. `Param` keeps the reference's nullable fields (what YAML files hold); the rest
 * of the model reads `Settings`, never `param.x ?? fallback`.
 */
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import type { ChannelMode } from '../prepare/dims.js';
import type { PrepareSettings } from '../prepare/prepare.js';
import { convpaintDefaults, Param } from './param.js';
import type { LayerSpec } from './param.js';

/** Every parameter the pipeline reads, resolved (no nulls). */
export interface Settings {
  feName: string;
  feLayers: LayerSpec[] | null;
  scalings: number[];
  order: number;
  useMinFeatures: boolean;
  channelMode: ChannelMode;
  normalize: number;
  imageDownsample: number;
  tileAnnotations: boolean;
  tileImage: boolean;
  smoothing: number;
  iterations: number;
  learningRate: number;
  depth: number;
}

/** The settings of `param`: each null value takes the Convpaint default (REFERENCE.md §2.1). */
export function settingsOf(param: Param): Settings {
  const d = convpaintDefaults();
  const v = <K extends keyof Param & keyof typeof d>(key: K) => (param[key] ?? d[key]) as NonNullable<Param[K]>;
  return {
    feName: v('fe_name'),
    feLayers: param.fe_layers,
    scalings: v('fe_scalings'),
    order: v('fe_order'),
    useMinFeatures: v('fe_use_min_features'),
    channelMode: v('channel_mode'),
    normalize: v('normalize'),
    imageDownsample: v('image_downsample'),
    tileAnnotations: v('tile_annotations'),
    tileImage: v('tile_image'),
    smoothing: v('seg_smoothening'),
    iterations: v('clf_iterations'),
    learningRate: v('clf_learning_rate'),
    depth: v('clf_depth'),
  };
}

/** How images are prepared for the extractor under these settings. */
export function prepareSettings(s: Settings, options: { inChannels?: number[]; skipNorm?: boolean }): PrepareSettings {
  return { channelMode: s.channelMode, normalize: s.normalize, imageDownsample: s.imageDownsample, inChannels: options.inChannels, skipNorm: options.skipNorm };
}

/** The scale pyramid under these settings, for images whose channel mode the dims rules fixed. */
export function pyramidOptions(s: Settings, channelMode: ChannelMode): PyramidOptions {
  return { scalings: s.scalings, order: s.order, useMinFeatures: s.useMinFeatures, channelMode };
}

/** Convpaint defaults overlaid with an extractor's own defaults (the reference's `get_fe_defaults`). */
export function feDefaults(fe: FeatureExtractor): Param {
  const p = convpaintDefaults();
  const d = fe.defaultParams();
  p.set('fe_name', d.fe_name);
  p.set('fe_layers', d.fe_layers);
  p.set('fe_scalings', d.fe_scalings);
  p.set('fe_order', d.fe_order);
  p.set('fe_use_min_features', d.fe_use_min_features);
  p.set('tile_annotations', d.tile_annotations);
  p.set('tile_image', d.tile_image);
  return p;
}
