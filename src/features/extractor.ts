/**
 * The contract every feature extractor (FE) implements. An FE turns a batch of N images with
 * C_in channels into one or more feature maps; everything around it — channel series, the scale
 * pyramid, up-sampling back to full size, concatenation — is shared code (pyramid.ts), so an FE
 * only says what it computes at one scale.
 *
 * Both paths are required: `extractGpu` records WGSL work into a batch; `extractCpu` is the
 * plain-TypeScript reference (the test oracle and the `device: 'cpu'` fallback).
 */
import type { GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { Planar } from '../reference/planar.js';
import type { WeightsOption } from '../weights/assign.js';

/** Parameter values an FE proposes (a subset of the 19 `Param` keys, reference names). */
export interface FeParamDefaults {
  fe_name: string;
  fe_layers: Array<string | number> | null;
  fe_scalings: number[];
  fe_order: number;
  fe_use_min_features: boolean;
  tile_annotations: boolean;
  tile_image: boolean;
}

/** A feature extractor: what it needs (channels, padding, patch size), what it gives (maps per layer, their strides), and its two implementations (WGSL and CPU reference). */
export interface FeatureExtractor {
  /** Registry name, as in the reference (`vgg16`, `gaussian_features`, `ilastik_2d`). */
  readonly name: string;
  /** One human sentence for UIs (the reference's `get_fe_description`). */
  readonly description: string;
  /** Channel counts accepted in one pass (VGG: [3]; filter banks: [1]). */
  readonly inputChannels: readonly number[];
  /** The FE is an RGB network (VGG): a 3-channel input is only passed whole in `rgb` mode. */
  readonly rgbInput: boolean;
  /** `imagenet` (RGB mean/std in rgb mode) or `default` (z-score); see REFERENCE.md §4.3. */
  readonly normMode: 'default' | 'imagenet';
  /** Context each output pixel needs on every side, in input pixels (the reference's padding). */
  readonly padding: number;
  /** Cumulative stride of the deepest layer: input sizes must be multiples of it. */
  readonly patchSize: number;
  /** Maps per channel series, for each output layer in order (VGG `[64, 128]`; ilastik `[56]`). */
  readonly featuresPerLayer: readonly number[];
  /** Stride of each output layer relative to the FE input (VGG features.5 → 2; filters → 1). */
  readonly layerStrides: readonly number[];
  /** Selectable layer keys (VGG) or null when the FE has no layers. */
  readonly layerKeys: readonly string[] | null;
  /** Whether features depend on the whole image (then tiling would change results). */
  readonly hasGlobalContext: boolean;
  /**
   * The reference's implementation converts integer images to floats in [0, 1] itself
   * (scikit-image's `img_as_float`, used by the Gaussian FE); this only matters when the image is
   * not normalised (`normalize` 1 or `skipNorm`).
   */
  readonly integerInputToUnitRange?: boolean;
  /**
   * The FE gives one vector per `patchSize` patch (the reference's `gives_patched_features`:
   * the ViTs). Its single layer has stride `patchSize`; engines then classify per cell and
   * unpatch the probabilities (src/engine/patched.ts), and only `fe_scalings [1]` is allowed.
   */
  readonly patchedOutput?: boolean;
  /**
   * A combination of two extractors (combo.ts): `local` (pixel-wise, tiled as usual) and `global`
   * (patched, with global context: one grid per image), each run with its own default pyramid.
   */
  readonly combo?: { readonly local: FeatureExtractor; readonly global: FeatureExtractor };
  /**
   * Pixels of context a tile needs around its kept region when that is more than the image's
   * padding gives (a combo whose local part runs scalings > 1 on the whole image's grid, anchored.ts).
   */
  readonly tileContext?: number;

  /** The FE's parameter defaults, overlaid on the Convpaint defaults by `getFeDefaults()`. */
  defaultParams(): FeParamDefaults;

  /**
   * GPU: `input` is [N, C_in, h, w] (C_in ∈ inputChannels; h, w multiples of patchSize).
   * Returns one tensor per layer, [N, featuresPerLayer[l], h / layerStrides[l], w / …], which
   * the caller disposes. Records work only; nothing is submitted.
   */
  extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[];

  /** CPU reference with the same contract. */
  extractCpu(input: Planar): Planar[];

  /** Releases GPU resources (uploaded weights). Idempotent. */
  dispose(): void;
}

/** Total maps per channel series. */
export function featuresPerSeries(fe: FeatureExtractor): number {
  return fe.featuresPerLayer.reduce((a, b) => a + b, 0);
}

/**
 * The reference's base rule for an extractor's defaults (FeatureExtractor.get_default_params,
 * REFERENCE.md §2.2) for extractors without selectable layers: scalings [1], nearest
 * up-sampling, no min-features cut, annotation tiles unless the features have global context.
 */
export function layerlessFeDefaults(name: string, hasGlobalContext = false): FeParamDefaults {
  return {
    fe_name: name,
    fe_layers: null,
    fe_scalings: [1],
    fe_order: 0,
    fe_use_min_features: false,
    tile_annotations: !hasGlobalContext,
    tile_image: false,
  };
}

/** Options of an extractor's creation. */
export interface ExtractorOptions {
  /** Layer keys or indices into `layerKeys` (VGG); null/undefined → the FE's default layers. */
  layers?: ReadonlyArray<string | number> | null;
  /**
   * Weights for the extractor's networks (VGG16, DINOv2), overriding the installed ones: one
   * source, or a list with one file per network (weights/assign.ts).
   */
  weights?: WeightsOption;
}

/** A registry entry: what the registry knows of an extractor without creating it (name, description, layer keys, defaults), and its factory. */
export interface ExtractorEntry {
  name: string;
  description: string;
  /** Selectable layer keys, or null (known without creating the FE: no weights needed). */
  layerKeys: readonly string[] | null;
  /** The FE's parameter defaults for the given layers (no weights needed). */
  defaultParams(layers?: ReadonlyArray<string | number> | null): FeParamDefaults;
  create(options?: ExtractorOptions): Promise<FeatureExtractor>;
}
