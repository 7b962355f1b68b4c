import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context.js';
import type { KernelSpec } from '../../src/gpu/context.js';
import { sizeClass } from '../../src/gpu/buffer-pool.js';
import { reflectPad } from '../../src/ops/pad.js';
import { blockMeanDownsample } from '../../src/ops/downsample.js';
import { WG_2D } from '../../src/ops/geometry.js';
import {
  BufferTooLargeError,
  DeviceLostError,
  DisposedError,
  GpuValidationError,
  KernelDescriptorError,
} from '../../src/errors.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const PAD: KernelSpec = { shader: 'pad', entryPoint: 'reflect_pad', overrides: WG_2D };

describe('GpuContext caches', () => {
  it('compiles a pipeline once per (shader, entry point, overrides)', () => {
    const ctx = gpu();
    const before = ctx.pipelinesCompiled;
    const a = ctx.kernel(PAD);
    const b = ctx.kernel({ ...PAD, overrides: { WG_Y: WG_2D.WG_Y, WG_X: WG_2D.WG_X } }); // key order irrelevant
    expect(b).toBe(a);
    expect(ctx.pipelinesCompiled).toBe(before + 1);
    const c = ctx.kernel({ ...PAD, overrides: { WG_X: 8, WG_Y: 8 } });
    expect(c).not.toBe(a);
    expect(ctx.pipelinesCompiled).toBe(before + 2);
  });

  it('reflects bindings and the uniform layout from the WGSL', () => {
    const info = gpu().entryPoint('pad', 'reflect_pad');
    expect(info.bindings.map((b) => [b.name, b.binding, b.kind])).toEqual([
      ['params', 0, 'uniform'],
      ['src', 1, 'read-only-storage'],
      ['dst', 2, 'storage'],
    ]);
    const fields = info.bindings[0].uniform!.fields;
    expect(fields.map((f) => f.name)).toContain('dst_plane_stride');
    expect(fields.find((f) => f.name === 'left')!.offset).toBe(24);
  });

  it('rejects a spec whose overrides do not match the shader', () => {
    expect(() => gpu().kernel({ ...PAD, overrides: { WG_X: 16 } })).toThrow(/declares overrides \[WG_X, WG_Y\]/);
  });
});

describe('dispatch checks against the reflected shader', () => {
  it('names a missing or unknown binding and a missing uniform member', () => {
    const ctx = gpu();
    const src = ctx.upload(new Float32Array(4), [2, 2], 'src');
    const batch = ctx.batch('checks');
    const uniforms = { planes: 1, src_h: 2, src_w: 2, dst_h: 2, dst_w: 2, top: 0, left: 0, src_offset: 0, src_plane_stride: 4, dst_offset: 0, dst_plane_stride: 4, dst_row_stride: 2 };
    expect(() => batch.dispatch(PAD, { uniforms, bindings: { src, out: src }, workgroups: [1, 1, 1] })).toThrow(KernelDescriptorError);
    expect(() => batch.dispatch(PAD, { uniforms, bindings: { src, out: src }, workgroups: [1, 1, 1] })).toThrow(/binds \[src, dst\]/);
    const { top: _omit, ...missing } = uniforms;
    expect(() => batch.dispatch(PAD, { uniforms: missing, bindings: { src, dst: src }, workgroups: [1, 1, 1] })).toThrow(/"top" was not given/);
    expect(() => batch.dispatch(PAD, { uniforms: { ...uniforms, sigma: 1 }, bindings: { src, dst: src }, workgroups: [1, 1, 1] })).toThrow(/"sigma" is not a member/);
    expect(() => batch.dispatch(PAD, { uniforms: { ...uniforms, top: -1 }, bindings: { src, dst: src }, workgroups: [1, 1, 1] })).toThrow(/cannot hold -1/);
    src.dispose();
  });

  it('a WebGPU validation error becomes GpuValidationError naming the batch', async () => {
    const ctx = gpu();
    const t = ctx.upload(new Float32Array(16), [4, 4], 't');
    const batch = ctx.batch('aliasing batch');
    // Binding one buffer as both read-only and writable storage is invalid in WebGPU.
    batch.dispatch(PAD, {
      uniforms: { planes: 1, src_h: 4, src_w: 4, dst_h: 4, dst_w: 4, top: 0, left: 0, src_offset: 0, src_plane_stride: 16, dst_offset: 0, dst_plane_stride: 16, dst_row_stride: 4 },
      bindings: { src: t, dst: t },
      workgroups: [1, 1, 1],
    });
    await expect(batch.submit()).rejects.toThrow(GpuValidationError);
    t.dispose();
    expect(ctx.takeUncapturedErrors()).toEqual([]);
  });

  it('in debug mode the error names the kernel', async () => {
    const ctx = await GpuContext.create({ debug: true });
    try {
      const t = ctx.upload(new Float32Array(16), [4, 4], 't');
      const batch = ctx.batch('debug batch');
      batch.dispatch(PAD, {
        uniforms: { planes: 1, src_h: 4, src_w: 4, dst_h: 4, dst_w: 4, top: 0, left: 0, src_offset: 0, src_plane_stride: 16, dst_offset: 0, dst_plane_stride: 16, dst_row_stride: 4 },
        bindings: { src: t, dst: t },
        workgroups: [1, 1, 1],
        label: 'the-culprit',
      });
      await expect(batch.submit()).rejects.toThrow(/kernel pad\/reflect_pad the-culprit/);
    } finally {
      ctx.dispose();
    }
  });
});

