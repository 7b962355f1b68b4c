/**
 * ConvpaintModel: the class users meet. It mirrors the reference's `ConvpaintModel` method for
 * method (camelCase names, snake_case parameter keys) — see DESIGN.md "The API" and
 * REFERENCE.md §1 — on top of a feature extractor, a tree-ensemble classifier and an engine
 * (WebGPU or the CPU reference).
 *
 * The jobs around it live beside it: creation from a source (create.ts), settings with their
 * defaults (settings.ts), training and memory mode (training.ts, memory.ts); preparation,
 * engines and post-processing are the floors below (src/prepare, src/engine, src/postprocess).
 *
 * Images are `{ data: TypedArray, shape: number[] }` in numpy order: [H,W], [C|Z,H,W] (read by
 * `channel_mode`) or [C,Z,H,W]. Annotations are integer labels [H,W] or [Z,H,W]; 0 = unlabelled.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import type { Engine, ProgressSink } from '../engine/engine.js';
import type { OutputRegion } from '../engine/tiling.js';
import type { FeatureCacheStats } from '../engine/feature-cache.js';
import { DisposedError, ValueError } from '../errors.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { totalFeatures } from '../features/plan.js';
import { createExtractor, extractorNames } from '../features/registry.js';
import type { GpuContext } from '../gpu/context.js';
import { classValues, restoreToInputSize } from '../postprocess/labels.js';
import { outputSpatialShape, prepareImages, prepareLabels } from '../prepare/prepare.js';
import type { PreparedInput } from '../prepare/prepare.js';
import type { WeightsOption } from '../weights/assign.js';
import { writeBundle } from './bundle.js';
import { chooseEngine, defaultParams, modelFromSource } from './create.js';
import { MemoryTable } from './memory.js';
import { FE_KEYS, Param, PARAM_KEYS } from './param.js';
import type { ParamKey, ParamValues } from './param.js';
import { paramToYaml } from './param-yaml.js';
import { feDefaults, prepareSettings, pyramidOptions, settingsOf } from './settings.js';
import type { Settings } from './settings.js';
import type { ChannelMode } from '../core/channel-mode.js';
import type { PyramidOptions } from '../features/plan.js';
import { annotatedRows, fitClassifier, rememberedRows, trainerPlace } from './training.js';
import type { RowSource } from './training.js';
import type {
  CreateOptions,
  FloatImage,
  ImageInput,
  LabelImage,
  ModelSource,
  PredictCallOptions,
  PredictionResult,
  Region,
  TrainOptions,
  TrainingRowsResult,
} from './types.js';

/** The API's types live in types.ts; they are re-exported here beside the class that uses them. */
export type * from './types.js';

/** What one prediction pass of one image gives before its results are shaped for the caller. */
interface ImagePrediction {
  probas?: Float32Array;
  classIndex?: Uint32Array;
  shape: number[];
}

/** The reference's ConvpaintModel: create with `ConvpaintModel.create`, then `train`, `segment` / `predictProbas` / `predict`, `save`, `dispose`. */
export class ConvpaintModel {
  private param: Param;
  private fe: FeatureExtractor;
  private readonly engine: Engine;
  private readonly ctx: GpuContext | null;
  private readonly ownsCtx: boolean;
  private readonly tileBudget: number | null;
  private readonly options: CreateOptions;
  private feStale = false;
  private disposed = false;
  private readonly memory = new MemoryTable();
  private model: TreeEnsemble | null = null;
  /** Feature count the classifier was trained with. */
  numFeatures = 0;
  /** Completed training calls. */
  numTrainings = 0;

  private constructor(param: Param, fe: FeatureExtractor, engine: { engine: Engine; ctx: GpuContext | null; owns: boolean; tileBudgetBytes: number | null }, options: CreateOptions) {
    this.param = param;
    this.fe = fe;
    this.engine = engine.engine;
    this.ctx = engine.ctx;
    this.ownsCtx = engine.owns;
    this.tileBudget = engine.tileBudgetBytes;
    this.options = options;
  }

  // ---------------------------------------------------------------- creation

  /**
   * Creates a model from an alias, a model file or bundle, a Param, or an extractor name with
   * overrides — exactly one (none gives the default model, `vgg` on ImageNet weights).
   */
  static async create(source: ModelSource = {}, options: CreateOptions = {}): Promise<ConvpaintModel> {
    const { param, fe, loaded } = await modelFromSource(source, options);
    const model = new ConvpaintModel(param, fe, await chooseEngine(options, (m) => warnTo(options, m)), options);
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
    return defaultParams();
  }

  /** A new feature extractor, not attached to any model. */
  static async createFe(name: string, layers?: Array<string | number> | null, options: { weights?: WeightsOption } = {}): Promise<FeatureExtractor> {
    return createExtractor(name, { layers, weights: options.weights });
  }

  // ---------------------------------------------------------------- parameters

