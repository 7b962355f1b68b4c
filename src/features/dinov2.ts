/**
 * The DINOv2 extractor (`dinov2_small-reg`, alias `dinov2`; `dino` and the legacy FE name
 * `dinov2_vits14_reg` are accepted): the ViT-S/14 with 4 register tokens from the DINOv2 hub,
 * giving the 384 normalised patch tokens of each 14×14 patch (`x_norm_patchtokens`).
 *
 * As in the reference: 3 input channels (grey is copied ×3), ImageNet normalisation in `rgb`
 * mode (z-score otherwise), no padding but the bottom/right reflect to a multiple of 14, global
 * context (the whole plane goes through the transformer at once; annotation and image tiling are
 * off by default), patched output (classified per patch, then unpatched: src/engine/patched.ts)
 * and only `fe_scalings [1]` (enforced). The GPU path is dinov2-backbone-gpu.ts, the CPU
 * reference dinov2-backbone-cpu.ts.
 */
import { ShapeError, ValueError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { GpuTensor } from '../gpu/tensor.js';
import type { Planar } from '../reference/planar.js';
import { readDinov2Weights, DINOV2_SMALL } from '../weights/dinov2-weights.js';
import type { Dinov2Params } from '../weights/dinov2-weights.js';
import { assignWeights } from '../weights/assign.js';
import { DINOV2_WEIGHTS, resolveWeightsBytes } from '../weights/source.js';
import { dinov2PatchTokensCpu } from './dinov2-backbone-cpu.js';
import { dinov2PatchTokensGpu, uploadDinov2 } from './dinov2-backbone-gpu.js';
import type { Dinov2GpuWeights } from './dinov2-backbone-gpu.js';
import { layerlessFeDefaults } from './extractor.js';
import type { ExtractorEntry, ExtractorOptions, FeatureExtractor, FeParamDefaults } from './extractor.js';

export const DINOV2_NAME = 'dinov2_small-reg';

const DESCRIPTION = 'DINOv2 ViT-S/14 with registers: 384 self-supervised transformer features per 14×14 patch, with global context.';

/**
 * Tokens (5 + patches) the transformer may take in one image. Attention is global, and the
 * reference runs the whole image at once; beyond this many patches the activations alone
 * (≈ 1536 floats per token per matmul) and the quadratic attention exceed what a browser-class
 * device binds, so larger images are a clear error asking for `image_downsample` rather than a
 * tiling the reference does not do. 128² patches is a 1792² image.
 */
export const DINOV2_MAX_PATCHES = 128 * 128;

export class Dinov2Extractor implements FeatureExtractor {
  readonly name = DINOV2_NAME;
  readonly description = DESCRIPTION;
  readonly inputChannels: readonly number[] = [3];
  readonly rgbInput = true;
  readonly normMode = 'imagenet' as const;
  readonly padding = 0;
  readonly patchSize = DINOV2_SMALL.patch;
  readonly featuresPerLayer: readonly number[] = [DINOV2_SMALL.dim];
  readonly layerStrides: readonly number[] = [DINOV2_SMALL.patch];
  readonly layerKeys = null;
  readonly hasGlobalContext = true;
  readonly patchedOutput = true;

  private readonly uploaded = new Map<BatchHost, Dinov2GpuWeights>();
  private disposed = false;

  /** Use `dinov2Entry.create()` (it loads the weights); this takes already-validated parameters. */
  constructor(private readonly params: Dinov2Params) {}

  defaultParams(): FeParamDefaults {
    return layerlessFeDefaults(DINOV2_NAME, true);
  }

  private checkInput(shape: readonly number[]): void {
    if (this.disposed) throw new ValueError('dinov2: the extractor was disposed');
    if (shape.length !== 4 || shape[1] !== 3) throw new ShapeError(`dinov2: input must be [N, 3, h, w], got [${shape.join(',')}]`);
    const [, , h, w] = shape;
    const p = DINOV2_SMALL.patch;
    if (h % p !== 0 || w % p !== 0 || h < p || w < p) throw new ShapeError(`dinov2: input ${h}×${w} must be a non-empty multiple of the patch size ${p}`);
    if ((h / p) * (w / p) > DINOV2_MAX_PATCHES) {
      throw new ShapeError(
        `dinov2: a ${h}×${w} image is ${(h / p) * (w / p)} patches, more than the ${DINOV2_MAX_PATCHES} this version runs through global attention at once; ` +
          'use image_downsample (e.g. 2) or a smaller image',
      );
    }
  }

  private weightsOn(ctx: BatchHost): Dinov2GpuWeights {
    let w = this.uploaded.get(ctx);
    if (!w) {
      w = uploadDinov2(ctx, this.params);
      this.uploaded.set(ctx, w);
    }
    return w;
  }

  extractGpu(batch: GpuBatch, input: GpuTensor): GpuTensor[] {
    this.checkInput(input.shape);
    return [dinov2PatchTokensGpu(batch, this.weightsOn(batch.ctx), input)];
  }

  extractCpu(input: Planar): Planar[] {
    this.checkInput(input.shape);
    return [dinov2PatchTokensCpu(this.params, input)];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.uploaded.values()) w.dispose();
    this.uploaded.clear();
  }
}

/** Loads and validates the weights (installed, a path, or bytes) and builds the extractor. */
export async function createDinov2(options: ExtractorOptions = {}): Promise<Dinov2Extractor> {
  if (options.layers && options.layers.length > 0) throw new ValueError(`${DINOV2_NAME} has no selectable layers, got fe_layers [${options.layers.join(', ')}]`);
  const { dinov2: weights } = await assignWeights(options.weights, ['dinov2'], DINOV2_NAME);
  const { bytes, source } = await resolveWeightsBytes(weights, DINOV2_WEIGHTS);
  return new Dinov2Extractor(readDinov2Weights(bytes, source));
}

export const dinov2Entry: ExtractorEntry = {
  name: DINOV2_NAME,
  description: DESCRIPTION,
  layerKeys: null,
  defaultParams: () => layerlessFeDefaults(DINOV2_NAME, true),
  create: createDinov2,
};
