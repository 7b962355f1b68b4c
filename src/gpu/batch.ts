/**
 * GpuBatch: records dispatches, copies and readbacks for one user-level call, then encodes them
 * into one command encoder (consecutive dispatches share one compute pass), submits once and
 * maps every readback buffer once. Uniform values of all dispatches go into one buffer.
 *
 * Errors: the whole submit runs inside validation and out-of-memory error scopes; a failure
 * becomes `GpuValidationError` naming the batch (Dawn's message names the pipeline, whose label is
 * the kernel). In debug mode every dispatch is submitted on its own, so the error names the kernel
 * exactly. A lost device rejects the pending submit with `DeviceLostError` instead of hanging.
 */
import { DeviceLostError, GpuValidationError, KernelDescriptorError } from '../errors.js';
import { BUFFER_USAGE } from './buffer-pool.js';
import type { CompiledKernel, KernelSpec } from './kernel.js';
import type { EntryPointInfo } from './reflection.js';
import { packUniforms } from './reflection.js';
import { dtypeOf } from './tensor.js';
import type { GpuDtype, GpuTensor } from './tensor.js';

export interface DispatchArgs {
  /** Values for the members of the kernel's uniform struct, by WGSL member name. */
  uniforms: Record<string, number | readonly number[]>;
  /** Storage buffers by WGSL variable name. */
  bindings: Record<string, GpuTensor>;
  workgroups: readonly [number, number, number];
  /** Extra label for driver messages, e.g. `vgg/features.2`. */
  label?: string;
}

type Command =
  | {
      kind: 'dispatch';
      spec: KernelSpec;
      label: string;
      uniformOffset: number;
      uniformSize: number;
      uniformBinding: number | null;
      storage: Array<{ binding: number; buffer: GPUBuffer; bytes: number }>;
      workgroups: readonly [number, number, number];
    }
  | { kind: 'copy'; label: string; src: GPUBuffer; srcByte: number; dst: GPUBuffer; dstByte: number; bytes: number }
  | { kind: 'poison'; label: string; dst: GPUBuffer; bytes: number }
  | { kind: 'upload'; label: string; data: Float32Array | Uint32Array | Int32Array; dst: GPUBuffer; staging: GPUBuffer | null }
  | { kind: 'read'; label: string; src: GPUBuffer; byteOffset: number; bytes: number; staging: GPUBuffer | null; done: Deferred };

interface Deferred {
  resolve: (data: ArrayBuffer) => void;
  reject: (error: unknown) => void;
}

const MAP_MODE_READ = 0x1; // GPUMapMode.READ (not a global in Node)

/** Marks a promise as handled: callers may await submit() only, and that must not crash Node. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * What a batch needs from its context (`GpuContext` implements it): the device, compiled
 * kernels, output tensors from the pool, uploads (ops that keep constants per device, such as
 * filter taps or conv weights, key them by this host), and the device-loss state. A narrow contract, so the
 * batch does not depend on the whole context (which creates batches).
 */
export interface BatchHost {
  readonly device: GPUDevice;
  readonly debug: boolean;
  readonly poisonOutputs: boolean;
  readonly isLost: boolean;
  /** A CPU running WGSL (lavapipe, SwiftShader): kernels with a form per kind of device pick by it. */
  readonly isSoftwareAdapter: boolean;
  /** The device has WGSL's `subgroups` (kernels with a subgroup form use it). */
  readonly hasSubgroups: boolean;
  /** The device has WGSL's `shader-f16` (kernels with an f16-storage form use it). */
  readonly hasShaderF16: boolean;
  entryPoint(shader: KernelSpec['shader'], entryPoint: string): EntryPointInfo;
  kernel(spec: KernelSpec): CompiledKernel;
  tensor(shape: readonly number[], label: string, dtype?: GpuDtype): GpuTensor;
  /** A fresh buffer holding `data`, written at once (before any batch not yet submitted). */
  upload(data: Float32Array | Uint32Array | Int32Array, shape: readonly number[], label: string): GpuTensor;
  nanSource(bytes: number): GPUBuffer;
  checkAlive(): void;
  lostError(): DeviceLostError;
  whenLost(): Promise<DeviceLostError>;
}

/** Work recorded for one submit: dispatches (consecutive ones share a compute pass), copies, uploads in stream order and readbacks; `submit()` encodes it all into one command buffer. */
export class GpuBatch {
  private readonly commands: Command[] = [];
  private readonly uniformData: Array<{ offset: number; data: ArrayBuffer }> = [];
  private uniformBytes = 0;
  private submitted = false;
  private readonly uniformAlign: number;

