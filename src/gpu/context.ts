/**
 * GpuContext: one WebGPU device and everything cached for it — reflected kernel descriptions,
 * shader modules, compute pipelines, and the storage-buffer pool. It either *owns* its device
 * (`create()`, destroyed by `dispose()`) or *borrows* one (`fromDevice()`, never destroyed by us).
 *
 * Work is recorded into a `GpuBatch` (see batch.ts) and submitted once; the context turns
 * `device.lost` and uncaptured WebGPU errors into typed errors.
 */
import { DeviceLostError, DisposedError, GpuUnavailableError, KernelDescriptorError } from '../errors.js';
import { BUFFER_USAGE, BufferPool } from './buffer-pool.js';
import { GpuBatch } from './batch.js';
import type { BatchHost } from './batch.js';
import { reflectShader } from './reflection.js';
import type { EntryPointInfo } from './reflection.js';
import type { CompiledKernel, KernelSpec } from './kernel.js';
import { SHADER_SOURCES } from './shaders.generated.js';
import type { ShaderName } from './shaders.generated.js';
import { dtypeOf, GpuTensor } from './tensor.js';
import type { GpuDtype } from './tensor.js';

/** What the adapter says about itself (empty strings where it says nothing). */
export interface AdapterDescription {
  description: string;
  vendor: string;
  architecture: string;
  device: string;
}

/** Options of `GpuContext.create` / `fromDevice`. */
export interface GpuContextOptions {
  /** Run every dispatch in its own submit inside error scopes named after the kernel. */
  debug?: boolean;
  powerPreference?: GPUPowerPreference;
  /**
   * Lower the device limits we request (never above the adapter's): used by tests to force
   * tiling, e.g. `{ maxStorageBufferBindingSize: 1 << 20 }`.
   */
  limits?: Partial<Record<'maxStorageBufferBindingSize' | 'maxBufferSize', number>>;
  /** Tests: fill every op output with NaN before the op runs, so unwritten elements show. */
  poisonOutputs?: boolean;
  /** Tests: `{ subgroups: false }` (or `shaderF16: false`) creates the device without that feature, to run the kernels' forms for such devices. */
  features?: { subgroups?: boolean; shaderF16?: boolean };
}

// Limits we raise to the adapter's maximum: big images need big buffers and workgroup memory.
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

let nodeGpu: Promise<GPU> | null = null;

/** `navigator.gpu` in browsers; in Node, Dawn from the `webgpu` package (not put on globalThis). */
async function getGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new GpuUnavailableError(
      'this browser has no WebGPU (navigator.gpu is missing): use a recent Chrome/Edge, or Firefox/Safari with WebGPU enabled, or device "cpu"',
    );
  }
  nodeGpu ??= (async () => {
    // A variable specifier keeps browser bundlers from trying to resolve the Node-only package.
    const specifier = 'webgpu';
    const mod = (await import(/* @vite-ignore */ specifier)) as { create: (flags: string[]) => GPU };
    return mod.create([]);
  })();
  return nodeGpu;
}

const NO_ADAPTER_HELP =
  'no WebGPU adapter found. On Linux without a GPU install a software Vulkan driver: ' +
  '`sudo bash scripts/setup-gpu.sh` (Debian bookworm: Mesa lavapipe from bookworm-backports, ' +
  'SwiftShader from chromium), or select one with VK_ICD_FILENAMES. Or use device "cpu".';

export type { CompiledKernel, KernelSpec };

/** One WebGPU device and its caches (kernels, pipelines, buffer pool); owner or borrower of the device (see the module comment). */
export class GpuContext implements BatchHost {
  readonly pool: BufferPool;
  readonly debug: boolean;
  readonly poisonOutputs: boolean;
  /** Pipelines compiled so far (a cache hit does not count). */
  pipelinesCompiled = 0;

  private readonly entryPoints = new Map<string, EntryPointInfo>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, CompiledKernel>();
  private readonly uncaptured: string[] = [];
  private nanBuffers: GPUBuffer[] = [];
  private lostInfo: { reason: string; message: string } | null = null;
  private disposed = false;

