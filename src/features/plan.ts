/**
 * How an image's channels are fed to an FE and where each map lands in the feature stack — the
 * bookkeeping of REFERENCE.md §3.3 and §4.8, shared by the GPU and CPU pyramids.
 *
 * Feature order: scale (in `fe_scalings` order) → channel series → layer → map index.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { ChannelMode } from '../core/channel-mode.js';
import type { FeatureExtractor } from './extractor.js';

/** One FE pass: which image channels go in, and how many times each is replicated. */
export interface ChannelSeries {
  /** Image channel indices, in FE input order (a replicated grey channel repeats its index). */
  channels: number[];
}

/** The scale pyramid of the reference (`fe_scalings`, `fe_order`, `fe_use_min_features`) and the channel mode that decides the channel series. */
export interface PyramidOptions {
  scalings: readonly number[];
  /** `fe_order`: 0 → nearest up-sampling, ≥ 1 → bilinear. */
  order: number;
  useMinFeatures: boolean;
  channelMode: ChannelMode;
}

/**
 * The reference's rule: pass the whole stack at once when the FE accepts that many channels —
 * except 3 channels into an RGB network when the data are not declared `rgb`; otherwise pass each
 * channel alone, replicated to the FE's smallest accepted channel count.
 */
export function channelSeries(fe: FeatureExtractor, channels: number, mode: ChannelMode): ChannelSeries[] {
  if (fe.rgbInput && !fe.inputChannels.includes(3)) {
    throw new ValueError(`feature extractor ${fe.name} is declared RGB but does not accept 3 channels`);
  }
  if (mode === 'rgb' && channels !== 3) {
    throw new ShapeError(`channel_mode "rgb" needs 3 channels, the image has ${channels}`);
  }
  const whole = fe.inputChannels.includes(channels) && !(channels === 3 && fe.rgbInput && mode !== 'rgb');
  if (whole) return [{ channels: Array.from({ length: channels }, (_, c) => c) }];
  const replicas = Math.min(...fe.inputChannels);
  return Array.from({ length: channels }, (_, c) => ({ channels: new Array<number>(replicas).fill(c) }));
}

/** Feature count of one scale before `fe_use_min_features`. */
export function featuresPerScale(fe: FeatureExtractor, channels: number, mode: ChannelMode): number {
  const perSeries = fe.featuresPerLayer.reduce((a, b) => a + b, 0);
  return channelSeries(fe, channels, mode).length * perSeries;
}

/**
 * Features kept per scale. With `fe_use_min_features` the reference keeps the first
 * min(featuresPerLayer) features of each scale's concatenation (REFERENCE.md §9.9 — documented
 * as "per layer" but implemented like this; we match the implementation).
 */
export function keptPerScale(fe: FeatureExtractor, channels: number, opts: PyramidOptions): number {
  const all = featuresPerScale(fe, channels, opts.channelMode);
  return opts.useMinFeatures ? Math.min(all, Math.min(...fe.featuresPerLayer)) : all;
}

export function totalFeatures(fe: FeatureExtractor, channels: number, opts: PyramidOptions): number {
  if (fe.combo) {
    const parts = comboPyramids(fe, opts);
    return totalFeatures(fe.combo.local, channels, parts.local) + totalFeatures(fe.combo.global, channels, parts.global);
  }
  return opts.scalings.length * keptPerScale(fe, channels, opts);
}

/**
 * The pyramids of a combo's parts: each its own defaults (scalings, order, min-features), whatever
 * the combo's parameters say — the reference's `ComboFeatures` does the same — in the image's channel mode.
 */
export function comboPyramids(fe: FeatureExtractor, opts: PyramidOptions): { local: PyramidOptions; global: PyramidOptions } {
  if (!fe.combo) throw new ValueError(`${fe.name} is not a combination of extractors`);
  const own = (part: FeatureExtractor): PyramidOptions => {
    const d = part.defaultParams();
    return { scalings: d.fe_scalings, order: d.fe_order, useMinFeatures: d.fe_use_min_features, channelMode: opts.channelMode };
  };
  return { local: own(fe.combo.local), global: own(fe.combo.global) };
}

export function checkScalings(scalings: readonly number[]): void {
  if (scalings.length === 0) throw new ValueError('fe_scalings must hold at least one scaling factor');
  for (const s of scalings) {
    if (!Number.isInteger(s) || s < 1) throw new ValueError(`fe_scalings entries must be positive integers, got ${s}`);
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function lcm(values: readonly number[]): number {
  return values.reduce((a, b) => (a * b) / gcd(a, b), 1);
}

/** Input sizes must be multiples of this: lcm(scalings) × the FE's patch size (§4.5). */
export function alignment(fe: FeatureExtractor, scalings: readonly number[]): number {
  return lcm(scalings) * fe.patchSize;
}

/** One entry per produced map block: where layer `layer` of series `series` at scale `scale` goes. */
export interface MapSlot {
  scaleIndex: number;
  scale: number;
  series: number;
  layer: number;
  /** First feature index in the stack. */
  featureOffset: number;
  /** Maps written (fewer than the layer has when `fe_use_min_features` cuts it). */
  count: number;
}

/** Every (scale, series, layer) block in stack order, after the min-features cut. */
export function mapSlots(fe: FeatureExtractor, channels: number, opts: PyramidOptions): MapSlot[] {
  checkScalings(opts.scalings);
  const series = channelSeries(fe, channels, opts.channelMode).length;
  const kept = keptPerScale(fe, channels, opts);
  const slots: MapSlot[] = [];
  opts.scalings.forEach((scale, scaleIndex) => {
    let within = 0;
    for (let s = 0; s < series; s++) {
      for (let l = 0; l < fe.featuresPerLayer.length; l++) {
        const count = Math.min(fe.featuresPerLayer[l], kept - within);
        if (count > 0) slots.push({ scaleIndex, scale, series: s, layer: l, featureOffset: scaleIndex * kept + within, count });
        within += fe.featuresPerLayer[l];
      }
    }
  });
  return slots;
}
