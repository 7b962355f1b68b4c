/**
 * The page's wiring. The main thread only draws and keeps the scribbles; the model lives in a
 * worker (worker.ts). Every stroke bumps a generation counter and sends the annotated planes'
 * masks; the worker merges updates that pile up and drops results that a newer one supersedes,
 * so painting quickly never queues a backlog.
 *
 * URL options (for links and demos): ?alias=gaussian (initial features), ?device=cpu,
 * ?limit-mib=N (pretend the GPU's binding limit is N MiB, to see tiling on a small image).
 */
import { encode as encodePng } from 'fast-png';
import { DINOV2_WEIGHTS_KEY, classAreas, hasWeightsBytes, saveWeightsBytes, weightsNetworkOf } from 'convpaint-webgpu';
// The repository's one copy of the sample (sample/ at its root), emitted by Vite as an asset.
import SAMPLE_IMAGE_URL from '../../sample/0000_img.png?url';
import { Painter } from './canvas/painter';
import { View, isTyping } from './canvas/view';
import { openImageBytes, openImageFile, planeToRgba } from './image-open';
import type { OpenedImage } from './image-open';
import { ModelClient } from './model-client';
import { Overlay } from './overlay';
import type { OverlayMode } from './overlay';
import type { DeviceRequest, ExportResult, InitResult, ModelInfo, PartialResult, UpdateResult } from './protocol';
import { ClassList } from './ui/classes';
import { download, stem } from './ui/files';
import { DEFAULT_ALIAS, ModelPanel } from './ui/model-panel';
import { Status, seconds } from './ui/status';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const url = new URLSearchParams(location.search);

const status = new Status($('status'), $('messages'));
const view = new View($('viewport'), $('stage'));
// A zoom or pan while an update is still working on the rest of the image re-asks for the
// segmentation, so that what is now on screen comes first (the features already computed are
// in the model's cache, and the pending training is carried over by the worker).
let viewChangeTimer = 0;
view.onChange = () => {
  clearTimeout(viewChangeTimer);
  viewChangeTimer = window.setTimeout(() => {
    if (state.inFlight > 0) requestUpdate(false);
  }, 300);
};
const classes = new ClassList($('classes'), $<HTMLButtonElement>('add-class'));
const overlay = new Overlay($<HTMLCanvasElement>('overlay-canvas'));
const painter = new Painter($<HTMLCanvasElement>('annotation-canvas'), view, classes.colourOf, (plane) => onScribblesChanged(plane));
const panel = new ModelPanel($('model-section'), url.get('alias') ?? DEFAULT_ALIAS);
const client = new ModelClient();

const state = {
  image: null as OpenedImage | null,
  imageCount: 0,
  masks: [] as Uint8Array[],
  /** Planes that were ever painted: their masks go with every update (erasing must reach the model). */
  annotated: new Set<number>(),
  plane: 0,
  device: null as InitResult | null,
  modelReady: false,
  model: null as ModelInfo | null,
  gen: 0,
  shownGen: 0,
  inFlight: 0,
  tiledNoted: false,
  /** When each pending update was requested (for the time to its first, visible result). */
  updateStarted: new Map<number, number>(),
};

// ---------------------------------------------------------------- device and model

async function startDevice(choice: DeviceRequest): Promise<void> {
  status.busy('Starting the GPU…');
  state.modelReady = false;
  const limit = Number(url.get('limit-mib')) || undefined;
  const result = await client.call<InitResult>({ type: 'init', device: choice, limitMiB: limit });
  state.device = result;
  status.hide('device');
  if (result.device === 'none') {
    $('device-line').textContent = 'no WebGPU';
    status.message('device', 'error', `This browser offers no WebGPU: ${result.detail}. Recent Chrome and Edge have it (on Linux, enable “Unsafe WebGPU” in chrome://flags); so do Safari 26 and Firefox 141 on Windows. The page can also run on the CPU reference engine: the same results, much slower — fine for small images.`, [
      { label: 'Use the CPU', run: () => void switchDevice('cpu') },
    ]);
    status.error('No WebGPU: choose the CPU fallback to continue.');
    return;
  }
  $('device-line').textContent = result.device === 'webgpu' ? `WebGPU · ${result.detail}` : result.detail;
  if (state.image) await configureModel();
  else status.idle('Ready. Open an image or try the sample.');
}

