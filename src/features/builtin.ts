/**
 * The extractors shipped with convpaint-webgpu, in the order `getFeModelsTypes()` lists them.
 * Each extractor module exports an `ExtractorEntry`; add new ones here.
 */
import type { ExtractorEntry } from './registry.js';

export function builtinExtractors(): ExtractorEntry[] {
  return [];
}
