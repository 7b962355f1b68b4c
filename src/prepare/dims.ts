/**
 * Input checking and dimension rules (REFERENCE.md §1.6, §4.1, §4.2): every image becomes a
 * [C, Z, H, W] view and every annotation a [Z, H, W] view — reshapes only, the data are not
 * copied because numpy order is preserved — and `channel_mode` is adjusted where the data force
 * it (with a warning, as the reference does).
 */
import { ShapeError, ValueError } from '../errors.js';
import type { ImageData } from './normalize.js';
import type { ChannelMode } from '../core/channel-mode.js';

export type { ChannelMode };

/** An n-dimensional array in numpy (row-major) order. */
export interface NdArray<T extends ImageData = ImageData> {
  data: T;
  shape: number[];
}

export interface Image4D {
  data: ImageData;
  shape: [number, number, number, number];
}

export interface Labels3D {
  data: Int32Array;
  shape: [number, number, number];
}

const TYPED_ARRAYS = [Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];

export function checkArray(a: unknown, what: string): NdArray {
  if (a === null || typeof a !== 'object' || !('data' in a) || !('shape' in a)) {
    throw new ValueError(`${what} must be an array { data: TypedArray, shape: number[] } (or a list of them)`);
  }
  const { data, shape } = a as NdArray;
  if (!TYPED_ARRAYS.some((T) => data instanceof T)) {
    throw new ValueError(`${what}: data must be a typed array (Uint8Array, Uint16Array, Float32Array, …)`);
  }
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError(`${what}: shape must be a list of positive integers, got ${JSON.stringify(shape)}`);
  }
  const n = shape.reduce((x, y) => x * y, 1);
  if (n !== data.length) {
    throw new ShapeError(`${what}: shape [${shape.join(',')}] holds ${n} values but the data has ${data.length}`);
  }
  return { data, shape: [...shape] };
}

/** Accepts one array or a list; returns the list and whether the input was a list. */
export function asList(input: unknown, what: string): { items: NdArray[]; wasList: boolean } {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new ValueError(`${what}: the list is empty`);
    return { items: input.map((a, i) => checkArray(a, `${what}[${i}]`)), wasList: true };
  }
  return { items: [checkArray(input, what)], wasList: false };
}

export interface PreparedDims {
  images: Image4D[];
  channelMode: ChannelMode;
  warnings: string[];
}

/** Applies the reference's dimension rules to a list of images. */
export function prepareImageDims(images: NdArray[], channelMode: ChannelMode): PreparedDims {
  const warnings: string[] = [];
  let mode = channelMode;
  const ndim = images[0].shape.length;
  for (const [i, img] of images.entries()) {
    if (img.shape.length < 2 || img.shape.length > 4) {
      throw new ShapeError(`image${images.length > 1 ? ` ${i}` : ''} has ${img.shape.length} dimensions [${img.shape.join(',')}]; expected 2 ([H,W]), 3 ([C|Z,H,W]) or 4 ([C,Z,H,W])`);
    }
    if (img.shape.length !== ndim) throw new ValueError(`all images in a list must have the same number of dimensions (image 0: ${ndim}, image ${i}: ${img.shape.length})`);
  }
  if (ndim === 2 && mode !== 'single') {
    warnings.push(`a 2D image has no channel axis: channel_mode "${mode}" changed to "single"`);
    mode = 'single';
  }
  if (ndim === 4 && mode === 'single' && images.some((im) => im.shape[0] > 1)) {
    warnings.push('a 4D image with several channels: channel_mode "single" changed to "multi"');
    mode = 'multi';
  }
  if (mode === 'rgb' && ndim >= 3 && images[0].shape[0] !== 3) {
    const c = images[0].shape[0];
    const to: ChannelMode = c === 1 ? 'single' : 'multi';
    warnings.push(`channel_mode "rgb" needs 3 channels but the image has ${c}: changed to "${to}"`);
    mode = to;
  }
  const out = images.map((img): Image4D => {
    const s = img.shape;
    if (s.length === 2) return { data: img.data, shape: [1, 1, s[0], s[1]] };
    if (s.length === 3) return { data: img.data, shape: mode === 'single' ? [1, s[0], s[1], s[2]] : [s[0], 1, s[1], s[2]] };
    return { data: img.data, shape: [s[0], s[1], s[2], s[3]] };
  });
  const channels = out[0].shape[0];
  for (const [i, img] of out.entries()) {
    if (img.shape[0] !== channels) throw new ValueError(`all images in a list must have the same number of channels (image 0: ${channels}, image ${i}: ${img.shape[0]})`);
  }
  return { images: out, channelMode: mode, warnings };
}

