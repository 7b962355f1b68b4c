/**
 * Golden cases of the filter-bank extractors (../shared/golden, written by the reference tool's
 * get_feature_image): loading, our normalisation, and the per-channel comparison.
 */
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import { normalizeImage } from '../../src/prepare/normalize.js';
import type { ChannelMode } from '../../src/core/channel-mode.js';
import { ILASTIK_FEATURES, ILASTIK_SIGMAS, ilastikFeatureIndex } from '../../src/features/ilastik.js';
import { sharedPath } from '../helpers/data.js';

export interface FilterGolden {
  file: string;
  feName: 'gaussian_features' | 'ilastik_2d';
  channelMode: ChannelMode;
  /** [C, Z, H, W] of the image as the model sees it. */
  shape: [number, number, number, number];
  /** Normalised image, float32, [C, Z, H, W]. */
  image: Float32Array;
  /** The reference's features, flattened (F = features.length / (Z·H·W)). */
  features: Float32Array;
  featureShape: number[];
}

export function loadFilterGolden(file: string): FilterGolden {
  const st = readSafetensors(readFileSync(sharedPath(`golden/${file}.safetensors`)));
  const params = JSON.parse(st.metadata.params) as { fe_name: FilterGolden['feName']; channel_mode: ChannelMode };
  const info = st.info('image');
  const channelMode = params.channel_mode;
  const dims = [...info.shape];
  // [H,W] → 1 channel, 1 plane; [3,H,W] → rgb: 3 channels, single: a 3-plane stack.
  const shape: [number, number, number, number] =
    dims.length === 2 ? [1, 1, dims[0], dims[1]] : channelMode === 'rgb' ? [dims[0], 1, dims[1], dims[2]] : [1, dims[0], dims[1], dims[2]];
  const raw = st.getFloat32('image');
  const image = normalizeImage(raw, shape, 2, 'default', channelMode).data;
  return {
    file,
    feName: params.fe_name,
    channelMode,
    shape,
    image,
    features: st.getFloat32('features'),
    featureShape: [...st.info('features').shape],
  };
}

export interface ChannelAgreement {
  /** Worst |ours − golden| / range over channels (the test's figure of merit). */
  worst: number;
  worstChannel: number;
  /** Per channel: max error relative to that channel's range. */
  perChannel: number[];
  /** Failure messages (empty when all channels agree). */
  failures: string[];
}

const F32_EPS = 2 ** -23;

/**
 * Compares channel by channel: |ours − golden| ≤ rel·range(golden channel). For the smaller
 * eigenvalue of a pair (`smallerOf[c]` = index of its larger partner) a float32 cancellation
 * allowance of 4 ulp of the larger eigenvalue is added per pixel: where the tensor is nearly
 * singular, m − q is rounding noise in both implementations (the reference's STE σ = 0.3 smaller
 * eigenvalue spans only ±2.4e-7 while the larger reaches 5.7).
 */
export function compareChannels(ours: ArrayLike<number>, golden: ArrayLike<number>, channels: number, rel: number, smallerOf: ReadonlyMap<number, number> = new Map()): ChannelAgreement {
  const plane = golden.length / channels;
  const perChannel: number[] = [];
  const failures: string[] = [];
  let worst = 0;
  let worstChannel = 0;
  for (let c = 0; c < channels; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      lo = Math.min(lo, golden[i]);
      hi = Math.max(hi, golden[i]);
    }
    const range = Math.max(hi - lo, 1e-30);
    const partner = smallerOf.get(c);
    let maxErr = 0;
    let bad = 0;
    let worstAt = -1;
    for (let i = 0; i < plane; i++) {
      const g = golden[c * plane + i];
      const o = ours[c * plane + i];
      const err = Math.abs(o - g);
      const allowance = partner === undefined ? 0 : 4 * F32_EPS * Math.abs(golden[partner * plane + i]);
      if (!(err <= rel * range + allowance)) {
        bad++;
        if (worstAt < 0 || err > Math.abs(ours[c * plane + worstAt] - golden[c * plane + worstAt])) worstAt = i;
      }
      if (!(err <= maxErr)) maxErr = err;
    }
    perChannel.push(maxErr / range);
    if (maxErr / range > worst || Number.isNaN(maxErr)) {
      worst = maxErr / range;
      worstChannel = c;
    }
    if (bad > 0) {
      failures.push(`channel ${c}: ${bad} of ${plane} pixels beyond ${rel}·range (${range.toExponential(3)}); worst pixel ${worstAt}: ours ${ours[c * plane + worstAt]} vs ${golden[c * plane + worstAt]}`);
    }
  }
  return { worst, worstChannel, perChannel, failures };
}

/** For a stack of `series` × 56 ilastik maps: smaller eigenvalue channel → its larger partner. */
export function ilastikEigenPartners(series: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let s = 0; s < series; s++) {
    for (const filter of [4, 5]) {
      for (let i = 0; i < ILASTIK_SIGMAS.length; i++) m.set(s * ILASTIK_FEATURES + ilastikFeatureIndex(filter, i, 1), s * ILASTIK_FEATURES + ilastikFeatureIndex(filter, i, 0));
    }
  }
  return m;
}
