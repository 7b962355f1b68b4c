/**
 * Creating a model: from exactly one source (alias, model file, bundle bytes, Param, or an
 * extractor name with overrides) to its parameters, extractor and engine. The reference's rules
 * (REFERENCE.md §1.1): an alias, a Param or an extractor name start from the extractor's
 * defaults; a `.yml` fills missing keys from the Convpaint defaults only; a bundle is taken as
 * saved.
 */
import { ConvpaintError, GpuUnavailableError, ValueError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import { CpuEngine } from '../engine/cpu-engine.js';
import { GpuEngine } from '../engine/gpu-engine.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { createExtractor, getExtractorEntry } from '../features/registry.js';
import { GpuContext } from '../gpu/context.js';
import { readFileBytes } from '../io/read-file.js';
import { aliasParam } from './aliases.js';
import { readBundle } from './bundle.js';
import type { BundleContents } from './bundle.js';
import { convpaintDefaults, Param } from './param.js';
import { paramFromYaml } from './param-yaml.js';
import { feDefaults, settingsOf } from './settings.js';
import type { CreateOptions, ModelSource } from './types.js';

/** The largest tile budget chosen by default: bigger tiles gain nothing and hold memory. */
export const MAX_DEFAULT_TILE_BUDGET = 512 * 2 ** 20;

/** Tile features kept between calls unless `featureCacheBytes` says otherwise. */
export const DEFAULT_FEATURE_CACHE = 256 * 2 ** 20;

function featureCacheBytes(options: CreateOptions): number {
  const bytes = options.featureCacheBytes ?? DEFAULT_FEATURE_CACHE;
  if (!Number.isFinite(bytes) || bytes < 0) throw new ValueError(`featureCacheBytes must be a number of bytes ≥ 0, got ${bytes}`);
  return bytes;
}

/** The reference's `get_default_params()`: the Convpaint defaults with vgg16's first layer. */
export function defaultParams(): Param {
  const p = convpaintDefaults();
  try {
    const keys = getExtractorEntry('vgg16').layerKeys;
    if (keys) p.set('fe_layers', [keys[0]]);
  } catch {
    // vgg16 not registered (a build without it): fe_layers stays null.
  }
  return p;
}

const PKL_REFUSAL =
  'is a Python pickle written by napari-convpaint: it holds a CatBoost/scikit-learn object that cannot be read outside Python. ' +
  'Load its parameters instead (save it from the Python tool with create_yml=True and pass the .yml), then train again here; or use a .safetensors bundle saved by convpaint-webgpu.';

/** What a source gives before the extractor exists: starting parameters and, for bundles, the trained state. */
interface ResolvedSource {
  start: Param;
  /** Whether the extractor's defaults fill the keys the source leaves open. */
  overlayFeDefaults: boolean;
  loaded: BundleContents | null;
}

async function resolveSource(source: ModelSource): Promise<ResolvedSource> {
  const { alias, modelPath, bundle, param, feName, ...overrides } = source;
  const given = [alias, modelPath, bundle, param, feName].filter((v) => v !== undefined).length;
  if (given > 1) {
    throw new ValueError('Please provide either an alias, a model path, a bundle, a param object, or a feature extractor name (with overrides), but not multiples.');
  }
  const extra = Object.keys(overrides).filter((k) => overrides[k] !== undefined);
  if (extra.length > 0 && feName === undefined) {
    throw new ValueError(`Providing parameter overrides (${extra.join(', ')}) is only intended together with feName.`);
  }
  if (alias !== undefined) return { start: aliasParam(alias), overlayFeDefaults: true, loaded: null };
  if (bundle !== undefined) {
    const loaded = readBundle(bundle, 'bundle');
    return { start: loaded.param, overlayFeDefaults: false, loaded };
  }
  if (param !== undefined) return { start: param instanceof Param ? param.copy() : new Param(param as Record<string, unknown>), overlayFeDefaults: true, loaded: null };
  if (feName !== undefined) return { start: new Param({ ...overrides, fe_name: feName } as Record<string, unknown>), overlayFeDefaults: true, loaded: null };
  if (modelPath === undefined) return { start: defaultParams(), overlayFeDefaults: true, loaded: null };

  const lower = modelPath.toLowerCase();
  if (lower.endsWith('.pkl')) throw new ValueError(`${modelPath} ${PKL_REFUSAL}`);
  if (!lower.endsWith('.yml') && !lower.endsWith('.safetensors')) {
    throw new ValueError(`Model path must end with ".yml" (parameters), ".safetensors" (a convpaint-webgpu bundle) or ".pkl" (not readable here); got ${modelPath}`);
  }
  const bytes = await readFileBytes(modelPath, 'model file');
  if (lower.endsWith('.safetensors')) {
    const loaded = readBundle(bytes, modelPath);
    return { start: loaded.param, overlayFeDefaults: false, loaded };
  }
  const fromFile = paramFromYaml(new TextDecoder().decode(bytes), modelPath);
  // As the reference's loader: missing keys come from the Convpaint defaults, not the FE's.
  const start = defaultParams();
  for (const [k, v] of fromFile) if (v !== null) start.set(k, v as never);
  return { start, overlayFeDefaults: false, loaded: null };
}

/** Parameters and extractor of a source. */
export async function modelFromSource(source: ModelSource, options: CreateOptions): Promise<{ param: Param; fe: FeatureExtractor; loaded: BundleContents | null }> {
  const { start, overlayFeDefaults, loaded } = await resolveSource(source);
  const fe = await createExtractor(settingsOf(start).feName, { layers: start.fe_layers, weights: options.weights });
  let param = start;
  if (overlayFeDefaults) {
    param = feDefaults(fe);
    for (const [k, v] of start) if (v !== null && k !== 'channel_mode') param.set(k, v as never);
    if (start.channel_mode !== null) param.set('channel_mode', start.channel_mode);
  }
  if (param.fe_layers === null && fe.layerKeys) param.set('fe_layers', fe.defaultParams().fe_layers);
  return { param, fe, loaded };
}

/** The tile budget a model on `ctx` uses unless told otherwise: the device's largest binding, at most 512 MiB. */
export function defaultTileBudget(ctx: GpuContext): number {
  return Math.min(ctx.pool.maxBufferBytes, MAX_DEFAULT_TILE_BUDGET);
}

/** The tile budget on a context: the caller's (never above the device's limit), else the default. */
function tileBudget(ctx: GpuContext, requested: number | undefined): number {
  const limit = ctx.pool.maxBufferBytes;
  if (requested === undefined) return defaultTileBudget(ctx);
  if (!Number.isFinite(requested) || requested < 2 ** 16) throw new ValueError(`tileBudgetBytes must be at least 65536 bytes, got ${requested}`);
  return Math.min(limit, requested);
}

/** The engine for the requested device, and whether the model owns the context it made. */
export async function chooseEngine(options: CreateOptions, warn: (message: string) => void): Promise<{ ctx: GpuContext | null; owns: boolean; engine: Engine; tileBudgetBytes: number | null }> {
  const device = options.device ?? 'auto';
  const cache = featureCacheBytes(options);
  if (device === 'cpu') return { ctx: null, owns: false, engine: new CpuEngine(cache), tileBudgetBytes: null };
  const onContext = (ctx: GpuContext, owns: boolean) => {
    const budget = tileBudget(ctx, options.tileBudgetBytes);
    return { ctx, owns, engine: new GpuEngine(ctx, budget, cache), tileBudgetBytes: budget };
  };
  if (device instanceof GpuContext) return onContext(device, false);
  if (typeof device === 'object') return onContext(GpuContext.fromDevice(device), true);
  try {
    return onContext(await GpuContext.create(), true);
  } catch (error) {
    if (device === 'webgpu' || !(error instanceof GpuUnavailableError)) throw error;
    warn(`${(error as ConvpaintError).message} — using the CPU reference (slow).`);
    return { ctx: null, owns: false, engine: new CpuEngine(cache), tileBudgetBytes: null };
  }
}
