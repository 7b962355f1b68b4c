/**
 * `gaussian_features` (alias `gaussian`, REFERENCE.md §3.5): one Gaussian-smoothed map per input
 * channel — skimage.filters.gaussian with σ = 3, i.e. scipy's gaussian_filter with truncate 4:
 * radius 12, weights exp(−x²/18) normalised to 1 (not the fastfilters kernel of `ilastik_2d`).
 * Padding 12, patch size 1. scipy filters axis 0 (height) before axis 1 (width); so do we.
 */
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { convolve1d, GpuKernelSet } from '../ops/separable.js';
import { ShapeError } from '../errors.js';
import type { Planar } from '../reference/planar.js';
import { convolve1d as convolveCpu } from '../reference/separable.js';
import { layerlessFeDefaults } from './extractor.js';
import type { ExtractorEntry, FeParamDefaults, FeatureExtractor } from './extractor.js';
import { scipyGaussian } from '../core/filter-kernels.js';

export const GAUSSIAN_FEATURES_NAME = 'gaussian_features';
/** σ of the reference's Gaussian FE. */
export const GAUSSIAN_FE_SIGMA = 3;
/** ceil(4σ): the reference's `get_padding()`. */
export const GAUSSIAN_FE_PADDING = 12;

const DESCRIPTION = 'Gaussian smoothing (σ = 3) of each channel: a single, very fast feature per channel, mostly for testing.';

function defaults(): FeParamDefaults {
  return layerlessFeDefaults(GAUSSIAN_FEATURES_NAME);
}

function checkInput(shape: readonly number[]): [number, number, number] {
  if (shape.length !== 4 || shape[1] !== 1) throw new ShapeError(`${GAUSSIAN_FEATURES_NAME} takes [N, 1, H, W], got [${shape.join(',')}]`);
  return [shape[0], shape[2], shape[3]];
}

class GaussianFeatures implements FeatureExtractor {
  readonly name = GAUSSIAN_FEATURES_NAME;
  readonly description = DESCRIPTION;
  readonly inputChannels = [1] as const;
  readonly rgbInput = false;
  readonly normMode = 'default' as const;
  readonly padding = GAUSSIAN_FE_PADDING;
  readonly patchSize = 1;
  readonly featuresPerLayer = [1] as const;
  readonly layerStrides = [1] as const;
  readonly layerKeys = null;
  readonly hasGlobalContext = false;
  // skimage.filters.gaussian(preserve_range=False) turns integer input into [0, 1] floats.
  readonly integerInputToUnitRange = true;

  private readonly kernel = scipyGaussian(GAUSSIAN_FE_SIGMA, 4);
  private readonly kernels = new GpuKernelSet([this.kernel], 'gaussian_features');

  defaultParams(): FeParamDefaults {
    return defaults();
  }

  extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[] {
    checkInput(input.shape);
    const k = this.kernels.ref(batch.ctx, this.kernel);
    const alongH = convolve1d(batch, input, k, 'h', { label: `${this.name}/along-h` });
    const out = convolve1d(batch, alongH, k, 'w', { label: `${this.name}/features` });
    alongH.dispose();
    return [out];
  }

  extractCpu(input: Planar): Planar[] {
    checkInput(input.shape);
    return [convolveCpu(convolveCpu(input, this.kernel, 'h'), this.kernel, 'w')];
  }

  dispose(): void {
    this.kernels.dispose();
  }
}

export const gaussianFeaturesEntry: ExtractorEntry = {
  name: GAUSSIAN_FEATURES_NAME,
  description: DESCRIPTION,
  layerKeys: null,
  defaultParams: () => defaults(),
  create: async () => new GaussianFeatures(),
};
