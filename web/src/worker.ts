/**
 * The model worker: owns the GPU context, the image planes and the ConvpaintModel, so training
 * (tree fitting is synchronous CPU work) never blocks the page. Jobs run one at a time in arrival
 * order; an update that arrives while an older one waits replaces it (each update carries every
 * annotated plane's full mask, so the newest subsumes the older ones), and a running update whose
 * training finished after a newer one arrived skips segmenting — its training is kept.
 */
import { defaultTileBudget, GpuContext } from 'convpaint-webgpu/gpu';
import {
  CancelledError,
  ConvpaintModel,
  ConvpaintError,
  GpuUnavailableError,
  ValueError,
  WeightsNotFoundError,
  aliasParam,
  loadWeightsBytes,
  DINOV2_WEIGHTS_KEY,
  paramFromYaml,
  readBundle,
} from 'convpaint-webgpu';
import type { LabelImage, Param, PredictionResult } from 'convpaint-webgpu';
import type { ChannelMode, ExportResult, ImageRegion, InitResult, ModelInfo, ModelSettings, PartialResult, PlaneImage, Reply, Request, RequestOf, UpdateResult } from './protocol';

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request & { id: number }>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Largest buffer one tile may use: the library's own cap (see gpuBudget in convpaint-model). */

let ctx: GpuContext | null = null;
let model: ConvpaintModel | null = null;
let useRf = false;
let planes: PlaneImage[] = [];
let imageKey = '';
/** Newest update generation received; older running updates stop before segmenting. */
let newestGen = 0;
/** Aborts the running update's whole-plane prediction when a newer update arrives. */
let runningAbort: AbortController | null = null;
/** Generation of the job that is running, for progress messages. */
let runningGen = 0;

/** The user must pick the VGG16 or DINOv2 weights first (the page keeps them in IndexedDB). */
class NeedWeightsError extends Error {
  override name = 'NeedWeights';
}

// ---------------------------------------------------------------- the job queue

interface Job {
  id: number;
  req: Request;
}
const queue: Job[] = [];
let running = false;

scope.onmessage = (event) => {
  const { id, ...req } = event.data;
  const request = req as Request;
  if (request.type === 'update') {
    newestGen = Math.max(newestGen, request.gen);
    // The running update stops predicting at its next batch of tiles; its training is kept.
    runningAbort?.abort();
    for (let i = queue.length - 1; i >= 0; i--) {
      const waiting = queue[i].req;
      if (waiting.type !== 'update') continue;
      // The dropped update may have asked for training that the new one (a view change) doesn't.
      request.train ||= waiting.train;
      reply(queue[i].id, supersededResult(waiting));
      queue.splice(i, 1);
    }
  }
  queue.push({ id, req: request });
  void pump();
};

async function pump(): Promise<void> {
  if (running) return;
  running = true;
  while (queue.length > 0) {
    const job = queue.shift()!;
    try {
      const { value, transfer } = await handle(job.req);
      reply(job.id, value, transfer);
    } catch (error) {
      const e = error as Error;
      scope.postMessage({ type: 'reply', id: job.id, ok: false, error: e.message ?? String(e), errorName: e.name ?? 'Error' });
    }
  }
  running = false;
}

function reply(id: number, value: unknown, transfer: Transferable[] = []): void {
  scope.postMessage({ type: 'reply', id, ok: true, value }, transfer);
}

async function handle(req: Request): Promise<{ value: unknown; transfer?: Transferable[] }> {
  switch (req.type) {
    case 'init':
      return { value: await init(req) };
    case 'setImage': {
      planes = req.planes;
      imageKey = req.imageId;
      // A trained model keeps segmenting the new image (as after loading a model), but what it
      // remembered of the old image's scribbles is dropped — napari's "Image" memory mode.
      const kept = model !== null && model.getParam('channel_mode') === req.channelMode;
      if (kept) model!.resetTraining();
      return { value: { kept, trained: kept && model!.classifier !== null } };
    }
    case 'configure':
      return { value: await configure(req.settings, req.channelMode) };
    case 'classifier':
      return { value: setClassifier(req.settings) };
    case 'load':
      return { value: await load(req) };
    case 'update': {
      const result = await update(req);
      const transfer: Transferable[] = [];
      if (result.labels) transfer.push(result.labels.buffer as ArrayBuffer);
      if (result.probas) transfer.push(result.probas.buffer as ArrayBuffer);
      return { value: result, transfer };
    }
    case 'export': {
      const m = requireModel();
      const value: ExportResult = { bundle: m.toBundle(), yaml: m.toYaml() };
      return { value, transfer: [value.bundle.buffer as ArrayBuffer] };
    }
  }
}

// ---------------------------------------------------------------- device and model