  constructor(
    readonly ctx: BatchHost,
    readonly label: string,
  ) {
    this.uniformAlign = ctx.device.limits.minUniformBufferOffsetAlignment;
  }

  /** Number of recorded dispatches (for tests and benchmarks). */
  get dispatchCount(): number {
    return this.commands.filter((c) => c.kind === 'dispatch').length;
  }

  /** Records one dispatch. Binding and uniform names are checked against the WGSL now. */
  dispatch(spec: KernelSpec, args: DispatchArgs): void {
    this.assertOpen();
    const info = this.ctx.entryPoint(spec.shader, spec.entryPoint);
    const where = `${spec.shader}/${spec.entryPoint}`;
    const storage: Array<{ binding: number; buffer: GPUBuffer; bytes: number }> = [];
    let uniformBinding: number | null = null;
    let packed: ArrayBuffer | null = null;
    const expected = info.bindings.filter((b) => b.kind !== 'uniform').map((b) => b.name);
    const given = Object.keys(args.bindings);
    if ([...expected].sort().join(',') !== [...given].sort().join(',')) {
      throw new KernelDescriptorError(`${where}: the shader binds [${expected.join(', ')}] but the dispatch gives [${given.join(', ')}]`);
    }
    for (const b of info.bindings) {
      if (b.kind === 'uniform') {
        uniformBinding = b.binding;
        packed = packUniforms(b.uniform!, args.uniforms, where);
      } else {
        const tensor = args.bindings[b.name];
        // The buffer is captured now (throwing DisposedError if the tensor is gone), so an
        // intermediate may be disposed right after the op that reads it is recorded.
        storage.push({ binding: b.binding, buffer: tensor.buffer, bytes: Math.max(4, tensor.byteLength) });
      }
    }
    if (uniformBinding === null && Object.keys(args.uniforms).length > 0) {
      throw new KernelDescriptorError(`${where}: uniform values given but the shader has no uniform binding`);
    }
    const maxGroups = this.ctx.device.limits.maxComputeWorkgroupsPerDimension;
    for (const n of args.workgroups) {
      if (!Number.isInteger(n) || n < 0 || n > maxGroups) {
        throw new KernelDescriptorError(`${where}: workgroup count ${n} outside [0, ${maxGroups}] (workgroups [${args.workgroups.join(', ')}])`);
      }
    }
    let uniformOffset = 0;
    let uniformSize = 0;
    if (packed) {
      uniformOffset = Math.ceil(this.uniformBytes / this.uniformAlign) * this.uniformAlign;
      uniformSize = packed.byteLength;
      this.uniformData.push({ offset: uniformOffset, data: packed });
      this.uniformBytes = uniformOffset + uniformSize;
    }
    this.commands.push({
      kind: 'dispatch',
      spec,
      label: args.label ? `${where} ${args.label}` : where,
      uniformOffset,
      uniformSize,
      uniformBinding,
      storage,
      workgroups: args.workgroups,
    });
  }

  /**
   * A new output tensor for an op recorded in this batch. With the context's `poisonOutputs`
   * option (tests) it is first filled with NaN, so any element a kernel fails to write shows up.
   */
  tensor(shape: readonly number[], label: string, dtype: GpuDtype = 'f32'): GpuTensor {
    this.assertOpen();
    const t = this.ctx.tensor(shape, label, dtype);
    if (this.ctx.poisonOutputs && t.byteLength > 0) this.commands.push({ kind: 'poison', label: t.label, dst: t.buffer, bytes: t.byteLength });
    return t;
  }

  /**
   * Uploads host data into a new tensor *in order with the recorded work*: the data goes through a
   * staging buffer copied at this point of the batch, so the tensor may take a pooled buffer that
   * earlier recorded work still uses (unlike `ctx.upload`, whose write runs ahead of the batch
   * and therefore needs a fresh buffer each time). Tile-by-tile work over a huge image uses this,
   * so its uploads recycle a few buffers instead of creating one per tile. The data is read at
   * submit: do not change it before.
   */
  upload(data: Float32Array | Uint32Array | Int32Array, shape: readonly number[], label: string): GpuTensor {
    this.assertOpen();
    const dtype = dtypeOf(data);
    const t = this.ctx.tensor(shape, label, dtype);
    if (data.length !== t.size) {
      t.dispose();
      throw new KernelDescriptorError(`upload "${label}": ${data.length} values for shape [${shape.join(',')}] (${t.size})`);
    }
    if (t.size > 0) this.commands.push({ kind: 'upload', label, data, dst: t.buffer, staging: null });
    return t;
  }

