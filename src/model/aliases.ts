/**
 * The reference's standard models (`STD_MODELS`, REFERENCE.md §3.2): alias → full `Param`.
 * `vgg-s` (named in the seed's docs, never in the reference's code) is accepted as `vgg`, and the
 * seed's `dino` as `dinov2`.
 * Aliases of extractors this version does not have give a clear "not available" error.
 */
import { ValueError } from '../errors.js';
import { getExtractorEntry } from '../features/registry.js';
import { convpaintDefaults, Param } from './param.js';

interface AliasSpec {
  feName: string;
  /** Indices into the FE's selectable layer keys (VGG). */
  layerIndices: number[] | null;
  scalings: number[];
  /** The alias's `tile_annotations` / `tile_image` when not the Convpaint defaults (global-context extractors). */
  tileAnnotations?: boolean;
  tileImage?: boolean;
}

const ALIASES: Record<string, AliasSpec> = {
  vgg: { feName: 'vgg16', layerIndices: [0], scalings: [1, 2, 4] },
  'vgg-m': { feName: 'vgg16', layerIndices: [0, 1, 2], scalings: [1, 2, 4] },
  'vgg-l': { feName: 'vgg16', layerIndices: [0, 1, 2, 3, 4], scalings: [1, 2, 4, 8] },
  gaussian: { feName: 'gaussian_features', layerIndices: null, scalings: [1] },
  ilastik: { feName: 'ilastik_2d', layerIndices: null, scalings: [1] },
  dinov2: { feName: 'dinov2_small-reg', layerIndices: null, scalings: [1], tileAnnotations: false, tileImage: false },
};

const SYNONYMS: Record<string, string> = { 'vgg-s': 'vgg', dino: 'dinov2' };

const UNAVAILABLE_ALIASES = ['cellpose', 'dinov3', 'dinov2-jafar', 'dinov3-jafar', 'dino-jafar'];

/** The aliases this version resolves (synonyms not included). */
export function aliasNames(): string[] {
  return Object.keys(ALIASES);
}

/** The full Param of an alias (a fresh copy). */
export function aliasParam(alias: string): Param {
  const name = SYNONYMS[alias] ?? alias;
  const spec = ALIASES[name];
  if (!spec) {
    if (UNAVAILABLE_ALIASES.includes(alias)) {
      throw new ValueError(`Alias "${alias}" is not available in this version of convpaint-webgpu (available: ${aliasNames().join(', ')}).`);
    }
    throw new ValueError(`Alias "${alias}" not found in the standard models (available: ${aliasNames().join(', ')}).`);
  }
  const param = convpaintDefaults();
  param.set('fe_name', spec.feName);
  param.set('fe_scalings', spec.scalings);
  if (spec.tileAnnotations !== undefined) param.set('tile_annotations', spec.tileAnnotations);
  if (spec.tileImage !== undefined) param.set('tile_image', spec.tileImage);
  if (spec.layerIndices) {
    const keys = getExtractorEntry(spec.feName).layerKeys;
    if (!keys) throw new ValueError(`extractor ${spec.feName} has no selectable layers`);
    param.set('fe_layers', spec.layerIndices.map((i) => keys[i]));
  } else {
    param.set('fe_layers', null);
  }
  return param;
}