describe('tensors and the buffer pool', () => {
  it('reuses released buffers and accounts bytes', () => {
    const ctx = gpu();
    const s0 = ctx.pool.stats();
    const a = ctx.tensor([10, 10], 'a');
    expect(ctx.pool.stats().liveBytes - s0.liveBytes).toBe(sizeClass(400));
    const buffer = a.buffer;
    a.dispose();
    a.dispose(); // idempotent
    expect(ctx.pool.stats().liveBytes).toBe(s0.liveBytes);
    const b = ctx.tensor([9, 11], 'b'); // 396 bytes: same size class
    expect(b.buffer).toBe(buffer);
    expect(() => a.buffer).toThrow(DisposedError);
    expect(() => a.buffer).toThrow(/"a" was used after dispose/);
    b.dispose();
  });

  it('uploads while recording never overwrite a buffer that recorded work still uses', async () => {
    const ctx = gpu();
    const batch = ctx.batch('upload hazard');
    const reads: Array<Promise<Float32Array>> = [];
    for (let i = 0; i < 4; i++) {
      // each upload lands in the pool right after its consumer is recorded and released
      const t = ctx.upload(new Float32Array(16).fill(i), [4, 4], `data${i}`);
      const out = reflectPad(batch, t, { top: 0, bottom: 0, left: 0, right: 0 });
      reads.push(batch.read(out));
      t.dispose();
      out.dispose();
    }
    await batch.submit();
    const got = await Promise.all(reads);
    expect(got.map((d) => d[0])).toEqual([0, 1, 2, 3]);
  });

  it('batch uploads happen in order with recorded work, so they recycle pooled buffers', async () => {
    const ctx = gpu();
    const batch = ctx.batch('batch uploads');
    const reads: Array<Promise<Float32Array>> = [];
    const buffers = new Set<GPUBuffer>();
    for (let i = 0; i < 6; i++) {
      const t = batch.upload(new Float32Array(16).fill(i + 0.5), [4, 4], `data${i}`);
      buffers.add(t.buffer);
      const out = reflectPad(batch, t, { top: 0, bottom: 0, left: 0, right: 0 });
      reads.push(batch.read(out));
      t.dispose();
      out.dispose();
    }
    expect(() => batch.upload(new Float32Array(3), [4], 'wrong length')).toThrow(KernelDescriptorError);
    await batch.submit();
    const got = await Promise.all(reads);
    expect(got.map((d) => d[15])).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    // The same few buffers served every upload (ctx.upload would have taken six fresh ones).
    expect(buffers.size).toBeLessThanOrEqual(2);
  });

  it('size classes waste at most 1/8', () => {
    for (const n of [1, 17, 400, 1000, 4097, 123457, 5e6]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c).toBeLessThanOrEqual(Math.max(16, n * 1.125 + 4));
    }
  });

  it('refuses a buffer beyond the device limit with BufferTooLargeError', () => {
    const ctx = gpu();
    const max = ctx.pool.maxBufferBytes;
    expect(() => ctx.tensor([Math.ceil(max / 4) + 1], 'huge')).toThrow(BufferTooLargeError);
  });

  it('poisoned outputs read NaN where no kernel wrote', async () => {
    const ctx = gpu();
    const batch = ctx.batch('poison');
    const t = batch.tensor([3, 3], 'never written');
    const result = batch.read(t);
    await batch.submit();
    expect(Array.from(await result).every(Number.isNaN)).toBe(true);
    t.dispose();
  });

  it('one batch runs several kernels with one submit and intermediates disposed early', async () => {
    const ctx = gpu();
    const src = ctx.upload(Float32Array.from({ length: 64 }, (_, i) => i), [8, 8], 'src');
    const batch = ctx.batch('chain');
    const padded = reflectPad(batch, src, { top: 4, bottom: 4, left: 4, right: 4 });
    const down = blockMeanDownsample(batch, padded, 4);
    padded.dispose(); // returned to the pool; recorded work still runs in order
    const result = batch.read(down);
    expect(batch.dispatchCount).toBe(2);
    await batch.submit();
    expect(down.shape).toEqual([4, 4]);
    expect((await result).every(Number.isFinite)).toBe(true);
    src.dispose();
    down.dispose();
  });
});

describe('device loss and disposal', () => {
  it('a destroyed device rejects pending work with DeviceLostError, and later calls throw it', async () => {
    const ctx = await GpuContext.create();
    const src = ctx.upload(new Float32Array(1 << 16), [256, 256], 'src');
    const batch = ctx.batch('doomed');
    const out = reflectPad(batch, src, { top: 8, bottom: 8, left: 8, right: 8 });
    const result = batch.read(out);
    const pending = batch.submit();
    ctx.device.destroy();
    await expect(pending).rejects.toThrow(DeviceLostError);
    await expect(result).rejects.toThrow(DeviceLostError);
    await expect(ctx.device.lost).resolves.toBeDefined();
    expect(() => ctx.batch('after')).toThrow(DeviceLostError);
    expect(() => ctx.tensor([2, 2], 'after')).toThrow(/device was lost/);
    ctx.dispose();
  });

  it('a borrowed device survives dispose(); an owned one does not', async () => {
    const owner = await GpuContext.create();
    const borrowed = GpuContext.fromDevice(owner.device);
    expect(borrowed.owned).toBe(false);
    borrowed.dispose();
    borrowed.dispose();
    expect(() => borrowed.batch('x')).toThrow(DisposedError);
    // the device still works for its owner
    const t = owner.upload(Float32Array.from([1, 2, 3, 4]), [2, 2], 't');
    expect(Array.from(await owner.read(t))).toEqual([1, 2, 3, 4]);
    t.dispose();
    owner.dispose();
    await owner.device.lost;
    expect(owner.isLost).toBe(true);
  });
});
