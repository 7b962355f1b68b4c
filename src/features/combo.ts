/**
 * Combination extractors (`combo_dino_vgg`, `combo_dino_gauss`, `combo_dino_ilastik`): a pixel-wise
 * extractor (VGG16 or a filter bank) and DINOv2, features concatenated — the local part's first,
 * then DINOv2's 384 (REFERENCE.md §3.7).
 * As in the reference, each part runs its own pyramid with its own default parameters on the
 * combo's padded image (padding max of the parts', alignment lcm of their patch sizes: 14), DINOv2's
 * patch features are brought to pixels with nearest (its `fe_order` 0), the combo itself is not
 * patched (classified per pixel), z-scores every image (its norm mode is `default`, so even `rgb`
 * data are not ImageNet-normalised) and has global context (annotation and image tiling off).
 *
 * How it runs here: the local part is tiled as usual; DINOv2's patch grid of the whole padded
 * image is computed once per image (src/engine/patched.ts) and each tile's window is filled from
 * it (`GlobalFeatures` in pyramid.ts). VGG16's scalings [1, 2, 4] do not divide the combo's
 * 14-aligned image, so its tiles follow the whole image's block grid and nearest look-up as the
 * reference computes them (anchored.ts), with the context that needs (`tileContext`). The result
 * equals the reference's whole-image concatenation.
 *
 * Weights: `combo_dino_vgg` has two networks; `weights` may list a file for each (weights/assign.ts).
 */
import { ValueError } from '../errors.js';
import { assignWeights } from '../weights/assign.js';
import type { WeightsNetwork } from '../weights/assign.js';
import { anchoredTileContext, checkAnchorable } from './anchored.js';
import { createDinov2 } from './dinov2.js';
import { layerlessFeDefaults } from './extractor.js';
import type { ExtractorEntry, ExtractorOptions, FeatureExtractor, FeParamDefaults } from './extractor.js';
import { gaussianFeaturesEntry } from './gaussian.js';
import { ilastikEntry } from './ilastik.js';
import { lcm } from './plan.js';
import { vgg16Entry } from './vgg16.js';

interface ComboParts {
  local: ExtractorEntry;
  /** The local part's network, when it has weights (VGG16). */
  network?: WeightsNetwork;
  description: string;
}

const PARTS = {
  combo_dino_vgg: { local: vgg16Entry, network: 'vgg16', description: 'Combining a default VGG16 with DINOv2.' },
  combo_dino_gauss: { local: gaussianFeaturesEntry, description: 'Combining a Gaussian filter with DINOv2.' },
  combo_dino_ilastik: { local: ilastikEntry, description: 'Combining ilastik filters with DINOv2.' },
} satisfies Record<string, ComboParts>;

export type ComboName = keyof typeof PARTS;

/** The reference's base rule for a global-context extractor: scalings [1], nearest, no tiling. */
function comboDefaults(name: string): FeParamDefaults {
  return layerlessFeDefaults(name, true);
}

export class ComboExtractor implements FeatureExtractor {
  readonly description: string;
  readonly inputChannels: readonly number[];
  readonly rgbInput = false;
  readonly normMode = 'default' as const;
  readonly padding: number;
  readonly patchSize: number;
  /** The local part's layers: what a tile's pass holds in memory (the global part comes from its grid). */
  readonly featuresPerLayer: readonly number[];
  readonly layerStrides: readonly number[];
  readonly layerKeys = null;
  readonly hasGlobalContext = true;
  readonly combo: { local: FeatureExtractor; global: FeatureExtractor };
  readonly tileContext?: number;

  constructor(readonly name: string, description: string, local: FeatureExtractor, global: FeatureExtractor) {
    this.description = description;
    this.combo = { local, global };
    this.inputChannels = local.inputChannels;
    this.padding = Math.max(local.padding, global.padding);
    this.patchSize = lcm([local.patchSize, global.patchSize]);
    this.featuresPerLayer = local.featuresPerLayer;
    this.layerStrides = local.layerStrides;
    const scalings = local.defaultParams().fe_scalings;
    if (scalings.some((s) => s !== 1)) {
      checkAnchorable(local);
      this.tileContext = anchoredTileContext(scalings, local.padding);
    }
  }

  defaultParams(): FeParamDefaults {
    return comboDefaults(this.name);
  }

  /** A combo has no single-scale pass: its parts run their own pyramids (extractPyramidGpu/Cpu). */
  extractGpu(): never {
    throw new ValueError(`${this.name} combines two extractors, each with its own pyramid: run it through extractPyramidGpu or a ConvpaintModel`);
  }

  extractCpu(): never {
    throw new ValueError(`${this.name} combines two extractors, each with its own pyramid: run it through extractPyramidCpu or a ConvpaintModel`);
  }

  dispose(): void {
    this.combo.local.dispose();
    this.combo.global.dispose();
  }
}


function comboEntry(name: ComboName): ExtractorEntry {
  const spec: ComboParts = PARTS[name];
  return {
    name,
    description: spec.description,
    layerKeys: null,
    defaultParams: () => comboDefaults(name),
    async create(options: ExtractorOptions = {}): Promise<ComboExtractor> {
      if (options.layers && options.layers.length > 0) throw new ValueError(`${name} has no selectable layers, got fe_layers [${options.layers.join(', ')}]`);
      const weights = await assignWeights(options.weights, spec.network ? [spec.network, 'dinov2'] : ['dinov2'], name);
      const global = await createDinov2({ weights: weights.dinov2 });
      try {
        return new ComboExtractor(name, spec.description, await spec.local.create({ weights: spec.network && weights[spec.network] }), global);
      } catch (error) {
        global.dispose();
        throw error;
      }
    },
  };
}

export const comboDinoVggEntry = comboEntry('combo_dino_vgg');
export const comboDinoGaussEntry = comboEntry('combo_dino_gauss');
export const comboDinoIlastikEntry = comboEntry('combo_dino_ilastik');
