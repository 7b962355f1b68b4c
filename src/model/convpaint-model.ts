/**
 * ConvpaintModel: the class users meet. It mirrors the reference's `ConvpaintModel` method for
 * method (camelCase names, snake_case parameter keys) — see DESIGN.md "The API" and
 * REFERENCE.md §1 — on top of a feature extractor, a tree-ensemble classifier and an engine
 * (WebGPU or the CPU reference).
 *
 * Images are `{ data: TypedArray, shape: number[] }` in numpy order: [H,W], [C|Z,H,W] (read by
 * `channel_mode`) or [C,Z,H,W]. Annotations are integer labels [H,W] or [Z,H,W]; 0 = unlabelled.
 */
import type { TreeEnsemble } from '../classifiers/forest.js';
import { trainGbdt } from '../classifiers/gbdt.js';
import { trainRandomForest } from '../classifiers/random-forest.js';
import { sortRowsLexicographic } from '../classifiers/rows.js';
import { ConvpaintError, DisposedError, GpuUnavailableError, ValueError } from '../errors.js';
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import { totalFeatures } from '../features/plan.js';
import { createExtractor, extractorNames, getExtractorEntry } from '../features/registry.js';
import type { WeightsSource } from '../features/registry.js';
import { GpuContext } from '../gpu/context.js';
import { aliasParam } from './aliases.js';
import { readBundle, writeBundle } from './bundle.js';
import { CpuEngine } from './cpu-engine.js';
import type { Engine, ProgressSink } from './engine.js';
import { GpuEngine } from './gpu-engine.js';
import { MemoryTable } from './memory.js';
import { convpaintDefaults, FE_KEYS, Param, PARAM_KEYS } from './param.js';
import type { ParamKey, ParamValues } from './param.js';
import { paramFromYaml, paramToYaml } from './param-yaml.js';
import { outputSpatialShape, prepareImages, prepareLabels } from './prepare.js';
import type { PreparedInput } from './prepare.js';

/** Where a model comes from: exactly one of these (none → the default model). */
export interface ModelSource {
  alias?: string;
  /** A `.yml` parameter file, a `.safetensors` model bundle (Node), or a `.pkl` (refused). */
  modelPath?: string;
  /** Bundle bytes (browsers, or files read elsewhere). */
  bundle?: Uint8Array;
  param?: Param | Partial<ParamValues>;
  /** An extractor name, with parameter overrides as further keys (`fe_layers`, `fe_scalings`, …). */
  feName?: string;
  [override: string]: unknown;
}

export type DeviceChoice = 'auto' | 'webgpu' | 'cpu' | GPUDevice | GpuContext;

export interface ProgressEvent {
  stage: string;
  done: number;
  total: number;
}

export interface CreateOptions {
  /** `auto` (default): WebGPU when an adapter exists, else the CPU reference with a warning. */
  device?: DeviceChoice;
  /** VGG weights (safetensors path or bytes) instead of the installed ImageNet weights. */
  weights?: WeightsSource;
  onProgress?: (event: ProgressEvent) => void;
  /** Where warnings go (default: console.warn). */
  onWarning?: (message: string) => void;
}

export interface TrainOptions {
  memoryMode?: boolean;
  /** Image id (memory mode): a string for one image, a list for a list. */
  imgIds?: string | string[];
  useRf?: boolean;
  inChannels?: number[];
  skipNorm?: boolean;
}

export interface PredictCallOptions {
  inChannels?: number[];
  skipNorm?: boolean;
}

export interface LabelImage {
  data: Uint8Array | Uint16Array | Int32Array;
  shape: number[];
}

export interface FloatImage {
  data: Float32Array;
  shape: number[];
}

/** Training rows: features `[n, F]` of labelled pixels and their labels. */
export interface TrainingRowsResult {
  features: FloatImage;
  targets: Int32Array;
}

type ImageInput = { data: ArrayLike<number>; shape: number[] } | Array<{ data: ArrayLike<number>; shape: number[] }>;