  /** One parameter's value (lists are copies). */
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

  /** The feature cache's contents and hit counts (`CreateOptions.featureCacheBytes`). */
  get featureCache(): FeatureCacheStats {
    return this.engine.features.stats();
  }

  /**
   * Drops every cached tile feature (frees their memory; the next calls compute them again).
   * Results never depend on the cache, only their cost does.
   */
  clearFeatureCache(): void {
    this.engine.features.clear();
  }

  /** Bytes one tile's GPU buffers may use (`CreateOptions.tileBudgetBytes`), or null on the CPU engine. */
  get tileBudgetBytes(): number | null {
    return this.tileBudget;
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
    const { src, input } = this.rowSource(image, annotations, options, 'features');
    let rows: { x: Float32Array; y: Int32Array };
    if (options.memoryMode) {
      const remembered = await rememberedRows(src, this.memory, this.imageIds(input, options));
      if (remembered.fresh === 0) this.warn('No new annotations. Train with existing features.');
      rows = remembered;
    } else {
      rows = await annotatedRows(src);
    }
    const useRf = options.useRf ?? false;
    this.model = await fitClassifier(rows.x, rows.y, src.nFeatures, src.settings, useRf, trainerPlace(this.options.trainer ?? 'auto', this.ctx), this.progress('train'));
    this.param.set('classifier', useRf ? 'RandomForest' : 'CatBoost');
    this.numFeatures = src.nFeatures;
    this.numTrainings++;
    return this.model;
  }

  // ---------------------------------------------------------------- prediction

  /** Labels (class values) with the input's shape minus channels; a list for a list. */
  async segment(image: ImageInput, options: PredictCallOptions = {}): Promise<LabelImage | LabelImage[]> {
    const classes = this.trained().classes;
    const out = (await this.runPrediction(image, options, false, true)).map(({ classIndex, shape }) => ({ data: classValues(classIndex!, classes), shape }));
    return Array.isArray(image) ? out : out[0];
  }

  /** Class probabilities [K, ...spatial], classes in ascending class value order. */
  async predictProbas(image: ImageInput, options: PredictCallOptions = {}): Promise<FloatImage | FloatImage[]> {
    const k = this.trained().classes.length;
    const out = (await this.runPrediction(image, options, true, false)).map(({ probas, shape }) => ({ data: probas!, shape: [k, ...shape] }));
    return Array.isArray(image) ? out : out[0];
  }

  /**
   * Probabilities and labels from one prediction pass — what `predictProbas` and `segment` give,
   * for the price of one (front ends that show both use this). A list for a list.
   */
  async predict(image: ImageInput, options: PredictCallOptions = {}): Promise<PredictionResult | PredictionResult[]> {
    const classes = this.trained().classes;
    const out = (await this.runPrediction(image, options, true, true)).map(({ probas, classIndex, shape }) => ({
      probabilities: { data: probas!, shape: [classes.length, ...shape] },
      labels: { data: classValues(classIndex!, classes), shape },
    }));
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
    if (options.annotations !== undefined) {
      const { src } = this.rowSource(image, options.annotations, options, 'features');
      const { x, y } = await annotatedRows(src);
      return { features: { data: x, shape: [y.length, src.nFeatures] }, targets: y };
    }
    const settings = settingsOf(this.param);
    const input = this.prepare(image, options, settings);
    const pyramid = this.pyramid(settings, input.channelMode);
    const out: FloatImage[] = [];
    for (const [i, img] of input.images.entries()) {
      const [c, z, h, w] = img.shape;
      const f = totalFeatures(this.fe, c, pyramid);
      const [oz, oh, ow] = input.originalSizes[i];
      const feats = await this.engine.featureImage(this.fe, img, pyramid, settings.tileImage, this.progress('features'));
      out.push({ data: restoreToInputSize(feats, f * z, [h, w], [oh, ow]), shape: [f, ...outputSpatialShape(input.ndim, input.channelMode, [oz, oh, ow])] });
    }
    return Array.isArray(image) ? out : out[0];
  }

