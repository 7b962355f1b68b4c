/**
 * Image normalisation before feature extraction, exactly as the reference does it
 * (REFERENCE.md §4.3), computed in float64 and delivered as float32:
 * - `imagenet` FEs on `rgb` data: scale to [0, 1] by dtype (unsigned ÷ max, signed by the dtype
 *   range; floats only if already within [0, 1], otherwise left unnormalised with a warning),
 *   then per channel (x − mean) / std with the ImageNet constants;
 * - otherwise z-score per channel: over the whole stack (normalize 2) or per plane (3);
 * - normalize 1 (or skipNorm): values passed through unchanged.
 */
export type ImageData = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface NormalizeResult {
  data: Float32Array;
  warnings: string[];
}

const INT_RANGES: Array<[new (...args: never[]) => ImageData, number, number]> = [
  [Uint8Array, 0, 255],
  [Uint16Array, 0, 65535],
  [Uint32Array, 0, 4294967295],
  [Int8Array, -128, 127],
  [Int16Array, -32768, 32767],
  [Int32Array, -2147483648, 2147483647],
];

function dtypeRange(data: ImageData): [number, number] | null {
  for (const [ctor, lo, hi] of INT_RANGES) if (data instanceof ctor) return [lo, hi];
  return null;
}

/** Normalises a [C, Z, H, W] image (given as flat data + its four dims). */
export function normalizeImage(
  data: ImageData,
  shape: readonly [number, number, number, number],
  normalize: number,
  normMode: 'default' | 'imagenet',
  channelMode: 'single' | 'multi' | 'rgb',
): NormalizeResult {
  const [c, z, h, w] = shape;
  const plane = h * w;
  const out = new Float32Array(data.length);
  const warnings: string[] = [];
  if (normalize === 1) {
    for (let i = 0; i < data.length; i++) out[i] = data[i];
    return { data: out, warnings };
  }
  if (normMode === 'imagenet' && channelMode === 'rgb') {
    const range = dtypeRange(data);
    let lo = 0;
    let span = 1;
    if (range) {
      // Unsigned: ÷ max (lo = 0); signed: (x − min) / (max − min).
      lo = range[0];
      span = range[1] - range[0];
    } else {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < data.length; i++) {
        min = Math.min(min, data[i]);
        max = Math.max(max, data[i]);
      }
      if (min < 0 || max > 1) {
        warnings.push(`float image values span [${min}, ${max}], outside [0, 1]: ImageNet normalisation skipped, image used as is (as the reference does)`);
        for (let i = 0; i < data.length; i++) out[i] = data[i];
        return { data: out, warnings };
      }
    }
    for (let ch = 0; ch < c; ch++) {
      const mean = IMAGENET_MEAN[ch];
      const std = IMAGENET_STD[ch];
      const from = ch * z * plane;
      for (let i = from; i < from + z * plane; i++) out[i] = ((data[i] - lo) / span - mean) / std;
    }
    return { data: out, warnings };
  }
  // z-score: per channel over (Z, H, W) for normalize 2, per channel and plane for 3.
  const groupSize = normalize === 3 ? plane : z * plane;
  for (let from = 0; from < data.length; from += groupSize) {
    let sum = 0;
    for (let i = from; i < from + groupSize; i++) sum += data[i];
    const mean = sum / groupSize;
    let sq = 0;
    for (let i = from; i < from + groupSize; i++) {
      const d = data[i] - mean;
      sq += d * d;
    }
    const std = Math.max(Math.sqrt(sq / groupSize), 1e-6);
    for (let i = from; i < from + groupSize; i++) out[i] = (data[i] - mean) / std;
  }
  return { data: out, warnings };
}

/**
 * scikit-image's `img_as_float` for integer images: unsigned ÷ dtype max → [0, 1], signed ÷ dtype
 * max → [−1, 1]; floats unchanged. In place on the float32 copy.
 */
export function integerToUnitRange(source: ImageData, values: Float32Array): void {
  const range = dtypeRange(source);
  if (!range) return;
  const max = range[1];
  for (let i = 0; i < values.length; i++) values[i] = values[i] / max;
}