/** Budget for one tile's GPU buffers; keeps every binding under the device's limits. */
function gpuBudget(ctx: GpuContext): number {
  return Math.min(ctx.pool.maxBufferBytes, 512 * 2 ** 20);
}

export class ConvpaintModel {
  private param: Param;
  private fe: FeatureExtractor;
  private engine: Engine;
  private readonly ctx: GpuContext | null;
  private readonly ownsCtx: boolean;
  private readonly options: CreateOptions;
  private feStale = false;
  private disposed = false;
  private readonly memory = new MemoryTable();
  private model: TreeEnsemble | null = null;
  /** Feature count the classifier was trained with. */
  numFeatures = 0;
  /** Completed training calls. */
  numTrainings = 0;

  private constructor(param: Param, fe: FeatureExtractor, engine: Engine, ctx: GpuContext | null, ownsCtx: boolean, options: CreateOptions) {
    this.param = param;
    this.fe = fe;
    this.engine = engine;
    this.ctx = ctx;
    this.ownsCtx = ownsCtx;
    this.options = options;
  }

  // ---------------------------------------------------------------- creation

  /**
   * Creates a model from an alias, a model file or bundle, a Param, or an extractor name with
   * overrides — exactly one (none gives the default model, `vgg` on ImageNet weights).
   */
  static async create(source: ModelSource = {}, options: CreateOptions = {}): Promise<ConvpaintModel> {
    const { alias, modelPath, bundle, param, feName, ...overrides } = source;
    const given = [alias, modelPath, bundle, param, feName].filter((v) => v !== undefined).length;
    if (given > 1) {
      throw new ValueError('Please provide either an alias, a model path, a bundle, a param object, or a feature extractor name (with overrides), but not multiples.');
    }
    const extra = Object.keys(overrides).filter((k) => overrides[k] !== undefined);
    if (extra.length > 0 && feName === undefined) {
      throw new ValueError(`Providing parameter overrides (${extra.join(', ')}) is only intended together with feName.`);
    }
    let loaded: Awaited<ReturnType<typeof readBundle>> | null = null;
    let start: Param;
    let overlayFeDefaults = true;
    if (alias !== undefined) {
      start = aliasParam(alias);
    } else if (modelPath !== undefined) {
      const lower = modelPath.toLowerCase();
      if (lower.endsWith('.pkl')) {
        throw new ValueError(
          `${modelPath} is a Python pickle written by napari-convpaint: it holds a CatBoost/scikit-learn object that cannot be read outside Python. ` +
            'Load its parameters instead (save it from the Python tool with create_yml=True and pass the .yml), then train again here; or use a .safetensors bundle saved by convpaint-webgpu.',
        );
      }
      if (lower.endsWith('.yml')) {
        const { readFile } = await import('node:fs/promises');
        const fromFile = paramFromYaml(await readFile(modelPath, 'utf8'), modelPath);
        // As the reference's loader: missing keys come from the Convpaint defaults, not the FE's.
        start = ConvpaintModel.getDefaultParams();
        for (const [k, v] of fromFile) if (v !== null) start.set(k, v as never);
        overlayFeDefaults = false;
      } else if (lower.endsWith('.safetensors')) {
        const { readFile } = await import('node:fs/promises');
        loaded = readBundle(new Uint8Array(await readFile(modelPath)), modelPath);
        start = loaded.param;
        overlayFeDefaults = false;
      } else {
        throw new ValueError(`Model path must end with ".yml" (parameters), ".safetensors" (a convpaint-webgpu bundle) or ".pkl" (not readable here); got ${modelPath}`);
      }
    } else if (bundle !== undefined) {
      loaded = readBundle(bundle, 'bundle');
      start = loaded.param;
      overlayFeDefaults = false;
    } else if (param !== undefined) {
      start = param instanceof Param ? param.copy() : new Param(param as Record<string, unknown>);
    } else if (feName !== undefined) {
      start = new Param({ ...overrides, fe_name: feName } as Record<string, unknown>);
    } else {
      start = ConvpaintModel.getDefaultParams();
    }

    const feNameToUse = start.fe_name ?? 'vgg16';
    const fe = await createExtractor(feNameToUse, { layers: start.fe_layers, weights: options.weights });
    let finalParam: Param;
    if (overlayFeDefaults) {
      finalParam = feDefaults(fe);
      for (const [k, v] of start) if (v !== null && k !== 'channel_mode') finalParam.set(k, v as never);
      if (start.channel_mode !== null) finalParam.set('channel_mode', start.channel_mode);
    } else {
      finalParam = start;
    }
    if (finalParam.fe_layers === null && fe.layerKeys) finalParam.set('fe_layers', fe.defaultParams().fe_layers);

    const { ctx, owns, engine } = await chooseEngine(options);
    const model = new ConvpaintModel(finalParam, fe, engine, ctx, owns, options);
    if (loaded) {
      model.model = loaded.classifier;
      model.numFeatures = loaded.numFeatures;
      model.numTrainings = loaded.numTrainings;
      if (loaded.memory) {
        for (const [k, v] of loaded.memory.rows) model.memory.rows.set(k, v);
        for (const [k, v] of loaded.memory.annotations) model.memory.annotations.set(k, v);
        model.memory.nFeatures = loaded.memory.nFeatures;
      }
    }
    return model;
  }

