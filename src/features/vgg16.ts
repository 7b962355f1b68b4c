/**
 * The `vgg16` feature extractor: torchvision's VGG16 conv trunk with hooks on any subset of its 13
 * conv layers (REFERENCE.md §3.4). The forward pass runs up to the deepest selected layer and
 * stops. That layer's maps are taken before its ReLU (raw conv + bias); every shallower selected
 * layer after it — in the reference, torchvision's in-place ReLU overwrites the hooked tensor.
 * Maps come out in the order the layers were given, each at its own resolution (stride 1, 2, 4, …).
 *
 * Input is [N, 3, h, w] (grey images arrive replicated to three channels by the pyramid's channel
 * series), h and w multiples of the patch size. Weights: `ExtractorOptions.weights` (a safetensors
 * path or bytes), else the installed ImageNet weights (`convpaint weights fetch`); they are
 * uploaded to a device on first use there and kept until `dispose()`.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import { conv3x3, uploadConv3x3Weights } from '../ops/conv3x3.js';
import type { Conv3x3Weights } from '../ops/conv3x3.js';
import { maxPool2x2 } from '../ops/maxpool.js';
import { conv3x3 as conv3x3Cpu } from '../reference/conv3x3.js';
import { maxPool2x2 as maxPool2x2Cpu } from '../reference/maxpool.js';
import type { Planar } from '../reference/planar.js';
import { assignWeights } from '../weights/assign.js';
import { resolveWeightsBytes } from '../weights/source.js';
import { readVgg16Weights } from '../weights/vgg16-weights.js';
import type { ConvLayerParams } from '../weights/vgg16-weights.js';
import type { ExtractorEntry, ExtractorOptions, FeParamDefaults, FeatureExtractor } from './extractor.js';
import { deepestLayer, resolveVgg16Layers, VGG16_CONV_LAYERS, VGG16_LAYER_KEYS, vgg16Geometry } from '../core/vgg16-layers.js';
import type { Vgg16ConvLayer } from '../core/vgg16-layers.js';

export const VGG16_NAME = 'vgg16';
const DESCRIPTION = 'VGG16 (ImageNet) convolutional features from any of its 13 conv layers, at several scales';

/** Reference defaults for vgg16 (REFERENCE.md §2.2): the given layers, or the first one. */
export function vgg16DefaultParams(layers?: ReadonlyArray<string | number> | null): FeParamDefaults {
  resolveVgg16Layers(layers); // validates
  return {
    fe_name: VGG16_NAME,
    fe_layers: layers && layers.length > 0 ? [...layers] : [VGG16_LAYER_KEYS[0]],
    fe_scalings: [1, 2, 4],
    fe_order: 0,
    fe_use_min_features: false,
    tile_annotations: true,
    tile_image: false,
  };
}

export class Vgg16Extractor implements FeatureExtractor {
  readonly name = VGG16_NAME;
  readonly description = DESCRIPTION;
  readonly inputChannels: readonly number[] = [3];
  readonly rgbInput = true;
  readonly normMode = 'imagenet' as const;
  readonly padding: number;
  readonly patchSize: number;
  readonly featuresPerLayer: readonly number[];
  readonly layerStrides: readonly number[];
  readonly layerKeys: readonly string[] = VGG16_LAYER_KEYS;
  readonly hasGlobalContext = false;

  /** Selected layers, in the order given. */
  readonly selected: readonly Vgg16ConvLayer[];
  private readonly deepest: Vgg16ConvLayer;
  /** Host parameters of conv 0 … deepest. */
  private readonly params: readonly ConvLayerParams[];
  /** Uploaded weights per device, created on first use there. */
  private readonly uploaded = new Map<BatchHost, Conv3x3Weights[]>();
  private disposed = false;