  /** Records a copy of `count` elements between tensors (offsets in elements). */
  copy(src: GpuTensor, srcOffset: number, dst: GpuTensor, dstOffset: number, count: number): void {
    this.assertOpen();
    if (srcOffset + count > src.size || dstOffset + count > dst.size || srcOffset < 0 || dstOffset < 0 || count < 0) {
      throw new KernelDescriptorError(`copy ${src.label} → ${dst.label}: range out of bounds`);
    }
    if (count === 0) return;
    this.commands.push({ kind: 'copy', label: `${src.label} → ${dst.label}`, src: src.buffer, srcByte: srcOffset * 4, dst: dst.buffer, dstByte: dstOffset * 4, bytes: count * 4 });
  }

  /**
   * Records a readback of a tensor (or `count` elements from `offset`); the promise resolves after
   * `submit()`. The copy happens at this point of the batch, so later writes are not seen.
   */
  read(tensor: GpuTensor, offset = 0, count = tensor.size - offset): Promise<Float32Array> {
    return handled(this.readRaw(tensor, offset, count).then((buf) => new Float32Array(buf)));
  }

  /** As `read`, for u32 tensors. */
  readU32(tensor: GpuTensor, offset = 0, count = tensor.size - offset): Promise<Uint32Array> {
    return handled(this.readRaw(tensor, offset, count).then((buf) => new Uint32Array(buf)));
  }

  private readRaw(tensor: GpuTensor, offset: number, count: number): Promise<ArrayBuffer> {
    this.assertOpen();
    if (offset < 0 || count < 0 || offset + count > tensor.size) {
      throw new KernelDescriptorError(`read ${tensor.label}: range [${offset}, ${offset + count}) outside ${tensor.size} elements`);
    }
    let done!: Deferred;
    const promise = new Promise<ArrayBuffer>((resolve, reject) => (done = { resolve, reject }));
    this.commands.push({ kind: 'read', label: tensor.label, src: tensor.buffer, byteOffset: offset * 4, bytes: count * 4, staging: null, done });
    return promise;
  }

  /** Encodes everything recorded, submits once, and waits for the readbacks. */
  async submit(): Promise<void> {
    this.assertOpen();
    this.submitted = true;
    const reads = this.commands.filter((c): c is Extract<Command, { kind: 'read' }> => c.kind === 'read');
    try {
      this.ctx.checkAlive();
      if (this.ctx.debug) await this.submitEach();
      else await this.submitAll();
      await this.finishReads(reads);
    } catch (error) {
      for (const r of reads) r.done.reject(error);
      throw error;
    } finally {
      for (const r of reads) r.staging?.destroy();
      for (const c of this.commands) if (c.kind === 'upload') c.staging?.destroy();
    }
  }

  private assertOpen(): void {
    if (this.submitted) throw new KernelDescriptorError(`batch "${this.label}" was already submitted`);
  }

  private createUniformBuffer(): GPUBuffer | null {
    if (this.uniformBytes === 0) return null;
    const device = this.ctx.device;
    const buffer = device.createBuffer({
      label: `${this.label}/uniforms`,
      size: Math.ceil(this.uniformBytes / 16) * 16,
      usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
      mappedAtCreation: true,
    });
    const bytes = new Uint8Array(buffer.getMappedRange());
    for (const { offset, data } of this.uniformData) bytes.set(new Uint8Array(data), offset);
    buffer.unmap();
    return buffer;
  }