  /** Registered extractor names (the reference's `get_fe_models_types`, names only). */
  static getFeModelsTypes(): string[] {
    return extractorNames();
  }

  /** The Convpaint defaults: vgg16 `features.0`, scalings [1,2,4], CatBoost 100 / 0.1 / 5. */
  static getDefaultParams(): Param {
    const p = convpaintDefaults();
    try {
      const keys = getExtractorEntry('vgg16').layerKeys;
      if (keys) p.set('fe_layers', [keys[0]]);
    } catch {
      // vgg16 not registered (a build without it): fe_layers stays null.
    }
    return p;
  }

  /** A new feature extractor, not attached to any model. */
  static async createFe(name: string, layers?: Array<string | number> | null, options: { weights?: WeightsSource } = {}): Promise<FeatureExtractor> {
    return createExtractor(name, { layers, weights: options.weights });
  }

  // ---------------------------------------------------------------- parameters

  getParam<K extends ParamKey>(key: K): ParamValues[K] {
    return this.param.get(key);
  }

  /** A copy of all parameters. */
  getParams(): Param {
    return this.param.copy();
  }

  /**
   * Sets one parameter (validated: invalid values throw). As the reference does, changing an
   * extractor-defining key while a classifier exists, or `fe_name` / `fe_layers` at all, is refused
   * with a warning unless `ignoreWarnings` — and then the extractor is rebuilt before the next
   * use and the classifier discarded, so features and parameters never disagree.
   */
  setParam<K extends ParamKey>(key: K, value: ParamValues[K], ignoreWarnings = false): void {
    this.assertAlive();
    if (!PARAM_KEYS.includes(key)) throw new ValueError(`unknown parameter "${String(key)}"; the parameters are: ${PARAM_KEYS.join(', ')}`);
    const current = JSON.stringify(this.param.get(key));
    if (current === JSON.stringify(value)) return;
    if (FE_KEYS.includes(key) && this.model && !ignoreWarnings) {
      this.warn(`Parameter ${key} defines the features the classifier was trained on; reset the classifier first (resetClassifier()) or pass ignoreWarnings. Not changed.`);
      return;
    }
    if ((key === 'fe_name' || key === 'fe_layers') && !ignoreWarnings) {
      this.warn(`Changing ${key} changes the feature extractor: create a new ConvpaintModel (or pass ignoreWarnings to rebuild this one). Not changed.`);
      return;
    }
    this.param.set(key, value);
    if (key === 'fe_name' || key === 'fe_layers') this.feStale = true;
    if (FE_KEYS.includes(key) && this.model) this.resetClassifier();
  }