async function switchDevice(choice: DeviceRequest): Promise<void> {
  $<HTMLSelectElement>('device').value = choice;
  await startDevice(choice).catch(showError);
}

/** A new model from the panel's settings; every scribble is then extracted again. */
async function configureModel(): Promise<void> {
  if (!state.image || state.device?.device === 'none') return;
  status.busy('Building the feature extractor…');
  state.modelReady = false;
  try {
    state.model = await client.call<ModelInfo>({ type: 'configure', settings: panel.settings(), channelMode: state.image.channelMode });
  } catch (error) {
    if ((error as Error).name === 'NeedWeights') return askForWeights((error as Error).message);
    throw error;
  }
  $('weights-row').hidden = true;
  status.hide('weights');
  state.modelReady = true;
  showModelLine();
  if (state.annotated.size > 0) requestUpdate(true);
  else status.idle('Paint scribbles: at least two classes.');
}

function askForWeights(message: string): void {
  const dinov2 = /DINOv2/.test(message);
  if (!dinov2) $('weights-row').hidden = false;
  status.message('weights', 'warn', `${message} Use “${dinov2 ? 'DINOv2' : 'VGG16'} weights…” in the Model section, or choose ilastik / gaussian features (no download).`);
  status.error(`Waiting for the ${dinov2 ? 'DINOv2' : 'VGG16'} weights.`);
}

function showModelLine(): void {
  const m = state.model;
  if (!m) return;
  const layers = m.layers ? `${m.layers.length} layer${m.layers.length > 1 ? 's' : ''}, ` : '';
  $('model-line').textContent = `${m.feName}: ${layers}scalings [${m.scalings.join(', ')}] — ${m.trained ? 'trained' : 'not trained'}`;
}

// ---------------------------------------------------------------- images

async function openImage(image: OpenedImage): Promise<void> {
  state.image = image;
  state.imageCount++;
  state.masks = image.planes.map(() => new Uint8Array(image.width * image.height));
  state.annotated.clear();
  state.plane = 0;
  state.tiledNoted = false;
  painter.reset();
  overlay.clear();
  $('drop-hint').hidden = true;
  const depth = image.bitDepth > 8 ? `, ${image.bitDepth}-bit` : '';
  const planes = image.planes.length > 1 ? `, ${image.planes.length} planes` : '';
  $('image-info').textContent = `${image.name}: ${image.width}×${image.height}, ${image.channels === 3 ? 'RGB' : `${image.channels} channel${image.channels > 1 ? 's' : ''}`}${depth}${planes}`;
  const slider = $<HTMLInputElement>('plane');
  slider.max = String(image.planes.length - 1);
  slider.value = '0';
  $('plane-row').hidden = image.planes.length < 2;
  showPlane();
  view.setImageSize(image.width, image.height);
  status.hide('large');
  if (image.width * image.height > 1_000_000) {
    status.message('large', 'info', `Large image (${(image.width * image.height / 1e6).toFixed(1)} Mpx): updates take longer; whatever does not fit the GPU's buffers is processed in tiles.`);
  }
  $<HTMLButtonElement>('dl-annot').disabled = false;
  // No updates until the worker has the new planes (and, if needed, a model that fits them).
  const wasReady = state.modelReady;
  state.modelReady = false;
  // The worker keeps its own copy of the planes (structured clone), once per image. Sent even
  // while the device is still starting: the worker handles messages in order.
  const { kept, trained } = await client.call<{ kept: boolean; trained: boolean }>({
    type: 'setImage',
    imageId: `image${state.imageCount}`,
    planes: image.planes,
    channelMode: image.channelMode,
  });
  // Without a device yet, startDevice configures the model once it has one.
  if (!state.device || state.device.device === 'none') return;
  if (!kept || !wasReady) return configureModel();
  state.modelReady = true;
  if (trained) requestUpdate(false);
  else status.idle('Paint scribbles: at least two classes.');
}