/** Labels → [Z,H,W] int32, checked against the image's [Z,H,W]. */
export function prepareAnnotations(annotations: NdArray, image: Image4D, index: number | null, warnings: string[]): Labels3D {
  const where = index === null ? 'annotations' : `annotations ${index}`;
  const s = annotations.shape;
  if (s.length < 2 || s.length > 3) {
    throw new ShapeError(`${where} have ${s.length} dimensions [${s.join(',')}]; expected [H,W] or [Z,H,W]`);
  }
  const shape: [number, number, number] = s.length === 2 ? [1, s[0], s[1]] : [s[0], s[1], s[2]];
  const [, z, h, w] = image.shape;
  if (shape[0] !== z || shape[1] !== h || shape[2] !== w) {
    const transposed = shape[1] === w && shape[2] === h && h !== w ? ' — did you transpose?' : '';
    throw new ShapeError(`${where} are ${shape.slice(s.length === 2 ? 1 : 0).join('×')} but the image is ${(s.length === 2 ? [h, w] : [z, h, w]).join('×')} (without channels)${transposed}`);
  }
  const data = new Int32Array(annotations.data.length);
  const isFloat = annotations.data instanceof Float32Array || annotations.data instanceof Float64Array;
  for (let i = 0; i < data.length; i++) {
    const v = annotations.data[i];
    if (!Number.isInteger(v)) {
      throw new ValueError(`${where} must hold integer class labels; found ${v} at flat index ${i}`);
    }
    if (v < 0) throw new ValueError(`${where} must not hold negative labels; found ${v} at flat index ${i} (0 = unlabelled, classes are 1, 2, …)`);
    data[i] = v;
  }
  if (isFloat) warnings.push(`${where} are floating point: cast to integers`);
  return { data, shape };
}

/** Keeps the channels listed in `inChannels` (after dims, before normalisation; §4.2). */
export function selectChannels(img: Image4D, inChannels: readonly number[] | undefined, mode: ChannelMode): Image4D {
  if (inChannels === undefined) return img;
  if (mode === 'single') throw new ValueError('in_channels cannot be used with channel_mode "single" (the image has no channel axis)');
  if (!Array.isArray(inChannels) || inChannels.length === 0 || inChannels.some((c) => !Number.isInteger(c))) {
    throw new ValueError(`in_channels must be a non-empty list of integers, got ${JSON.stringify(inChannels)}`);
  }
  const [c, z, h, w] = img.shape;
  for (const ch of inChannels) {
    if (ch < 0 || ch >= c) throw new ValueError(`in_channels index ${ch} is out of range for an image with ${c} channels`);
  }
  const plane = z * h * w;
  const Ctor = img.data.constructor as new (n: number) => ImageData;
  const data = new Ctor(inChannels.length * plane);
  inChannels.forEach((ch, i) => data.set(img.data.subarray(ch * plane, (ch + 1) * plane) as never, i * plane));
  return { data, shape: [inChannels.length, z, h, w] };
}

/** Rejects NaN and ±Infinity in float images, with the count and first position. */
export function checkFinite(img: Image4D, index: number | null): void {
  if (!(img.data instanceof Float32Array || img.data instanceof Float64Array)) return;
  let count = 0;
  let first = -1;
  for (let i = 0; i < img.data.length; i++) {
    if (!Number.isFinite(img.data[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count > 0) {
    const [, z, h, w] = img.shape;
    const c = Math.floor(first / (z * h * w));
    const rest = first % (z * h * w);
    const pos = [c, Math.floor(rest / (h * w)), Math.floor((rest % (h * w)) / w), rest % w];
    throw new ValueError(`image${index === null ? '' : ` ${index}`} holds ${count} NaN/Inf value(s); the first at [c,z,y,x] = [${pos.join(',')}]. Replace them (e.g. with 0) before training or segmenting.`);
  }
}