  private async runPrediction(image: ImageInput, options: PredictCallOptions, wantProbas: boolean, wantLabels: boolean): Promise<ImagePrediction[]> {
    this.assertAlive();
    const model = this.trained();
    await this.refreshFe();
    const settings = settingsOf(this.param);
    const input = this.prepare(image, options, settings);
    const pyramid = this.pyramid(settings, input.channelMode);
    const f = totalFeatures(this.fe, input.images[0].shape[0], pyramid);
    if (f !== this.numFeatures) {
      throw new ValueError(`Extracted features (${f}) have a different length than the classifier expects (${this.numFeatures}): the image's channels or the extractor settings differ from training.`);
    }
    if (options.region && input.wasList) throw new ValueError('region: give one image, not a list (a region is a window of one image)');
    const results: ImagePrediction[] = [];
    for (const [i, img] of input.images.entries()) {
      const [oz, oh, ow] = input.originalSizes[i];
      const region = options.region ? checkRegion(options.region, [oz, oh, ow]) : undefined;
      const pred = await this.engine.predict(this.fe, model, img, pyramid, {
        tileImage: settings.tileImage,
        smoothing: settings.smoothing,
        outputSize: [oh, ow],
        wantProbas,
        wantLabels,
        region,
        signal: options.signal,
      }, this.progress('predict'));
      results.push({ ...pred, shape: region ? [region.height, region.width] : outputSpatialShape(input.ndim, input.channelMode, [oz, oh, ow]) });
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

  private trained(): TreeEnsemble {
    if (!this.model) throw new ValueError('No trained classifier found. Train the model first (train()) or load a trained bundle.');
    return this.model;
  }

  /**
   * The pyramid for extraction. Patched extractors (DINOv2) enforce `fe_scalings [1]` as the
   * reference does: in the copy used for extraction only (with a warning), the stored Param keeps
   * what the user set.
   */
  private pyramid(settings: Settings, channelMode: ChannelMode): PyramidOptions {
    const pyramid = pyramidOptions(settings, channelMode);
    if (this.fe.patchedOutput && (pyramid.scalings.length !== 1 || pyramid.scalings[0] !== 1)) {
      this.warn(`${this.fe.name} works at a single scale: fe_scalings [${pyramid.scalings.join(', ')}] is used as [1].`);
      return { ...pyramid, scalings: [1] };
    }
    return pyramid;
  }

  private warn(message: string): void {
    warnTo(this.options, message);
  }

  private progress(defaultStage: string): ProgressSink {
    const cb = this.options.onProgress;
    return (stage, done, total) => cb?.({ stage: stage || defaultStage, done, total });
  }

  private async refreshFe(): Promise<void> {
    if (!this.feStale) return;
    const fe = await createExtractor(settingsOf(this.param).feName, { layers: this.param.fe_layers, weights: this.options.weights });
    this.fe.dispose();
    this.fe = fe;
    this.feStale = false;
    if (this.model) this.resetClassifier();
  }

  private prepare(image: unknown, options: PredictCallOptions, settings: Settings): PreparedInput {
    const input = prepareImages(image, this.fe, prepareSettings(settings, options));
    input.warnings.forEach((w) => this.warn(w));
    // The reference writes the adjusted channel mode back into its Param (REFERENCE.md §9.16).
    if (input.channelMode !== this.param.channel_mode) this.param.set('channel_mode', input.channelMode);
    return input;
  }

  /** Images and annotations prepared, with everything the row collectors need. */
  private rowSource(image: ImageInput, annotations: ImageInput, options: PredictCallOptions, stage: string): { src: RowSource; input: PreparedInput } {
    const settings = settingsOf(this.param);
    const input = this.prepare(image, options, settings);
    const warnings: string[] = [];
    const labels = prepareLabels(annotations, input, settings.imageDownsample, warnings);
    warnings.forEach((w) => this.warn(w));
    const pyramid = this.pyramid(settings, input.channelMode);
    const nFeatures = totalFeatures(this.fe, input.images[0].shape[0], pyramid);
    return { src: { engine: this.engine, fe: this.fe, images: input.images, labels, pyramid, settings, nFeatures, progress: this.progress(stage) }, input };
  }

  private imageIds(input: PreparedInput, options: TrainOptions): string[] {
    const n = input.images.length;
    if (options.imgIds === undefined) return input.wasList ? input.images.map((_, i) => String(i)) : ['None'];
    const ids = Array.isArray(options.imgIds) ? options.imgIds : [options.imgIds];
    if (ids.length !== n) throw new ValueError(`imgIds has ${ids.length} id(s) for ${n} image(s)`);
    return ids.map(String);
  }
}

function warnTo(options: CreateOptions, message: string): void {
  (options.onWarning ?? ((m: string) => console.warn(`convpaint: ${m}`)))(message);
}

/** The engine's region for `r` on an image of [planes, height, width], or a ValueError naming what does not fit. */
function checkRegion(r: Region, [planes, h, w]: readonly [number, number, number]): OutputRegion {
  const plane = r.plane ?? 0;
  const ints = [r.y, r.x, r.height, r.width, plane].every((v) => Number.isInteger(v));
  if (!ints || r.y < 0 || r.x < 0 || r.height < 1 || r.width < 1 || r.y + r.height > h || r.x + r.width > w) {
    throw new ValueError(`region ${JSON.stringify(r)} must be whole pixels inside the ${h}×${w} image (y + height ≤ ${h}, x + width ≤ ${w})`);
  }
  if (plane < 0 || plane >= planes) throw new ValueError(`region plane ${plane} is outside the image's ${planes} plane(s)`);
  return { z: plane, y0: r.y, x0: r.x, height: r.height, width: r.width };
}