function showPlane(): void {
  const image = state.image!;
  const canvas = $<HTMLCanvasElement>('image-canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(planeToRgba(image, state.plane), 0, 0);
  $('plane-out').textContent = `${state.plane + 1} / ${image.planes.length}`;
  painter.enabled = true;
  painter.setPlane(state.plane, state.masks[state.plane], image.width, image.height);
}

async function openSample(): Promise<void> {
  status.busy('Loading the sample image…');
  const response = await fetch(SAMPLE_IMAGE_URL);
  if (!response.ok) throw new Error(`sample image: HTTP ${response.status}`);
  await openImage(await openImageBytes(new Uint8Array(await response.arrayBuffer()), 'sample.png'));
}

async function openFile(file: File): Promise<void> {
  if (/\.(safetensors|ya?ml)$/i.test(file.name)) return loadModel(file);
  status.busy(`Opening ${file.name}…`);
  await openImage(await openImageFile(file));
}

// ---------------------------------------------------------------- updates

function onScribblesChanged(plane: number): void {
  state.annotated.add(plane);
  $<HTMLButtonElement>('undo').disabled = !painter.canUndo;
  if ($<HTMLInputElement>('live').checked) requestUpdate(true);
}

function viewMode(): OverlayMode {
  return $<HTMLSelectElement>('view').value as OverlayMode;
}

/** Sends the scribbles (if `train`) and asks for the current plane's segmentation. */
function requestUpdate(train: boolean): void {
  if (!state.image || !state.modelReady) return;
  const gen = ++state.gen;
  const masks = [...state.annotated].map((plane) => ({ plane, mask: state.masks[plane].slice() }));
  const started = performance.now();
  state.inFlight++;
  $('status').dataset.requested = String(gen);
  status.busy(train ? 'Training…' : 'Segmenting…');
  // What is on screen is segmented first (its result arrives as a `partial` message).
  const visible = view.visibleRegion() ?? undefined;
  state.updateStarted.set(gen, started);
  client
    .call<UpdateResult>({ type: 'update', gen, masks, plane: state.plane, train, probas: viewMode() !== 'segmentation', visible }, masks.map((m) => m.mask.buffer))
    .then((r) => onResult(r, performance.now() - started))
    .catch(showError)
    .finally(() => {
      state.inFlight--;
      state.updateStarted.delete(gen);
    });
}

/** The on-screen region's result of an update: drawn at once, the whole plane follows. */
function onPartial(p: PartialResult): void {
  if (p.gen < state.shownGen || p.plane !== state.plane || !state.image) return;
  const image = state.image;
  overlay.showRegion(image.width, image.height, p.region, p, viewMode(), probClass(), classes.colourOf);
  updateProbClassOptions(p.classes);
  const ms = performance.now() - (state.updateStarted.get(p.gen) ?? performance.now());
  const line = $('status');
  line.dataset.visibleMs = ms.toFixed(0);
  line.dataset.visibleGen = String(p.gen);
  status.busy(`View updated in ${seconds(ms)}; segmenting the rest of the image…`);
}

/** The area of every class of the shown segmentation, as a small table. */
function showAreas(labels: Uint8Array, values: number[]): void {
  const table = $<HTMLTableElement>('areas');
  table.hidden = values.length === 0;
  const body = table.tBodies[0];
  body.replaceChildren(
    ...classAreas(labels, values).map((a) => {
      const row = document.createElement('tr');
      const [r, g, b] = classes.colourOf(a.value);
      row.innerHTML = `<td><span class="swatch" style="background: rgb(${r}, ${g}, ${b})"></span>${classes.nameOf(a.value)}</td><td>${a.pixels.toLocaleString('en')}</td><td>${(100 * a.fraction).toFixed(1)}</td>`;
      row.dataset.value = String(a.value);
      row.dataset.pixels = String(a.pixels);
      return row;
    }),
  );
}

function onResult(r: UpdateResult, wallMs: number): void {
  if (r.superseded) {
    // Counted for the curious (and the browser test): work the worker skipped or cut short.
    const line = $('status');
    line.dataset.superseded = String(Number(line.dataset.superseded ?? 0) + 1);
    return;
  }
  if (r.gen < state.shownGen) return;
  state.shownGen = r.gen;
  const line = $('status');
  line.dataset.done = String(r.gen);
  if (r.plane !== state.plane) return requestUpdate(false);
  const busyLater = r.gen < state.gen;
  if (!r.labels) {
    overlay.clear();
    setResultButtons(false);
    const text = r.notTrained ?? 'Not trained.';
    if (!busyLater) status.idle(text.includes('Not enough classes') || text.includes('No features') ? 'Paint scribbles of at least two classes.' : text);
    return;
  }
  const image = state.image!;
  overlay.show({ width: image.width, height: image.height, labels: r.labels, probas: r.probas, classes: r.classes ?? [] }, viewMode(), probClass(), classes.colourOf);
  showAreas(r.labels, r.classes ?? []);
  updateProbClassOptions(r.classes ?? []);
  setResultButtons(true);
  if (state.model) {
    state.model.trained = true;
    showModelLine();
  }
  if (r.tiled && !state.tiledNoted) {
    state.tiledNoted = true;
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    status.message('tiled', 'info', `Large for this GPU: the image's ${r.features} features (${mib(r.featureBytes)} MiB) and their intermediates exceed what one pass may bind (${mib(state.device?.budgetBytes ?? 0)} MiB per buffer), so it is processed in ${r.tiles} tiles.`);
  }
  line.dataset.updateMs = wallMs.toFixed(0);
  const t = r.timings;
  const parts = [t.train > 1 ? `train ${seconds(t.train)}` : '', t.visible > 0 ? `view ${seconds(t.visible)}` : '', `segment ${seconds(t.segment)}`].filter(Boolean).join(' · ');
  const text = `Updated in ${seconds(wallMs)} (${parts}) — ${r.rows.toLocaleString('en')} scribbled px, ${r.features} features${r.tiled ? `, ${r.tiles} tiles` : ''}`;
  if (!busyLater) status.idle(text);
}

function setResultButtons(on: boolean): void {
  for (const id of ['dl-seg', 'dl-model', 'dl-yaml']) $<HTMLButtonElement>(id).disabled = !on;
}

function probClass(): number {
  return Number($<HTMLSelectElement>('prob-class').value) || classes.active;
}

function updateProbClassOptions(values: number[]): void {
  const select = $<HTMLSelectElement>('prob-class');
  const current = select.value;
  select.replaceChildren(...values.map((v) => new Option(classes.classes.find((c) => c.value === v)?.name ?? `class ${v}`, String(v))));
  if (values.map(String).includes(current)) select.value = current;
  select.hidden = viewMode() !== 'probability';
}

function redrawOverlay(): void {
  if (overlay.canShow(viewMode())) overlay.render(viewMode(), probClass(), classes.colourOf);
  else if (overlay.data) requestUpdate(false);
}

function showError(error: unknown): void {
  const e = error as Error;
  console.error(error);
  if (e.name === 'BufferTooLargeError') {
    // Features are tiled, but the (padded) image itself must fit one GPU buffer.
    status.message('too-large', 'error', `This image does not fit this GPU's buffers even with tiled features (${e.message}). Open a smaller crop or a downsampled copy, or run on the CPU.`, [
      { label: 'Use the CPU', run: () => void switchDevice('cpu') },
    ]);
  }
  status.error(`${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(e)}`);
}

// ---------------------------------------------------------------- model files

async function exportModel(): Promise<ExportResult> {
  return client.call<ExportResult>({ type: 'export' });
}

async function loadModel(file: File): Promise<void> {
  if (!state.image) {
    status.error('Open an image first, then load a model to segment it.');
    return;
  }
  status.busy(`Loading ${file.name}…`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const isYaml = /\.ya?ml$/i.test(file.name);
  try {
    state.model = await client.call<ModelInfo>(
      isYaml ? { type: 'load', yaml: new TextDecoder().decode(bytes), channelMode: state.image.channelMode } : { type: 'load', bundle: bytes, channelMode: state.image.channelMode },
    );
  } catch (error) {
    if ((error as Error).name === 'NeedWeights') return askForWeights((error as Error).message);
    throw error;
  }
  state.modelReady = true;
  panel.showModel(state.model);
  showModelLine();
  status.message('loaded', 'info', `Loaded ${file.name}${state.model.trained ? ': segmenting with it; new scribbles keep training it.' : ' (parameters only): paint to train.'}`);
  // Scribbles already on this image train the loaded model further; otherwise just segment.
  if (state.model.trained) requestUpdate(state.annotated.size > 0);
  else if (state.annotated.size > 0) requestUpdate(true);
  else status.idle('Paint scribbles: at least two classes.');
}

function planeSuffix(): string {
  return state.image && state.image.planes.length > 1 ? `_z${String(state.plane).padStart(3, '0')}` : '';
}

function labelPng(data: Uint8Array): Uint8Array {
  const { width, height } = state.image!;
  return encodePng({ width, height, data, channels: 1, depth: 8 });
}

// ---------------------------------------------------------------- controls

function on(id: string, event: string, handler: (e: Event) => unknown): void {
  $(id).addEventListener(event, (e) => {
    try {
      const r = handler(e);
      if (r instanceof Promise) r.catch(showError);
    } catch (error) {
      showError(error);
    }
  });
}

on('sample', 'click', () => openSample());
on('open-file', 'change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  return file ? openFile(file) : undefined;
});
on('plane', 'input', (e) => {
  state.plane = Number((e.target as HTMLInputElement).value);
  overlay.clear();
  showPlane();
  if (state.model?.trained) requestUpdate(false);
});

const viewport = $('viewport');
viewport.addEventListener('dragover', (e) => {
  e.preventDefault();
  viewport.classList.add('dragging');
});
viewport.addEventListener('dragleave', () => viewport.classList.remove('dragging'));
viewport.addEventListener('drop', (e) => {
  e.preventDefault();
  viewport.classList.remove('dragging');
  const file = e.dataTransfer?.files[0];
  if (file) openFile(file).catch(showError);
});

classes.onSelect = (value) => {
  painter.label = value;
  setEraser(false);
};
classes.onRestyle = () => {
  painter.redraw();
  redrawOverlay();
};
classes.onRemove = (value) => {
  // The widget deletes a removed class's annotations; the model forgets them at the next update.
  let touched = false;
  for (const [plane, mask] of state.masks.entries()) {
    for (let i = 0; i < mask.length; i++) {
      if (mask[i] === value) {
        mask[i] = 0;
        touched = true;
        state.annotated.add(plane);
      }
    }
  }
  painter.dropUndo();
  painter.redraw();
  $<HTMLButtonElement>('undo').disabled = true;
  if (touched && $<HTMLInputElement>('live').checked) requestUpdate(true);
};
painter.label = classes.active;

function setEraser(onOff: boolean): void {
  painter.erasing = onOff;
  $<HTMLInputElement>('eraser').checked = onOff;
}
on('eraser', 'change', (e) => setEraser((e.target as HTMLInputElement).checked));
on('brush', 'input', (e) => {
  painter.brush = Number((e.target as HTMLInputElement).value);
  $('brush-out').textContent = `${painter.brush} px`;
});
painter.brush = Number($<HTMLInputElement>('brush').value);
on('undo', 'click', () => painter.undo(state.masks));
on('fit', 'click', () => view.fit());
on('run', 'click', () => requestUpdate(true));
on('view', 'change', () => {
  $('prob-class').hidden = viewMode() !== 'probability';
  redrawOverlay();
});
on('prob-class', 'change', () => redrawOverlay());
on('opacity', 'input', (e) => {
  overlay.opacity = Number((e.target as HTMLInputElement).value);
});
overlay.opacity = Number($<HTMLInputElement>('opacity').value);
on('show-annotations', 'change', (e) => {
  $('annotation-canvas').style.visibility = (e.target as HTMLInputElement).checked ? 'visible' : 'hidden';
});
on('device', 'change', (e) => switchDevice((e.target as HTMLSelectElement).value as DeviceRequest));

panel.onFeatures = () => void configureModel().catch(showError);
panel.onClassifier = (settings) => {
  if (!state.modelReady) return;
  client
    .call<ModelInfo>({ type: 'classifier', settings })
    .then((info) => {
      state.model = info;
      if (state.annotated.size > 0) requestUpdate(true);
    })
    .catch(showError);
};

/**
 * Stores a weights file the user picked under its network's key, told by its tensors, so a
 * DINOv2 file given to the VGG16 button (or the reverse) still lands where it belongs; a file
 * of neither kind is refused here with a message. Returns the network, or null.
 */
async function storeWeights(file: File): Promise<'vgg16' | 'dinov2' | null> {
  status.busy(`Storing ${file.name} in this browser…`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const network = weightsNetworkOf(bytes);
  if (network === null) {
    status.error(`${file.name} holds neither VGG16 nor DINOv2 weights (a converted .safetensors from \`convpaint weights convert\` is needed).`);
    return null;
  }
  await saveWeightsBytes(bytes, network === 'dinov2' ? DINOV2_WEIGHTS_KEY : undefined);
  if (network === 'dinov2') showDinov2(true);
  return network;
}

/** Offers the dinov2 features in the panel once their weights are stored. */
function showDinov2(available: boolean): void {
  $('dinov2-hint').textContent = available ? 'stored in this browser: choose “DINOv2” as features' : $('dinov2-hint').textContent;
  if (panel.setDinov2Available(available)) void configureModel().catch(showError);
}

on('weights-file', 'change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  if ((await storeWeights(file)) !== null) await configureModel();
});

on('dinov2-file', 'change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  if ((await storeWeights(file)) === 'dinov2') {
    panel.select('dinov2');
    await configureModel();
  }
});

