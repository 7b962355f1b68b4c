/**
 * Messages between the page (main thread: drawing only) and the model worker. Requests carry an
 * `id`; the worker answers each with exactly one `reply` of the same id. Updates also carry a
 * generation number: a newer update supersedes older ones that have not finished.
 */

export type ChannelMode = 'single' | 'rgb' | 'multi';
export type PixelArray = Uint8Array | Uint16Array | Float32Array;

/** One plane as the library wants it: [H,W] (single) or [C,H,W] (rgb / multi). */
export interface PlaneImage {
  data: PixelArray;
  shape: number[];
}

export interface ModelSettings {
  alias: string;
  /** VGG layer keys (null: the alias's layers). */
  layers: string[] | null;
  scalings: number[];
  useRf: boolean;
  iterations: number;
  depth: number;
  learningRate: number;
}

export type DeviceRequest = 'auto' | 'webgpu' | 'cpu';

export type Request =
  | { type: 'init'; device: DeviceRequest; limitMiB?: number }
  | { type: 'setImage'; imageId: string; planes: PlaneImage[]; channelMode: ChannelMode }
  | { type: 'configure'; settings: ModelSettings; channelMode: ChannelMode }
  | { type: 'classifier'; settings: ModelSettings }
  | { type: 'load'; bundle?: Uint8Array; yaml?: string; channelMode: ChannelMode }
  | {
      type: 'update';
      gen: number;
      /** Planes with annotations, each as a full mask; memory mode re-extracts only changes. */
      masks: Array<{ plane: number; mask: Uint8Array }>;
      /** The plane to segment. */
      plane: number;
      train: boolean;
      probas: boolean;
      /** The part of the plane on screen: segmented first (a `partial` message), then the rest. */
      visible?: ImageRegion;
    }
  | { type: 'export' };

export type RequestOf<T extends Request['type']> = Extract<Request, { type: T }>;

/** A rectangle of a plane, in image pixels. */
export interface ImageRegion {
  y: number;
  x: number;
  height: number;
  width: number;
}

/** The visible region's result, sent before the whole plane's (which then replaces it). */
export interface PartialResult {
  gen: number;
  plane: number;
  region: ImageRegion;
  labels: Uint8Array;
  probas?: Float32Array;
  classes: number[];
  /** From the update's start to this result, in the worker. */
  ms: number;
}

export interface InitResult {
  device: 'webgpu' | 'cpu' | 'none';
  /** Adapter description, or why there is no WebGPU. */
  detail: string;
  /** Largest GPU buffer a tile may use (bytes), when on WebGPU. */
  budgetBytes: number | null;
}

export interface ModelInfo {
  feName: string;
  layers: string[] | null;
  scalings: number[];
  trained: boolean;
  classes: number[] | null;
  params: Record<string, unknown>;
}

export interface UpdateResult {
  gen: number;
  /** Set when a newer update arrived first: nothing to draw. */
  superseded?: boolean;
  /** Set when training could not happen (e.g. one class only); the reason in words. */
  notTrained?: string;
  plane: number;
  labels?: Uint8Array;
  probas?: Float32Array;
  classes?: number[];
  /** train, segment (the whole plane), visible (the on-screen region first; 0 when the whole plane was on screen), total. */
  timings: { train: number; segment: number; visible: number; total: number };
  rows: number;
  features: number;
  /** The image was too large for one pass on this device, so the engine processed it in tiles. */
  tiled: boolean;
  tiles: number;
  featureBytes: number;
}

export interface ExportResult {
  bundle: Uint8Array;
  yaml: string;
}

export type Reply =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; errorName: string }
  | { type: 'progress'; gen: number; stage: string; done: number; total: number }
  | ({ type: 'partial' } & PartialResult)
  | { type: 'warning'; message: string };