  /** Sets several parameters from a Param or an object; null/undefined values are skipped. */
  setParams(values: Param | Partial<ParamValues>, ignoreWarnings = false): void {
    const entries = values instanceof Param ? [...values] : Object.entries(values);
    for (const [k, v] of entries) if (v !== null && v !== undefined) this.setParam(k as ParamKey, v as never, ignoreWarnings);
  }

  /** Convpaint defaults overlaid with the current extractor's defaults. */
  getFeDefaults(): Param {
    return feDefaults(this.fe);
  }

  /** Selectable layer keys of the extractor (VGG), or null. */
  getFeLayerKeys(): string[] | null {
    return this.fe.layerKeys ? [...this.fe.layerKeys] : null;
  }

  /** The device features are computed on. */
  get device(): 'webgpu' | 'cpu' {
    return this.engine.kind;
  }

  /** The trained classifier, or null. */
  get classifier(): TreeEnsemble | null {
    return this.model;
  }

  /** Class values of the trained classifier (ascending), or null. */
  get classes(): number[] | null {
    return this.model ? Array.from(this.model.classes) : null;
  }

  // ---------------------------------------------------------------- training

  /**
   * Trains the classifier on the annotated pixels of one image or a list of images. Returns the
   * classifier. With `memoryMode`, only pixels whose label changed since the last call with the
   * same image id are extracted, and the classifier trains on everything remembered.
   */
  async train(image: ImageInput, annotations: ImageInput, options: TrainOptions = {}): Promise<TreeEnsemble> {
    this.assertAlive();
    await this.refreshFe();
    const input = this.prepare(image, options);
    const warnings: string[] = [];
    const labels = prepareLabels(annotations, input, this.param.image_downsample ?? 1, warnings);
    warnings.forEach((w) => this.warn(w));
    const ids = this.imageIds(input, options);
    const pyramid = this.pyramid(input);
    const nFeatures = totalFeatures(this.fe, input.images[0].shape[0], pyramid);
    const progress = this.progress('features');

    let x: Float32Array;
    let y: Int32Array;
    if (options.memoryMode) {
      if (this.memory.size > 0 && this.memory.nFeatures !== nFeatures) {
        throw new ValueError(`memory mode: the remembered rows have ${this.memory.nFeatures} features but the current settings give ${nFeatures}; call resetTraining() after changing the extractor or channels`);
      }
      let fresh = 0;
      for (const [i, img] of input.images.entries()) {
        const key = MemoryTable.imageKey(ids[i], this.param.image_downsample ?? 1);
        const changed = this.memory.changes(key, labels[i]);
        if (!changed.data.some((v) => v > 0)) continue;
        const rows = await this.engine.trainingRows(this.fe, img, changed, pyramid, this.param.tile_annotations ?? true, progress);
        this.memory.add(key, rows.x, rows.y, rows.coords, rows.nFeatures);
        fresh += rows.y.length;
      }
      if (fresh === 0) this.warn('No new annotations. Train with existing features.');
      ({ x, y } = this.memory.toArrays());
    } else {
      const parts = [];
      for (const [i, img] of input.images.entries()) {
        if (!labels[i].data.some((v) => v > 0)) continue;
        parts.push(await this.engine.trainingRows(this.fe, img, labels[i], pyramid, this.param.tile_annotations ?? true, progress));
      }
      const n = parts.reduce((a, p) => a + p.y.length, 0);
      x = new Float32Array(n * nFeatures);
      y = new Int32Array(n);
      let at = 0;
      for (const p of parts) {
        x.set(p.x, at * nFeatures);
        y.set(p.y, at);
        at += p.y.length;
      }
    }
    if (y.length === 0) throw new ValueError('No features or targets found: the annotations hold no labelled pixels (0 = unlabelled, classes are 1, 2, …).');
    const distinct = new Set(y);
    if (distinct.size < 2) throw new ValueError(`Not enough classes found in the targets: only class ${[...distinct][0]} is annotated; at least two classes are needed.`);

    const sorted = sortRowsLexicographic(x, y, nFeatures);
    const report = this.progress('train');
    const useRf = options.useRf ?? false;
    this.model = useRf
      ? trainRandomForest(sorted.x, sorted.y, nFeatures, { nEstimators: 100, seed: 0, onProgress: (p) => report(p.stage, p.done, p.total) })
      : trainGbdt(sorted.x, sorted.y, nFeatures, {
          iterations: this.param.clf_iterations ?? 100,
          learningRate: this.param.clf_learning_rate ?? 0.1,
          depth: this.param.clf_depth ?? 5,
          seed: 0,
          onProgress: (p) => report(p.stage, p.done, p.total),
        });
    this.param.set('classifier', useRf ? 'RandomForest' : 'CatBoost');
    this.numFeatures = nFeatures;
    this.numTrainings++;
    return this.model;
  }

