/**
 * What a DINOv2 combo's features must be, built from independently tested pieces rather than the
 * combo code: the filter bank's own feature image (its padding covers its reach, so the combo's
 * larger padding changes nothing inside the image) — or, for `combo_dino_vgg`, VGG16 run the
 * reference's way on the whole combo-padded image (per scale: mirror to a multiple of the scale,
 * block means, the CPU network, PyTorch's legacy nearest back to the padded size) — then DINOv2's
 * patch tokens of the combo-padded image (reflect padding of the z-scored image to the combo's
 * geometry, grey copied ×3, the CPU backbone) repeated over each 14×14 patch (nearest), cropped
 * to the image.
 */
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { FloatImage } from '../../src/model/convpaint-model.js';
import { dinov2PatchTokensCpu } from '../../src/features/dinov2-backbone-cpu.js';
import { overallPaddings } from '../../src/features/padding.js';
import { createVgg16 } from '../../src/features/vgg16.js';
import { blockMeanDownsample } from '../../src/reference/downsample.js';
import { reflectPad } from '../../src/reference/pad.js';
import type { Planar } from '../../src/reference/planar.js';
import { upsampleNearest } from '../../src/reference/resample.js';
import { dinov2TestWeights } from '../features/dinov2-golden.js';
import { TEST_WEIGHTS } from '../features/vgg16-helpers.js';

/** z-score of a grey image as the reference's normalize=2 does it (population std, float64). */
function zscore(data: ArrayLike<number>): Float32Array {
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
  const std = Math.max(Math.sqrt(sq / data.length), 1e-6);
  return Float32Array.from(data, (v) => (v - mean) / std);
}

type GreyImage = { data: Uint8Array; shape: [number, number] };

/** The z-scored grey image reflect-padded to a combo's geometry (local padding, 14-aligned), copied to 3 channels. */
function comboPadded(image: GreyImage, localPadding: number): { rgb: Planar; top: number; left: number } {
  const [h, w] = image.shape;
  const pads = overallPaddings(localPadding, 14, [1], h, w);
  const padded = reflectPad({ data: zscore(image.data), shape: [1, 1, h, w] }, pads);
  const [hp, wp] = [padded.shape[2], padded.shape[3]];
  const rgb = new Float32Array(3 * hp * wp);
  for (let c = 0; c < 3; c++) rgb.set(padded.data, c * hp * wp);
  return { rgb: { data: rgb, shape: [1, 3, hp, wp] }, top: pads.top, left: pads.left };
}

/** VGG16 (features.0, test weights) at scalings [1, 2, 4] on the whole padded image, as the reference's pyramid computes it, cropped to the image: [192, h, w]. */
async function referenceVggPart(image: GreyImage): Promise<{ data: Float32Array; shape: [number, number, number] }> {
  const [h, w] = image.shape;
  const { rgb, top, left } = comboPadded(image, 1);
  const [hp, wp] = rgb.shape.slice(2);
  const vgg = await createVgg16({ weights: TEST_WEIGHTS });
  const out = new Float32Array(192 * h * w);
  [1, 2, 4].forEach((s, si) => {
    const ph = (s - (hp % s)) % s;
    const pw = (s - (wp % s)) % s;
    const mirrored = reflectPad(rgb, { top: Math.floor(ph / 2), bottom: ph - Math.floor(ph / 2), left: Math.floor(pw / 2), right: pw - Math.floor(pw / 2) });
    const low = s === 1 ? mirrored : blockMeanDownsample(mirrored, s);
    const [map] = vgg.extractCpu(low);
    const up = upsampleNearest({ data: map.data, shape: map.shape.slice(1) }, hp, wp, { y0: top, x0: left, height: h, width: w });
    out.set(up.data, si * 64 * h * w);
  });
  vgg.dispose();
  return { data: out, shape: [192, h, w] };
}

export async function expectedComboFeatures(localAlias: 'gaussian' | 'ilastik' | 'vgg', localPadding: number, image: GreyImage): Promise<Float32Array> {
  const [h, w] = image.shape;
  let lf: { data: Float32Array; shape: readonly number[] };
  if (localAlias === 'vgg') lf = await referenceVggPart(image);
  else {
    const local = await ConvpaintModel.create({ alias: localAlias }, { device: 'cpu' });
    lf = (await local.getFeatureImage(image)) as FloatImage;
    local.dispose();
  }
  const { rgb, top, left } = comboPadded(image, localPadding);
  const pads = { top, left };
  const tokens = dinov2PatchTokensCpu(dinov2TestWeights(), rgb);
  const [gh, gw] = tokens.shape.slice(2);
  const f1 = lf.shape[0];
  const out = new Float32Array((f1 + 384) * h * w);
  out.set(lf.data);
  for (let k = 0; k < 384; k++) {
    for (let y = 0; y < h; y++) {
      const cy = Math.floor((y + pads.top) / 14);
      for (let x = 0; x < w; x++) out[((f1 + k) * h + y) * w + x] = tokens.data[(k * gh + cy) * gw + Math.floor((x + pads.left) / 14)];
    }
  }
  return out;
}

/** A small grey test image with structure on both halves. */
export function comboImage(h: number, w: number): { data: Uint8Array; shape: [number, number] } {
  const data = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.round(127 + 100 * Math.sin(x / 5) * Math.cos(y / 7) + (x > w / 2 ? 20 : 0));
  return { data, shape: [h, w] };
}

/** Two horizontal strokes, one class on each half. */
export function comboScribbles(h: number, w: number): { data: Uint8Array; shape: [number, number] } {
  const data = new Uint8Array(h * w);
  for (let x = 3; x < w / 2 - 3; x++) data[5 * w + x] = 1;
  for (let x = w / 2 + 3; x < w - 3; x++) data[(h - 6) * w + x] = 2;
  return { data, shape: [h, w] };
}
