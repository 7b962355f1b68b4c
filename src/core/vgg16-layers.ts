/**
 * The VGG16 convolutional trunk (torchvision `vgg16().features`) as data: the 13 selectable conv
 * layers with their reference key strings, channel counts and receptive-field arithmetic
 * (REFERENCE.md §3.4), and the resolution of `fe_layers` values (keys or indices) to layers.
 * No weights are needed for any of this.
 */
import { ValueError } from '../errors.js';

export interface Vgg16ConvLayer {
  /** Position among the 13 convs (the index `fe_layers` may use). */
  index: number;
  /** torchvision module name, e.g. `features.5`; weights are `<module>.weight` / `.bias`. */
  module: string;
  /** The reference's key: `"<module> <str(module)>"`. */
  key: string;
  cIn: number;
  cOut: number;
  /** A 2×2 max pool runs right before this conv. */
  poolBefore: boolean;
  /** Receptive field of one output pixel, in input pixels. */
  receptiveField: number;
  /** Cumulative stride: input pixels per output pixel. */
  stride: number;
}

// torchvision's VGG16 "D" configuration: conv output channels, 'M' = max pool.
const CONFIG: Array<number | 'M'> = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

function buildLayers(): Vgg16ConvLayer[] {
  const layers: Vgg16ConvLayer[] = [];
  let moduleIndex = 0;
  let cIn = 3;
  let rf = 1;
  let stride = 1;
  let poolBefore = false;
  for (const item of CONFIG) {
    if (item === 'M') {
      rf += 1 * stride; // kernel 2: (k − 1)·stride
      stride *= 2;
      poolBefore = true;
      moduleIndex += 1;
      continue;
    }
    rf += 2 * stride; // kernel 3
    const module = `features.${moduleIndex}`;
    layers.push({
      index: layers.length,
      module,
      key: `${module} Conv2d(${cIn}, ${item}, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))`,
      cIn,
      cOut: item,
      poolBefore,
      receptiveField: rf,
      stride,
    });
    poolBefore = false;
    cIn = item;
    moduleIndex += 2; // the conv and its ReLU
  }
  return layers;
}

export const VGG16_CONV_LAYERS: readonly Vgg16ConvLayer[] = Object.freeze(buildLayers());

/** The 13 selectable layer keys, in network order (`get_fe_layer_keys()`). */
export const VGG16_LAYER_KEYS: readonly string[] = Object.freeze(VGG16_CONV_LAYERS.map((l) => l.key));

/**
 * `fe_layers` values → conv layers, in the order given. A value is a key string exactly as the
 * reference writes it, or an integer index into `VGG16_LAYER_KEYS`. null/undefined/empty → the
 * first layer. Unknown or repeated values throw ValueError naming them and listing the keys.
 */
export function resolveVgg16Layers(layers: ReadonlyArray<string | number> | null | undefined): Vgg16ConvLayer[] {
  if (layers == null || layers.length === 0) return [VGG16_CONV_LAYERS[0]];
  const valid = () => `Valid layers are indices 0–${VGG16_CONV_LAYERS.length - 1} or the keys:\n  ${VGG16_LAYER_KEYS.join('\n  ')}`;
  const out: Vgg16ConvLayer[] = [];
  for (const value of layers) {
    let layer: Vgg16ConvLayer | undefined;
    if (typeof value === 'number') {
      layer = Number.isInteger(value) ? VGG16_CONV_LAYERS[value] : undefined;
    } else if (typeof value === 'string') {
      layer = VGG16_CONV_LAYERS.find((l) => l.key === value);
    }
    if (!layer) throw new ValueError(`unknown vgg16 layer ${JSON.stringify(value)}. ${valid()}`);
    if (out.includes(layer)) throw new ValueError(`vgg16 layer ${JSON.stringify(value)} is selected twice (${layer.key})`);
    out.push(layer);
  }
  return out;
}

/** The deepest of the selected layers: the forward pass stops there, and it is taken before ReLU. */
export function deepestLayer(layers: readonly Vgg16ConvLayer[]): Vgg16ConvLayer {
  return layers.reduce((a, b) => (b.index > a.index ? b : a));
}

/** The FE's padding (receptive field // 2 of the deepest layer) and patch size (its stride). */
export function vgg16Geometry(layers: readonly Vgg16ConvLayer[]): { padding: number; patchSize: number } {
  const deepest = deepestLayer(layers);
  return { padding: Math.floor(deepest.receptiveField / 2), patchSize: deepest.stride };
}
