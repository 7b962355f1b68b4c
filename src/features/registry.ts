/**
 * Feature extractors by registry name. Each extractor module exports an `ExtractorEntry` (the
 * contract in extractor.ts);
 * `BUILTIN` below lists them. Names the reference has but this version does not (DINOv3,
 * Cellpose, …) are known, so asking for them gives a clear "not available" error instead of
 * "not found".
 */
import { ValueError } from '../errors.js';
import type { ExtractorEntry, ExtractorOptions, FeatureExtractor } from './extractor.js';
import { builtinExtractors } from './builtin.js';

/** Reference FE names we know of but do not implement (yet). */
export const UNAVAILABLE_EXTRACTORS: readonly string[] = [
  'efficient_netb0',
  'convnext',
  'cellpose_backbone',
  'dinov3_small-plus',
  'dinov2_small-reg_jafar',
  'dinov3_small-plus_jafar',
  // legacy names (≤ v1.1.0)
  'dino_jafar_small',
  'vit_small_patch14_reg4_dinov2',
];

/** The reference's older names of extractors we have (≤ v1.1.0), read as today's. */
export const LEGACY_EXTRACTOR_NAMES: Readonly<Record<string, string>> = { dinov2_vits14_reg: 'dinov2_small-reg' };

let registry: Map<string, ExtractorEntry> | null = null;

function entries(): Map<string, ExtractorEntry> {
  registry ??= new Map(builtinExtractors().map((e) => [e.name, e]));
  return registry;
}

/** Registers an extra extractor (plug-ins, tests). Replacing a built-in name is refused. */
export function registerExtractor(entry: ExtractorEntry): void {
  const map = entries();
  if (map.has(entry.name)) throw new ValueError(`a feature extractor named "${entry.name}" is already registered`);
  map.set(entry.name, entry);
}

/** Registered extractor names, in registration order. */
export function extractorNames(): string[] {
  return [...entries().keys()];
}

/** The registry entry of an extractor name; unknown names, and the reference's names this version lacks, are a `ValueError` saying which. */
export function getExtractorEntry(name: string): ExtractorEntry {
  const entry = entries().get(LEGACY_EXTRACTOR_NAMES[name] ?? name);
  if (entry) return entry;
  if (UNAVAILABLE_EXTRACTORS.includes(name)) {
    throw new ValueError(
      `Feature extractor model ${name} is not available in this version of convpaint-webgpu ` +
        `(available: ${extractorNames().join(', ')}).`,
    );
  }
  throw new ValueError(`Feature extractor model ${name} not found. Available: ${extractorNames().join(', ')}.`);
}

/** A new extractor by registry name (VGG reads its weights here: installed ImageNet weights, or `options.weights`). */
export async function createExtractor(name: string, options: ExtractorOptions = {}): Promise<FeatureExtractor> {
  return getExtractorEntry(name).create(options);
}