  private constructor(
    readonly device: GPUDevice,
    readonly owned: boolean,
    readonly adapter: AdapterDescription,
    options: GpuContextOptions,
  ) {
    this.debug = options.debug ?? false;
    this.poisonOutputs = options.poisonOutputs ?? false;
    // A device never gets limits below WebGPU's defaults (asking for less gives the default), so
    // caps requested through `limits` are applied here, where buffers are sized.
    const maxBytes = Math.min(
      device.limits.maxStorageBufferBindingSize,
      device.limits.maxBufferSize,
      options.limits?.maxStorageBufferBindingSize ?? Infinity,
      options.limits?.maxBufferSize ?? Infinity,
    );
    this.pool = new BufferPool(device, maxBytes);
    void device.lost.then((info) => {
      this.lostInfo = { reason: String(info.reason), message: info.message };
    });
    device.onuncapturederror = (event: GPUUncapturedErrorEvent) => {
      this.uncaptured.push(event.error.message);
    };
  }

  /** Requests an adapter and a device; the context owns the device. */
  static async create(options: GpuContextOptions = {}): Promise<GpuContext> {
    const gpu = await getGpu();
    const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
    if (!adapter) throw new GpuUnavailableError(NO_ADAPTER_HELP);
    const requiredLimits: Record<string, number> = {};
    for (const key of RAISED_LIMITS) {
      const max = adapter.limits[key];
      if (typeof max !== 'number') continue;
      const cap = options.limits?.[key as keyof NonNullable<GpuContextOptions['limits']>];
      requiredLimits[key] = cap !== undefined ? Math.min(cap, max) : max;
    }
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
    // Subgroup operations let lanes share loads (linear-subgroup.wgsl); kernels keep a form without them.
    if (adapter.features.has('subgroups' as GPUFeatureName) && options.features?.subgroups !== false) requiredFeatures.push('subgroups' as GPUFeatureName);
    // f16 storage halves the bytes of layers whose weights are exact f16 values (linear-f16.wgsl).
    if (adapter.features.has('shader-f16') && options.features?.shaderF16 !== false) requiredFeatures.push('shader-f16');
    const device = await adapter.requestDevice({ label: 'convpaint', requiredLimits, requiredFeatures });
    return new GpuContext(device, true, describeAdapter(adapter.info), options);
  }

  /** Wraps a device created elsewhere (e.g. by an app); `dispose()` will not destroy it. */
  static fromDevice(device: GPUDevice, options: GpuContextOptions = {}): GpuContext {
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return new GpuContext(device, false, describeAdapter(info), options);
  }

  /**
   * Whether the adapter is a CPU running WGSL (lavapipe, SwiftShader) rather than a GPU: such a
   * device shares the CPU's cores, so work the CPU code does as fast is better left to it.
   */
  get isSoftwareAdapter(): boolean {
    const a = this.adapter;
    return /software|swiftshader|llvmpipe|lavapipe/.test(`${a.architecture} ${a.description} ${a.vendor}`.toLowerCase());
  }

  /** Whether the device was created with the `subgroups` feature (an app's device may lack it). */
  get hasSubgroups(): boolean {
    return this.device.features.has('subgroups');
  }

  /** Whether the device was created with `shader-f16` (f16 values in WGSL). */
  get hasShaderF16(): boolean {
    return this.device.features.has('shader-f16');
  }

  /** True once the device is lost (including after `dispose()` of an owned device). */
  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  /** Throws `DeviceLostError` or `DisposedError` if no more work can be done on this context. */
  checkAlive(): void {
    if (this.disposed) throw new DisposedError('this GpuContext was disposed');
    if (this.lostInfo) throw this.lostError();
  }

  lostError(): DeviceLostError {
    const why = this.lostInfo ? `${this.lostInfo.reason}${this.lostInfo.message ? `: ${this.lostInfo.message}` : ''}` : 'unknown';
    return new DeviceLostError(
      `the GPU device was lost (${why}); create a new GpuContext (or model) to continue`,
    );
  }

  /** Resolves with a DeviceLostError when the device is lost; never resolves otherwise. */
  whenLost(): Promise<DeviceLostError> {
    return this.device.lost.then(() => this.lostError());
  }

  /** Uncaptured WebGPU errors since the last call (tests assert this stays empty). */
  takeUncapturedErrors(): string[] {
    return this.uncaptured.splice(0);
  }

  /** The reflected description of one entry point (bindings, uniform layout, overrides). */
  entryPoint(shader: ShaderName, entryPoint: string): EntryPointInfo {
    const key = `${shader}/${entryPoint}`;
    let info = this.entryPoints.get(key);
    if (!info) {
      const source = SHADER_SOURCES[shader];
      if (source === undefined) throw new KernelDescriptorError(`unknown shader "${shader}"`);
      for (const [name, ep] of reflectShader(shader, source)) this.entryPoints.set(`${shader}/${name}`, ep);
      info = this.entryPoints.get(key);
      if (!info) throw new KernelDescriptorError(`shader "${shader}" has no compute entry point "${entryPoint}"`);
    }
    return info;
  }

