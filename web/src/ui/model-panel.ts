/**
 * Model settings: feature extractor (an alias; dinov2 once its weights are here), VGG layers,
 * pyramid scalings, classifier (GBDT —
 * the reference's CatBoost — or random forest) with iterations, depth and learning rate.
 * Changing the features needs a new model (every scribble is extracted again); changing only the
 * classifier refits on the remembered rows.
 */
import { aliasParam, getExtractorEntry } from 'convpaint-webgpu';
import type { ModelInfo, ModelSettings } from '../protocol';

const ALIASES: Array<{ alias: string; label: string }> = [
  { alias: 'ilastik', label: 'ilastik filters (56 per channel)' },
  { alias: 'gaussian', label: 'gaussian (1 per channel, fastest)' },
  { alias: 'vgg', label: 'VGG16, 1 layer (needs weights)' },
  { alias: 'vgg-m', label: 'VGG16, 3 layers (needs weights)' },
  { alias: 'vgg-l', label: 'VGG16, 5 layers (needs weights)' },
];

/** Offered once the DINOv2 weights are in this browser (`setDinov2Available`). */
const DINOV2_OPTION = { alias: 'dinov2', label: 'DINOv2 ViT-S/14 (384 per 14×14 patch)' };

export const DEFAULT_ALIAS = 'ilastik';

export class ModelPanel {
  onFeatures: (settings: ModelSettings) => void = () => undefined;
  onClassifier: (settings: ModelSettings) => void = () => undefined;

  private readonly fe: HTMLSelectElement;
  private readonly layersBox: HTMLElement;
  private readonly layersLabel: HTMLElement;
  private readonly scalings: HTMLInputElement;
  private readonly clf: HTMLSelectElement;
  private readonly iterations: HTMLInputElement;
  private readonly depth: HTMLInputElement;
  private readonly lr: HTMLInputElement;
  private readonly vggKeys: string[];
  /** The alias asked for in the URL, kept until its option exists (dinov2 appears later). */
  private wanted: string;