  // ---------------------------------------------------------------- prediction

  /** Labels (class values) with the input's shape minus channels; a list for a list. */
  async segment(image: ImageInput, options: PredictCallOptions = {}): Promise<LabelImage | LabelImage[]> {
    const results = await this.runPrediction(image, options, false, true);
    const classes = this.model!.classes;
    const maxClass = Math.max(...classes);
    const out = results.map(({ classIndex, shape }) => {
      const n = classIndex!.length;
      const data = maxClass <= 255 ? new Uint8Array(n) : maxClass <= 65535 ? new Uint16Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) data[i] = classes[classIndex![i]];
      return { data, shape };
    });
    return Array.isArray(image) ? out : out[0];
  }

  /** Class probabilities [K, ...spatial], classes in ascending class value order. */
  async predictProbas(image: ImageInput, options: PredictCallOptions = {}): Promise<FloatImage | FloatImage[]> {
    const results = await this.runPrediction(image, options, true, false);
    const k = this.model!.classes.length;
    const out = results.map(({ probas, shape }) => ({ data: probas!, shape: [k, ...shape] }));
    return Array.isArray(image) ? out : out[0];
  }

  /** Features [F, ...spatial] of the whole image, restored to its size. */
  async getFeatureImage(image: ImageInput, options?: PredictCallOptions): Promise<FloatImage | FloatImage[]>;
  /**
   * The seed API's annotated form: with `annotations`, the training rows instead — features of
   * every labelled pixel `[n, F]` (rows in image order, pixels in raster order per tile) and
   * their labels, exactly what `train` would fit on (after `image_downsample`).
   */
  async getFeatureImage(image: ImageInput, options: PredictCallOptions & { annotations: ImageInput }): Promise<TrainingRowsResult>;
  async getFeatureImage(image: ImageInput, options: PredictCallOptions & { annotations?: ImageInput } = {}): Promise<FloatImage | FloatImage[] | TrainingRowsResult> {
    this.assertAlive();
    await this.refreshFe();
    const input = this.prepare(image, options);
    const pyramid = this.pyramid(input);
    if (options.annotations !== undefined) {
      const warnings: string[] = [];
      const labels = prepareLabels(options.annotations, input, this.param.image_downsample ?? 1, warnings);
      warnings.forEach((w) => this.warn(w));
      const f = totalFeatures(this.fe, input.images[0].shape[0], pyramid);
      const xs: Float32Array[] = [];
      const ys: Int32Array[] = [];
      for (const [i, img] of input.images.entries()) {
        const rows = await this.engine.trainingRows(this.fe, img, labels[i], pyramid, this.param.tile_annotations ?? true, this.progress('features'));
        xs.push(rows.x);
        ys.push(rows.y);
      }
      const n = ys.reduce((a, y) => a + y.length, 0);
      const data = new Float32Array(n * f);
      const targets = new Int32Array(n);
      let at = 0;
      xs.forEach((x, i) => {
        data.set(x, at * f);
        targets.set(ys[i], at);
        at += ys[i].length;
      });
      return { features: { data, shape: [n, f] }, targets };
    }
    const out: FloatImage[] = [];
    for (const [i, img] of input.images.entries()) {
      const [c, z, h, w] = img.shape;
      let data = await this.engine.featureImage(this.fe, img, pyramid, this.param.tile_image ?? false, this.progress('features'));
      const f = totalFeatures(this.fe, c, pyramid);
      const [oz, oh, ow] = input.originalSizes[i];
      if (oh !== h || ow !== w) data = (await import('../reference/resample.js')).upsampleBilinear({ data, shape: [f * z, h, w] }, oh, ow).data;
      out.push({ data, shape: [f, ...outputSpatialShape(input.ndim, input.channelMode, [oz, oh, ow])] });
    }
    return Array.isArray(image) ? out : out[0];
  }

  private async runPrediction(image: ImageInput, options: PredictCallOptions, wantProbas: boolean, wantLabels: boolean) {
    this.assertAlive();
    if (!this.model) throw new ValueError('No trained classifier found. Train the model first (train()) or load a trained bundle.');
    await this.refreshFe();
    const input = this.prepare(image, options);
    const pyramid = this.pyramid(input);
    const f = totalFeatures(this.fe, input.images[0].shape[0], pyramid);
    if (f !== this.numFeatures) {
      throw new ValueError(`Extracted features (${f}) have a different length than the classifier expects (${this.numFeatures}): the image's channels or the extractor settings differ from training.`);
    }
    const results = [];
    for (const [i, img] of input.images.entries()) {
      const [oz, oh, ow] = input.originalSizes[i];
      const pred = await this.engine.predict(this.fe, this.model, img, pyramid, {
        tileImage: this.param.tile_image ?? false,
        smoothing: this.param.seg_smoothening ?? 1,
        outputSize: [oh, ow],
        wantProbas,
        wantLabels,
      }, this.progress('predict'));
      results.push({ ...pred, shape: outputSpatialShape(input.ndim, input.channelMode, [oz, oh, ow]) });
    }
    return results;
  }

  // ---------------------------------------------------------------- state

  /** Forgets the classifier and the memory-mode table. */
  resetClassifier(): void {
    this.model = null;
    this.numFeatures = 0;
    this.param.set('classifier', null);
    this.memory.clear();
  }

  /** Forgets the memory-mode table and annotations (the classifier stays). */
  resetTraining(): void {
    this.memory.clear();
    this.numTrainings = 0;
  }

  /** Rows remembered in memory mode. */
  get memoryRows(): number {
    return this.memory.size;
  }

  /** The bundle bytes (what `save` writes as `.safetensors`). */
  toBundle(): Uint8Array {
    return writeBundle({ param: this.param, classifier: this.model, numFeatures: this.numFeatures, numTrainings: this.numTrainings, memory: this.memory });
  }

  /** The parameters as the reference's YAML. */
  toYaml(): string {
    return paramToYaml(this.param);
  }

  /**
   * Writes `<path>.yml` (parameters, readable by the Python tool) and/or `<path>.safetensors`
   * (the trained model). A trailing `.yml`, `.pkl` or `.safetensors` is stripped first. Each file
   * is written to a temporary name and renamed, so an existing file is never half-written.
   */
  async save(path: string, options: { bundle?: boolean; yml?: boolean } = {}): Promise<string[]> {
    this.assertAlive();
    const base = path.replace(/\.(yml|pkl|safetensors)$/, '');
    if (!this.model) this.warn('Saving a model without a trained classifier.');
    const { writeFileAtomic } = await import('../io/atomic-write.js');
    const written: string[] = [];
    if (options.yml ?? true) {
      await writeFileAtomic(`${base}.yml`, new TextEncoder().encode(this.toYaml()));
      written.push(`${base}.yml`);
    }
    if (options.bundle ?? true) {
      await writeFileAtomic(`${base}.safetensors`, this.toBundle());
      written.push(`${base}.safetensors`);
    }
    return written;
  }

  /** Releases GPU resources (and the device, if the model created it). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fe.dispose();
    this.engine.dispose();
    if (this.ownsCtx) this.ctx?.dispose();
  }

  // ---------------------------------------------------------------- helpers

  private assertAlive(): void {
    if (this.disposed) throw new DisposedError('this ConvpaintModel was disposed');
  }

  private warn(message: string): void {
    (this.options.onWarning ?? ((m: string) => console.warn(`convpaint: ${m}`)))(message);
  }

  private progress(defaultStage: string): ProgressSink {
    const cb = this.options.onProgress;
    return (stage, done, total) => cb?.({ stage: stage || defaultStage, done, total });
  }

  private async refreshFe(): Promise<void> {
    if (!this.feStale) return;
    const fe = await createExtractor(this.param.fe_name ?? 'vgg16', { layers: this.param.fe_layers, weights: this.options.weights });
    this.fe.dispose();
    this.fe = fe;
    this.feStale = false;
    if (this.model) this.resetClassifier();
  }

  private prepare(image: unknown, options: PredictCallOptions): PreparedInput {
    const input = prepareImages(image, this.fe, {
      channelMode: this.param.channel_mode ?? 'single',
      normalize: this.param.normalize ?? 2,
      imageDownsample: this.param.image_downsample ?? 1,
      inChannels: options.inChannels,
      skipNorm: options.skipNorm,
    });
    input.warnings.forEach((w) => this.warn(w));
    // The reference writes the adjusted channel mode back into its Param (REFERENCE.md §9.16).
    if (input.channelMode !== this.param.channel_mode) this.param.set('channel_mode', input.channelMode);
    return input;
  }

  private pyramid(input: PreparedInput): PyramidOptions {
    return {
      scalings: this.param.fe_scalings ?? [1],
      order: this.param.fe_order ?? 0,
      useMinFeatures: this.param.fe_use_min_features ?? false,
      channelMode: input.channelMode,
    };
  }

  private imageIds(input: PreparedInput, options: TrainOptions): string[] {
    const n = input.images.length;
    if (options.imgIds === undefined) return input.wasList ? input.images.map((_, i) => String(i)) : ['None'];
    const ids = Array.isArray(options.imgIds) ? options.imgIds : [options.imgIds];
    if (ids.length !== n) throw new ValueError(`imgIds has ${ids.length} id(s) for ${n} image(s)`);
    return ids.map(String);
  }
}

function feDefaults(fe: FeatureExtractor): Param {
  const p = convpaintDefaults();
  const d = fe.defaultParams();
  p.set('fe_name', d.fe_name);
  p.set('fe_layers', d.fe_layers);
  p.set('fe_scalings', d.fe_scalings);
  p.set('fe_order', d.fe_order);
  p.set('fe_use_min_features', d.fe_use_min_features);
  p.set('tile_annotations', d.tile_annotations);
  p.set('tile_image', d.tile_image);
  return p;
}

async function chooseEngine(options: CreateOptions): Promise<{ ctx: GpuContext | null; owns: boolean; engine: Engine }> {
  const device = options.device ?? 'auto';
  if (device === 'cpu') return { ctx: null, owns: false, engine: new CpuEngine() };
  if (device instanceof GpuContext) return { ctx: device, owns: false, engine: new GpuEngine(device, gpuBudget(device)) };
  if (typeof device === 'object') {
    const ctx = GpuContext.fromDevice(device);
    return { ctx, owns: true, engine: new GpuEngine(ctx, gpuBudget(ctx)) };
  }
  try {
    const ctx = await GpuContext.create();
    return { ctx, owns: true, engine: new GpuEngine(ctx, gpuBudget(ctx)) };
  } catch (error) {
    if (device === 'webgpu' || !(error instanceof GpuUnavailableError)) throw error;
    (options.onWarning ?? ((m: string) => console.warn(`convpaint: ${m}`)))(`${(error as ConvpaintError).message} — using the CPU reference (slow).`);
    return { ctx: null, owns: false, engine: new CpuEngine() };
  }
}