hasWeightsBytes(DINOV2_WEIGHTS_KEY).then(showDinov2, () => undefined);

on('dl-seg', 'click', () => {
  const labels = overlay.data?.labels;
  if (labels) download(`${stem(state.image!.name)}${planeSuffix()}_segmentation.png`, labelPng(labels), 'image/png');
});
on('dl-annot', 'click', () => {
  download(`${stem(state.image!.name)}${planeSuffix()}_annotations.png`, labelPng(state.masks[state.plane]), 'image/png');
});
on('dl-model', 'click', async () => {
  const { bundle } = await exportModel();
  download(`${stem(state.image!.name)}_model.safetensors`, bundle, 'application/octet-stream');
});
on('dl-yaml', 'click', async () => {
  const { yaml } = await exportModel();
  download(`${stem(state.image!.name)}_model.yml`, yaml, 'text/yaml');
});
on('load-model', 'change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  return file ? loadModel(file) : undefined;
});

window.addEventListener('keydown', (e) => {
  if (isTyping(e)) return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
    e.preventDefault();
    painter.undo(state.masks);
  } else if (e.key === 'e' || e.key === 'E') {
    setEraser(!painter.erasing);
  } else if (e.key === 'f' || e.key === 'F') {
    view.fit();
  } else if (e.key === '[' || e.key === ']') {
    const brush = $<HTMLInputElement>('brush');
    brush.value = String(Number(brush.value) + (e.key === ']' ? 1 : -1));
    brush.dispatchEvent(new Event('input'));
  }
});

client.onProgress = (gen, stage, done, total) => {
  if (gen < state.shownGen) return;
  status.busy(`${stage === 'train' ? 'Fitting the classifier' : stage === 'features' ? 'Extracting features' : stage === 'predict' ? 'Segmenting' : stage}… ${total > 1 ? `${done}/${total}` : ''}`);
};
client.onWarning = (message) => status.message('warning', 'warn', message);
client.onPartial = (p) => onPartial(p);

$<HTMLSelectElement>('device').value = (url.get('device') as DeviceRequest) ?? 'auto';
startDevice($<HTMLSelectElement>('device').value as DeviceRequest).catch(showError);
