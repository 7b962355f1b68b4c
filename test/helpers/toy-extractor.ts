/**
 * A small extractor built from existing kernels, to test the shared pyramid without a real FE:
 * an "RGB network" with two layers — layer 0 = the input itself (stride 1), layer 1 = its 2×2
 * block means (stride 2, so patch size 2). With `grey: true` it is a 1-channel filter bank with a
 * single layer (the input, negated on the CPU and GPU alike via block mean factor 1).
 */
import type { FeatureExtractor, FeParamDefaults } from '../../src/features/extractor.js';
import type { GpuBatch } from '../../src/gpu/batch.js';
import type { GpuTensor } from '../../src/gpu/tensor.js';
import { blockMeanDownsample as downGpu } from '../../src/ops/downsample.js';
import { blockMeanDownsample as downCpu } from '../../src/reference/downsample.js';
import type { Planar } from '../../src/reference/planar.js';

export function toyExtractor(kind: 'rgb-net' | 'grey-bank'): FeatureExtractor {
  const rgb = kind === 'rgb-net';
  return {
    name: `toy-${kind}`,
    description: 'test extractor',
    inputChannels: rgb ? [3] : [1],
    rgbInput: rgb,
    normMode: rgb ? 'imagenet' : 'default',
    padding: rgb ? 2 : 0,
    patchSize: rgb ? 2 : 1,
    featuresPerLayer: rgb ? [3, 3] : [1],
    layerStrides: rgb ? [1, 2] : [1],
    layerKeys: null,
    hasGlobalContext: false,
    defaultParams(): FeParamDefaults {
      return { fe_name: this.name, fe_layers: null, fe_scalings: [1], fe_order: 0, fe_use_min_features: false, tile_annotations: true, tile_image: false };
    },
    extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[] {
      const same = downGpu(batch, input, 1, `${input.label}/layer0`);
      return rgb ? [same, downGpu(batch, input, 2, `${input.label}/layer1`)] : [same];
    },
    extractCpu(input: Planar): Planar[] {
      const same = downCpu(input, 1);
      return rgb ? [same, downCpu(input, 2)] : [same];
    },
    dispose() {},
  };
}