  private encode(encoder: GPUCommandEncoder, commands: Command[], uniforms: GPUBuffer | null): void {
    const device = this.ctx.device;
    let pass: GPUComputePassEncoder | null = null;
    for (const cmd of commands) {
      if (cmd.kind === 'dispatch') {
        if (cmd.workgroups.some((n) => n === 0)) continue;
        const kernel = this.ctx.kernel(cmd.spec);
        const entries: GPUBindGroupEntry[] = cmd.storage.map(({ binding, buffer, bytes }) => ({
          binding,
          resource: { buffer, offset: 0, size: bytes },
        }));
        if (cmd.uniformBinding !== null) {
          entries.push({ binding: cmd.uniformBinding, resource: { buffer: uniforms!, offset: cmd.uniformOffset, size: cmd.uniformSize } });
        }
        const group = device.createBindGroup({ label: cmd.label, layout: kernel.layout, entries });
        pass ??= encoder.beginComputePass({ label: this.label });
        pass.setPipeline(kernel.pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(cmd.workgroups[0], cmd.workgroups[1], cmd.workgroups[2]);
        continue;
      }
      if (pass) {
        pass.end();
        pass = null;
      }
      if (cmd.kind === 'copy') {
        encoder.copyBufferToBuffer(cmd.src, cmd.srcByte, cmd.dst, cmd.dstByte, cmd.bytes);
      } else if (cmd.kind === 'upload') {
        cmd.staging = device.createBuffer({ label: `${this.label}/upload ${cmd.label}`, size: cmd.data.byteLength, usage: BUFFER_USAGE.COPY_SRC, mappedAtCreation: true });
        new Uint8Array(cmd.staging.getMappedRange()).set(new Uint8Array(cmd.data.buffer, cmd.data.byteOffset, cmd.data.byteLength));
        cmd.staging.unmap();
        encoder.copyBufferToBuffer(cmd.staging, 0, cmd.dst, 0, cmd.data.byteLength);
      } else if (cmd.kind === 'poison') {
        encoder.copyBufferToBuffer(this.ctx.nanSource(cmd.bytes), 0, cmd.dst, 0, cmd.bytes);
      } else {
        cmd.staging = device.createBuffer({
          label: `${this.label}/read ${cmd.label}`,
          size: Math.max(4, cmd.bytes),
          usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST,
        });
        if (cmd.bytes > 0) encoder.copyBufferToBuffer(cmd.src, cmd.byteOffset, cmd.staging, 0, cmd.bytes);
      }
    }
    pass?.end();
  }

  /** Runs `work` inside validation + out-of-memory scopes; a captured error throws. */
  private async scoped(what: string, work: () => void): Promise<void> {
    const device = this.ctx.device;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let thrown: unknown = null;
    try {
      work();
    } catch (error) {
      thrown = error;
    }
    const [validation, oom] = await this.raceLost(Promise.all([device.popErrorScope(), device.popErrorScope()]));
    if (thrown) throw thrown;
    const error = validation ?? oom;
    if (error) {
      const kind = oom && !validation ? 'out of memory' : 'validation error';
      throw new GpuValidationError(`${what}: WebGPU ${kind}: ${error.message}`);
    }
  }

  private async submitAll(): Promise<void> {
    const device = this.ctx.device;
    let uniforms: GPUBuffer | null = null;
    try {
      await this.scoped(`batch "${this.label}"`, () => {
        uniforms = this.createUniformBuffer();
        const encoder = device.createCommandEncoder({ label: this.label });
        this.encode(encoder, this.commands, uniforms);
        device.queue.submit([encoder.finish()]);
      });
    } finally {
      (uniforms as GPUBuffer | null)?.destroy();
    }
  }

  private async submitEach(): Promise<void> {
    const device = this.ctx.device;
    let uniforms: GPUBuffer | null = null;
    try {
      await this.scoped(`batch "${this.label}" uniforms`, () => {
        uniforms = this.createUniformBuffer();
      });
      for (const cmd of this.commands) {
        const what = `${cmd.kind === 'dispatch' ? 'kernel' : cmd.kind} ${cmd.label}`;
        await this.scoped(`batch "${this.label}", ${what}`, () => {
          const encoder = device.createCommandEncoder({ label: `${this.label}: ${what}` });
          this.encode(encoder, [cmd], uniforms);
          device.queue.submit([encoder.finish()]);
        });
        await this.raceLost(device.queue.onSubmittedWorkDone());
      }
    } finally {
      (uniforms as GPUBuffer | null)?.destroy();
    }
  }

  private async finishReads(reads: Array<Extract<Command, { kind: 'read' }>>): Promise<void> {
    if (reads.length === 0) {
      await this.raceLost(this.ctx.device.queue.onSubmittedWorkDone());
      return;
    }
    await this.raceLost(
      Promise.all(
        reads.map(async (r) => {
          await r.staging!.mapAsync(MAP_MODE_READ, 0, Math.max(4, r.bytes));
          const copy = r.staging!.getMappedRange(0, Math.max(4, r.bytes)).slice(0, r.bytes);
          r.staging!.unmap();
          r.done.resolve(copy);
        }),
      ),
    );
  }

  /** Rejects with DeviceLostError if the device is lost before `promise` settles. */
  private async raceLost<T>(promise: Promise<T>): Promise<T> {
    if (this.ctx.isLost) {
      promise.catch(() => undefined);
      throw this.ctx.lostError();
    }
    try {
      return await Promise.race([promise, this.ctx.whenLost().then((e) => Promise.reject(e))]);
    } catch (error) {
      if (this.ctx.isLost && !(error instanceof DeviceLostError)) throw this.ctx.lostError();
      throw error;
    }
  }
}
