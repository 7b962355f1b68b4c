/**
 * From user arrays to engine input (REFERENCE.md §4.1–§4.4): dims → channel subset → finite check
 * → normalisation → `image_downsample`; annotations the same way (dims check, cast, rescale).
 */
import { ValueError } from '../errors.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { asList, checkFinite, prepareAnnotations, prepareImageDims, selectChannels } from './dims.js';
import type { ChannelMode, Image4D, Labels3D, NdArray } from './dims.js';
import { integerToUnitRange, normalizeImage } from './normalize.js';
import { rescaleImage, rescaleLabels } from './rescale.js';

/** A normalised, rescaled image ready for feature extraction: planar [C, Z, H, W] float32. */
export interface PreparedImage {
  data: Float32Array;
  shape: [number, number, number, number];
}

export interface PrepareSettings {
  channelMode: ChannelMode;
  normalize: number;
  imageDownsample: number;
  inChannels?: number[];
  skipNorm?: boolean;
}

export interface PreparedInput {
  /** One per input image, normalised and rescaled. */
  images: PreparedImage[];
  /** Original [Z, H, W] of each image (before rescaling). */
  originalSizes: Array<[number, number, number]>;
  /** Whether the caller passed a list. */
  wasList: boolean;
  /** Input dimensionality (2, 3 or 4). */
  ndim: number;
  /** The channel mode after the dims rules (may differ from the requested one). */
  channelMode: ChannelMode;
  /** Prepared 4-D views before normalisation (for annotations' shape checks). */
  raw: Image4D[];
  warnings: string[];
}

export function prepareImages(input: unknown, fe: FeatureExtractor, s: PrepareSettings): PreparedInput {
  const { items, wasList } = asList(input, 'image');
  const dims = prepareImageDims(items, s.channelMode);
  const warnings = [...dims.warnings];
  const raw = dims.images.map((img) => selectChannels(img, s.inChannels, dims.channelMode));
  raw.forEach((img, i) => checkFinite(img, wasList ? i : null));
  const normalize = s.skipNorm ? 1 : s.normalize;
  const images = raw.map((img) => {
    const n = normalizeImage(img.data, img.shape, normalize, fe.normMode, dims.channelMode);
    if (normalize === 1 && fe.integerInputToUnitRange) integerToUnitRange(img.data, n.data);
    warnings.push(...n.warnings);
    const r = rescaleImage(n.data, img.shape, s.imageDownsample);
    return { data: r.data, shape: r.shape as [number, number, number, number] };
  });
  return {
    images,
    originalSizes: raw.map((img) => [img.shape[1], img.shape[2], img.shape[3]] as [number, number, number]),
    wasList,
    ndim: items[0].shape.length,
    channelMode: dims.channelMode,
    raw,
    warnings,
  };
}

/** Annotations matched to prepared images: checked, cast to int32, rescaled like the images. */
export function prepareLabels(input: unknown, images: PreparedInput, imageDownsample: number, warnings: string[]): Labels3D[] {
  const { items, wasList } = asList(input, 'annotations');
  if (wasList !== images.wasList || items.length !== images.images.length) {
    throw new ValueError(`got ${images.images.length} image(s) but ${items.length} annotation array(s); pass one annotation array per image`);
  }
  return items.map((a: NdArray, i) => {
    const labels = prepareAnnotations(a, images.raw[i], wasList ? i : null, warnings);
    const r = rescaleLabels(labels.data, labels.shape, imageDownsample);
    if (imageDownsample > 1) {
      const before = new Set(labels.data);
      const after = new Set(r.data);
      const lost = [...before].filter((v) => v > 0 && !after.has(v));
      if (lost.length > 0) warnings.push(`image_downsample ${imageDownsample} removed every pixel of class(es) ${lost.join(', ')} from the annotations`);
    }
    return r;
  });
}

/** Output array shape for a [Z, H, W] result of an input with `ndim` dims (drops a lone Z). */
export function outputSpatialShape(ndim: number, channelMode: ChannelMode, size: [number, number, number]): number[] {
  const [z, h, w] = size;
  if (ndim === 2) return [h, w];
  if (ndim === 3 && channelMode !== 'single') return [h, w];
  return [z, h, w];
}