  /**
   * The compiled pipeline for a kernel, from the cache when possible. The cache key is derived
   * from the spec itself — (shader, entry point, sorted override values) — never hand-assembled.
   */
  kernel(spec: KernelSpec): CompiledKernel {
    this.checkAlive();
    const overrideNames = Object.keys(spec.overrides).sort();
    const key = `${spec.shader}/${spec.entryPoint}?${overrideNames.map((n) => `${n}=${spec.overrides[n]}`).join('&')}`;
    const hit = this.pipelines.get(key);
    if (hit) return hit;

    const info = this.entryPoint(spec.shader, spec.entryPoint);
    const declared = [...info.overrides].sort();
    if (declared.join(',') !== overrideNames.join(',')) {
      throw new KernelDescriptorError(
        `${spec.shader}/${spec.entryPoint}: the shader declares overrides [${declared.join(', ')}] ` +
          `but the kernel spec gives [${overrideNames.join(', ')}]`,
      );
    }
    let module = this.modules.get(spec.shader);
    if (!module) {
      module = this.device.createShaderModule({ code: SHADER_SOURCES[spec.shader], label: spec.shader });
      this.modules.set(spec.shader, module);
    }
    const layout = this.device.createBindGroupLayout({
      label: `${spec.shader}/${spec.entryPoint}`,
      entries: info.bindings.map((b) => ({
        binding: b.binding,
        visibility: 0x4, // GPUShaderStage.COMPUTE
        buffer: { type: b.kind },
      })),
    });
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: key }),
      compute: { module, entryPoint: spec.entryPoint, constants: { ...spec.overrides } },
    });
    this.pipelinesCompiled++;
    const compiled = { info, pipeline, layout };
    this.pipelines.set(key, compiled);
    return compiled;
  }

  /** A new, uninitialised tensor from the pool. */
  tensor(shape: readonly number[], label: string, dtype: GpuDtype = 'f32'): GpuTensor {
    this.checkAlive();
    return new GpuTensor(this.pool, shape, dtype, label);
  }

  /**
   * Uploads host data into a new tensor. The write is queued at once, ahead of any batch not yet
   * submitted, so the tensor always gets a buffer no recorded work can still be using; it may be
   * called while a batch is being recorded.
   */
  upload(data: Float32Array | Uint32Array | Int32Array, shape: readonly number[], label: string): GpuTensor {
    const dtype = dtypeOf(data);
    this.checkAlive();
    const t = new GpuTensor(this.pool, shape, dtype, label, true);
    if (data.length !== t.size) {
      t.dispose();
      throw new KernelDescriptorError(`upload "${label}": ${data.length} values for shape [${shape.join(',')}] (${t.size})`);
    }
    if (t.size > 0) this.device.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    return t;
  }

  /** Starts recording work; nothing runs until `submit()`. */
  batch(label: string): GpuBatch {
    this.checkAlive();
    return new GpuBatch(this, label);
  }

  /** Reads a whole tensor back (one submit). Prefer `batch.read` inside a larger batch. */
  async read(tensor: GpuTensor): Promise<Float32Array> {
    const batch = this.batch(`read ${tensor.label}`);
    const out = batch.read(tensor);
    await batch.submit();
    return out;
  }

  /** A buffer of at least `bytes` bytes of NaN, the source of `poisonOutputs` fills. */
  nanSource(bytes: number): GPUBuffer {
    const last = this.nanBuffers[this.nanBuffers.length - 1];
    if (last && last.size >= bytes) return last;
    // Older, smaller ones may still be referenced by recorded work: kept until dispose.
    const size = Math.max(4096, Math.ceil(bytes / 4) * 4);
    const buffer = this.device.createBuffer({ label: 'nan-source', size, usage: BUFFER_USAGE.COPY_SRC, mappedAtCreation: true });
    new Float32Array(buffer.getMappedRange()).fill(Number.NaN);
    buffer.unmap();
    this.nanBuffers.push(buffer);
    return buffer;
  }

  /** Releases pooled buffers and, for an owned device, destroys it. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose();
    for (const b of this.nanBuffers) b.destroy();
    this.nanBuffers = [];
    this.pipelines.clear();
    this.modules.clear();
    if (this.owned) this.device.destroy();
  }
}

function describeAdapter(info: GPUAdapterInfo | undefined): AdapterDescription {
  return {
    description: info?.description || info?.device || 'unknown adapter',
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
  };
}
