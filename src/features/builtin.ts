/**
 * The extractors shipped with convpaint-webgpu, in the order `getFeModelsTypes()` lists them.
 * Each extractor module exports an `ExtractorEntry`; add new ones here.
 */
import { comboDinoGaussEntry, comboDinoIlastikEntry, comboDinoVggEntry } from './combo.js';
import { dinov2Entry } from './dinov2.js';
import { gaussianFeaturesEntry } from './gaussian.js';
import { ilastikEntry } from './ilastik.js';
import type { ExtractorEntry } from './extractor.js';
import { vgg16Entry } from './vgg16.js';

export function builtinExtractors(): ExtractorEntry[] {
  return [vgg16Entry, gaussianFeaturesEntry, ilastikEntry, dinov2Entry, comboDinoVggEntry, comboDinoGaussEntry, comboDinoIlastikEntry];
}