  constructor(root: HTMLElement, initialAlias = DEFAULT_ALIAS) {
    this.wanted = initialAlias;
    const q = <T extends HTMLElement>(sel: string) => root.querySelector(sel) as T;
    this.fe = q('#fe');
    this.layersBox = q('#layers');
    this.layersLabel = q('#layers-label');
    this.scalings = q('#scalings');
    this.clf = q('#clf');
    this.iterations = q('#iterations');
    this.depth = q('#depth');
    this.lr = q('#lr');
    this.vggKeys = [...(getExtractorEntry('vgg16').layerKeys ?? [])];
    for (const a of ALIASES) this.fe.append(new Option(a.label, a.alias));
    for (const key of this.vggKeys) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = key;
      box.addEventListener('change', () => this.featuresChanged());
      label.title = key;
      label.append(box, ` ${key.split(' ')[0]}`);
      this.layersBox.append(label);
    }
    this.fe.value = ALIASES.some((a) => a.alias === initialAlias) ? initialAlias : DEFAULT_ALIAS;
    this.applyAliasDefaults();
    this.fe.addEventListener('change', () => {
      this.wanted = this.fe.value;
      this.applyAliasDefaults();
      this.featuresChanged();
    });
    this.scalings.addEventListener('change', () => this.featuresChanged());
    for (const el of [this.clf, this.iterations, this.depth, this.lr]) el.addEventListener('change', () => this.classifierChanged());
    this.syncClassifierFields();
  }

  settings(): ModelSettings {
    const layers = [...this.layersBox.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value);
    return {
      alias: this.fe.value,
      layers: this.isVgg() && layers.length > 0 ? layers : null,
      scalings: parseScalings(this.scalings.value),
      useRf: this.clf.value === 'rf',
      iterations: clampInt(this.iterations.value, 1, 5000, 100),
      depth: clampInt(this.depth.value, 1, 8, 5),
      learningRate: Math.min(1, Math.max(0.001, Number(this.lr.value) || 0.1)),
    };
  }

  /**
   * Offers (or withdraws) the dinov2 features: only when their weights are in this browser. The
   * option is selected when the URL asked for it. Returns whether the selection changed.
   */
  setDinov2Available(available: boolean): boolean {
    const existing = [...this.fe.options].find((o) => o.value === DINOV2_OPTION.alias);
    if (available && !existing) this.fe.append(new Option(DINOV2_OPTION.label, DINOV2_OPTION.alias));
    if (!available && existing) existing.remove();
    if (available && this.wanted === DINOV2_OPTION.alias && this.fe.value !== DINOV2_OPTION.alias) {
      this.select(DINOV2_OPTION.alias);
      return true;
    }
    return false;
  }

  /** Selects an offered alias with its defaults (as if the user had chosen it). */
  select(alias: string): void {
    this.wanted = alias;
    this.fe.value = alias;
    this.applyAliasDefaults();
  }

  /** Reflects a loaded model's parameters in the controls. */
  showModel(info: ModelInfo): void {
    const byFe: Record<string, string> = { gaussian_features: 'gaussian', ilastik_2d: 'ilastik', 'dinov2_small-reg': 'dinov2' };
    const alias = byFe[info.feName] ?? 'vgg';
    if (alias === 'dinov2') this.setDinov2Available(true);
    this.fe.value = alias;
    this.showLayers();
    for (const box of this.layersBox.querySelectorAll<HTMLInputElement>('input')) box.checked = (info.layers ?? []).includes(box.value);
    this.scalings.value = info.scalings.join(',');
    const p = info.params;
    if (typeof p.clf_iterations === 'number') this.iterations.value = String(p.clf_iterations);
    if (typeof p.clf_depth === 'number') this.depth.value = String(p.clf_depth);
    if (typeof p.clf_learning_rate === 'number') this.lr.value = String(p.clf_learning_rate);
    this.clf.value = p.classifier === 'RandomForest' ? 'rf' : 'gbdt';
    this.syncClassifierFields();
  }

  private isVgg(): boolean {
    return this.fe.value.startsWith('vgg');
  }

  private applyAliasDefaults(): void {
    const p = aliasParam(this.fe.value);
    this.scalings.value = (p.fe_scalings ?? [1]).join(',');
    const chosen = (p.fe_layers ?? []).map(String);
    for (const box of this.layersBox.querySelectorAll<HTMLInputElement>('input')) box.checked = chosen.includes(box.value);
    this.showLayers();
  }

  private showLayers(): void {
    this.layersBox.hidden = !this.isVgg();
    this.layersLabel.hidden = this.layersBox.hidden;
    // DINOv2 works at one scale (the reference enforces fe_scalings [1]).
    this.scalings.disabled = this.fe.value === DINOV2_OPTION.alias;
  }

  private featuresChanged(): void {
    this.scalings.value = parseScalings(this.scalings.value).join(',');
    this.onFeatures(this.settings());
  }

  private classifierChanged(): void {
    this.syncClassifierFields();
    this.onClassifier(this.settings());
  }

  private syncClassifierFields(): void {
    // The random forest here is scikit-learn's default: 100 full-depth trees, no learning rate.
    const rf = this.clf.value === 'rf';
    this.iterations.disabled = rf;
    this.depth.disabled = rf;
    this.lr.disabled = rf;
  }
}

/** "1, 2,4" → [1, 2, 4]; invalid entries dropped, at least [1]. */
export function parseScalings(text: string): number[] {
  const values = text
    .split(/[\s,;]+/)
    .map(Number)
    .filter((v) => Number.isInteger(v) && v >= 1 && v <= 64);
  return values.length > 0 ? [...new Set(values)] : [1];
}

function clampInt(text: string, lo: number, hi: number, fallback: number): number {
  const v = Math.round(Number(text));
  return Number.isFinite(v) && v >= lo ? Math.min(hi, v) : fallback;
}