  /** Use `vgg16Entry.create()` (it loads the weights); this takes already-validated parameters. */
  constructor(selected: readonly Vgg16ConvLayer[], params: readonly ConvLayerParams[]) {
    this.selected = [...selected];
    this.deepest = deepestLayer(selected);
    if (params.length !== this.deepest.index + 1) {
      throw new ValueError(`vgg16: parameters for ${this.deepest.index + 1} conv layers are needed, got ${params.length}`);
    }
    this.params = params;
    const geometry = vgg16Geometry(selected);
    this.padding = geometry.padding;
    this.patchSize = geometry.patchSize;
    this.featuresPerLayer = selected.map((l) => l.cOut);
    this.layerStrides = selected.map((l) => l.stride);
  }

  defaultParams(): FeParamDefaults {
    return vgg16DefaultParams(this.selected.map((l) => l.key));
  }

  private checkInput(shape: readonly number[]): void {
    if (this.disposed) throw new ValueError('vgg16: the extractor was disposed');
    if (shape.length !== 4 || shape[1] !== 3) throw new ShapeError(`vgg16: input must be [N, 3, h, w], got [${shape.join(',')}]`);
    const [, , h, w] = shape;
    if (h % this.patchSize !== 0 || w % this.patchSize !== 0 || h < 1 || w < 1) {
      throw new ShapeError(`vgg16: input ${h}×${w} must be a non-empty multiple of the patch size ${this.patchSize}`);
    }
  }

  private weightsOn(ctx: BatchHost): Conv3x3Weights[] {
    let layers = this.uploaded.get(ctx);
    if (!layers) {
      layers = this.params.map((p) => uploadConv3x3Weights(ctx, p.weight, p.bias, p.cOut, p.cIn, `vgg16/${p.module}`));
      this.uploaded.set(ctx, layers);
    }
    return layers;
  }

  extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[] {
    this.checkInput(input.shape);
    const weights = this.weightsOn(batch.ctx);
    const kept = new Map<number, GpuTensor>();
    let x = input;
    const release = (t: GpuTensor) => {
      if (t !== input && ![...kept.values()].includes(t)) t.dispose();
    };
    for (let i = 0; i <= this.deepest.index; i++) {
      const layer = VGG16_CONV_LAYERS[i];
      if (layer.poolBefore) {
        const pooled = maxPool2x2(batch, x, `vgg16/pool-before-${layer.module}`);
        release(x);
        x = pooled;
      }
      const y = conv3x3(batch, x, weights[i], { relu: i !== this.deepest.index, label: `vgg16/${layer.module}` });
      release(x);
      if (this.selected.includes(layer)) kept.set(i, y);
      x = y;
    }
    return this.selected.map((l) => kept.get(l.index)!);
  }

  extractCpu(input: Planar): Planar[] {
    this.checkInput(input.shape);
    const kept = new Map<number, Planar>();
    let x = input;
    for (let i = 0; i <= this.deepest.index; i++) {
      const layer = VGG16_CONV_LAYERS[i];
      if (layer.poolBefore) x = maxPool2x2Cpu(x);
      const p = this.params[i];
      x = conv3x3Cpu(x, p.weight, p.bias, { relu: i !== this.deepest.index });
      if (this.selected.includes(layer)) kept.set(i, x);
    }
    return this.selected.map((l) => kept.get(l.index)!);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const layers of this.uploaded.values()) for (const l of layers) l.dispose();
    this.uploaded.clear();
  }
}

/** Loads and validates the weights for `layers` and builds the extractor. */
export async function createVgg16(options: ExtractorOptions = {}): Promise<Vgg16Extractor> {
  const selected = resolveVgg16Layers(options.layers);
  const needed = VGG16_CONV_LAYERS.slice(0, deepestLayer(selected).index + 1);
  const { vgg16: weights } = await assignWeights(options.weights, ['vgg16'], VGG16_NAME);
  const { bytes, source } = await resolveWeightsBytes(weights);
  return new Vgg16Extractor(selected, readVgg16Weights(bytes, needed, source));
}

export const vgg16Entry: ExtractorEntry = {
  name: VGG16_NAME,
  description: DESCRIPTION,
  layerKeys: VGG16_LAYER_KEYS,
  defaultParams: vgg16DefaultParams,
  create: createVgg16,
};