async function init(req: RequestOf<'init'>): Promise<InitResult> {
  model?.dispose();
  model = null;
  ctx?.dispose();
  ctx = null;
  if (req.device === 'cpu') return { device: 'cpu', detail: 'CPU reference engine (no GPU; slow)', budgetBytes: null };
  try {
    // `limitMiB` (page URL ?limit-mib=N) lowers the binding limit to show how large images tile.
    const limits = req.limitMiB ? { maxStorageBufferBindingSize: req.limitMiB * 2 ** 20 } : undefined;
    ctx = await GpuContext.create({ limits });
  } catch (error) {
    if (error instanceof GpuUnavailableError) {
      const nav = (self as unknown as { navigator: { gpu?: unknown } }).navigator;
      return { device: 'none', detail: nav.gpu ? 'the browser has WebGPU but gave no adapter: it may be switched off or the GPU blocklisted' : 'navigator.gpu is missing', budgetBytes: null };
    }
    throw error;
  }
  const a = ctx.adapter;
  const detail = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' · ') || 'WebGPU adapter';
  return { device: 'webgpu', detail, budgetBytes: defaultTileBudget(ctx) };
}

function modelOptions(weights?: Uint8Array) {
  return {
    device: ctx ?? ('cpu' as const),
    weights,
    onProgress: progress,
    onWarning: (message: string) => {
      // Retraining after a classifier change has no new pixels by design.
      if (!message.startsWith('No new annotations')) scope.postMessage({ type: 'warning', message });
    },
  };
}

async function weightsFor(param: Param): Promise<Uint8Array | undefined> {
  if (param.fe_name === 'dinov2_small-reg') {
    const bytes = await loadWeightsBytes(DINOV2_WEIGHTS_KEY);
    if (!bytes) throw new NeedWeightsError('The DINOv2 extractor needs its weights: choose the DINOv2 weights file once; this browser keeps it.');
    return bytes;
  }
  if (param.fe_name !== 'vgg16') return undefined;
  const bytes = await loadWeightsBytes();
  if (!bytes) throw new NeedWeightsError('The VGG16 extractor needs its ImageNet weights: choose the weights file once; this browser keeps it.');
  return bytes;
}

async function create(param: Param): Promise<ModelInfo> {
  const weights = await weightsFor(param);
  let next: ConvpaintModel;
  try {
    next = await ConvpaintModel.create({ param }, modelOptions(weights));
  } catch (error) {
    if (error instanceof WeightsNotFoundError) throw new NeedWeightsError(error.message);
    throw error;
  }
  model?.dispose();
  model = next;
  return info();
}

async function configure(settings: ModelSettings, channelMode: ChannelMode): Promise<ModelInfo> {
  const param = aliasParam(settings.alias);
  if (settings.layers && settings.layers.length > 0 && param.fe_name === 'vgg16') param.set('fe_layers', settings.layers);
  param.set('fe_scalings', settings.scalings);
  param.set('channel_mode', channelMode);
  applyClassifier(param, settings);
  return create(param);
}

function applyClassifier(param: Param, settings: ModelSettings): void {
  param.set('clf_iterations', settings.iterations);
  param.set('clf_depth', settings.depth);
  param.set('clf_learning_rate', settings.learningRate);
  useRf = settings.useRf;
}

/** Classifier settings change without touching the features: the next update retrains from memory. */
function setClassifier(settings: ModelSettings): ModelInfo {
  const m = requireModel();
  m.setParam('clf_iterations', settings.iterations);
  m.setParam('clf_depth', settings.depth);
  m.setParam('clf_learning_rate', settings.learningRate);
  useRf = settings.useRf;
  return info();
}

async function load(req: RequestOf<'load'>): Promise<ModelInfo> {
  let param: Param;
  if (req.bundle) {
    const weights = await weightsFor(readBundle(req.bundle, 'the model file').param);
    const next = await ConvpaintModel.create({ bundle: req.bundle }, modelOptions(weights));
    model?.dispose();
    model = next;
    useRf = next.getParam('classifier') === 'RandomForest';
    return info();
  }
  // A YAML file holds parameters only (e.g. saved by the Python tool): an untrained model.
  param = ConvpaintModel.getDefaultParams();
  for (const [k, v] of paramFromYaml(req.yaml ?? '', 'the YAML file')) if (v !== null) param.set(k, v as never);
  if (param.channel_mode === null) param.set('channel_mode', req.channelMode);
  return create(param);
}

function info(): ModelInfo {
  const m = requireModel();
  const params = Object.fromEntries(m.getParams()) as Record<string, unknown>;
  return {
    feName: String(params.fe_name),
    layers: (params.fe_layers as string[] | null) ?? null,
    scalings: (params.fe_scalings as number[]) ?? [1],
    trained: m.classifier !== null,
    classes: m.classes,
    params,
  };
}

function requireModel(): ConvpaintModel {
  if (!model) throw new ConvpaintError('no model yet (choose a feature extractor first)');
  return model;
}

// ---------------------------------------------------------------- updates

let lastProgressPost = 0;
/** Tiles of the last prediction, as the engine reports them (one tile: no progress events). */
let predictTiles = 1;
function progress(event: { stage: string; done: number; total: number }): void {
  if (event.stage === 'predict') predictTiles = Math.max(predictTiles, event.total);
  const now = performance.now();
  if (event.done < event.total && now - lastProgressPost < 150) return;
  lastProgressPost = now;
  scope.postMessage({ type: 'progress', gen: runningGen, ...event });
}

/** Lets queued messages (newer updates) be delivered before deciding whether to go on. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function supersededResult(req: RequestOf<'update'>): UpdateResult {
  return { gen: req.gen, superseded: true, plane: req.plane, timings: { train: 0, segment: 0, visible: 0, total: 0 }, rows: 0, features: 0, tiled: false, tiles: 1, featureBytes: 0 };
}

/** Labels (and probabilities when the view needs them) of one prediction pass. */
async function predictOnce(m: ConvpaintModel, image: PlaneImage, probas: boolean, options: { region?: ImageRegion; signal?: AbortSignal }): Promise<{ labels: Uint8Array; probas?: Float32Array }> {
  if (probas) {
    // One prediction pass serves both views (the labels include the model's smoothing).
    const both = (await m.predict(image, options)) as PredictionResult;
    return { labels: both.labels.data as Uint8Array, probas: both.probabilities.data };
  }
  return { labels: ((await m.segment(image, options)) as LabelImage).data as Uint8Array };
}

async function update(req: RequestOf<'update'>): Promise<UpdateResult> {
  const m = requireModel();
  runningGen = req.gen;
  const t0 = performance.now();
  const result: UpdateResult = { ...supersededResult(req), superseded: undefined };
  if (req.train) {
    const images = req.masks.map((x) => planes[x.plane]);
    const annotations = req.masks.map((x) => ({ data: x.mask, shape: planes[x.plane].shape.slice(-2) }));
    try {
      if (images.length === 0) throw new ValueError('No features or targets found: nothing is painted yet.');
      // Memory mode: only pixels whose label changed since the last call are extracted; the
      // classifier is refitted on every remembered row. Ids are per plane (and per image).
      await m.train(images, annotations, { memoryMode: true, imgIds: req.masks.map((x) => `${imageKey}#${x.plane}`), useRf });
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      result.notTrained = error.message;
    }
  }
  result.timings.train = performance.now() - t0;
  result.rows = m.memoryRows;
  await yieldToMessages();
  if (newestGen > req.gen) return { ...result, superseded: true };
  if (result.notTrained || !m.classifier) {
    result.notTrained ??= 'The model is not trained yet: paint at least two classes.';
    result.timings.total = performance.now() - t0;
    return result;
  }

  const image = planes[req.plane];
  const [h, w] = image.shape.slice(-2);
  result.features = m.numFeatures;
  result.featureBytes = h * w * m.numFeatures * 4;
  result.classes = m.classes ?? [];
  predictTiles = 1;
  const t1 = performance.now();
  const region = req.visible && (req.visible.height < h || req.visible.width < w) ? req.visible : undefined;
  if (region) {
    // What is on screen first: its tiles' features stay in the model's cache for the rest.
    const first = await predictOnce(m, image, req.probas, { region });
    result.timings.visible = performance.now() - t0;
    const partial: PartialResult = { gen: req.gen, plane: req.plane, region, labels: first.labels, probas: first.probas, classes: result.classes, ms: result.timings.visible };
    const transfer: Transferable[] = [first.labels.buffer as ArrayBuffer];
    if (first.probas) transfer.push(first.probas.buffer as ArrayBuffer);
    scope.postMessage({ type: 'partial', ...partial }, transfer);
    await yieldToMessages();
    if (newestGen > req.gen) return { ...result, superseded: true };
  }
  const abort = new AbortController();
  runningAbort = abort;
  try {
    const whole = await predictOnce(m, image, req.probas, { signal: abort.signal });
    result.labels = whole.labels;
    result.probas = whole.probas;
  } catch (error) {
    if (error instanceof CancelledError) return { ...result, superseded: true };
    throw error;
  } finally {
    runningAbort = null;
  }
  result.timings.segment = performance.now() - t1;
  // The engine cuts the image into tiles whenever features and intermediates exceed one buffer.
  result.tiles = predictTiles;
  result.tiled = predictTiles > 1;
  result.timings.total = performance.now() - t0;
  return result;
}
