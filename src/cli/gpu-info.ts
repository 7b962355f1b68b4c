/**
 * `convpaint gpu`: reports the WebGPU adapter and proves it computes correctly by running a small
 * kernel chain (reflect pad → block-mean downsample → nearest upsample) on the GPU and on the CPU
 * reference and comparing the two.
 */
import { GpuContext } from '../gpu/context.js';
import { blockMeanDownsample } from '../ops/downsample.js';
import { reflectPad } from '../ops/pad.js';
import { resample } from '../ops/resample.js';
import * as refDown from '../reference/downsample.js';
import * as refPad from '../reference/pad.js';
import * as refResample from '../reference/resample.js';

export interface GpuInfoReport {
  adapter: string;
  vendor: string;
  architecture: string;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  kernelCheck: { elements: number; maxAbsDiff: number; ok: boolean; seconds: number };
}

export async function gpuInfo(): Promise<GpuInfoReport> {
  const ctx = await GpuContext.create();
  try {
    const h = 384;
    const w = 512;
    const data = new Float32Array(h * w);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 3 + ((i * 7919) % 101) / 50;
    const pads = { top: 4, bottom: 4, left: 4, right: 4 };

    const t0 = performance.now();
    const src = ctx.upload(data, [h, w], 'smoke/src');
    const batch = ctx.batch('smoke');
    const padded = reflectPad(batch, src, pads);
    const down = blockMeanDownsample(batch, padded, 4);
    const up = resample(batch, down, h + 8, w + 8, 'nearest');
    const result = batch.read(up);
    await batch.submit();
    const gpuOut = await result;
    const seconds = (performance.now() - t0) / 1000;
    for (const t of [src, padded, down, up]) t.dispose();

    const cpu = refResample.upsampleNearest(
      refDown.blockMeanDownsample(refPad.reflectPad({ data, shape: [h, w] }, pads), 4),
      h + 8,
      w + 8,
    );
    let maxAbsDiff = 0;
    for (let i = 0; i < cpu.data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(cpu.data[i] - gpuOut[i]));
    const limits = ctx.device.limits;
    return {
      adapter: ctx.adapter.description,
      vendor: ctx.adapter.vendor,
      architecture: ctx.adapter.architecture,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      kernelCheck: { elements: cpu.data.length, maxAbsDiff, ok: !(maxAbsDiff > 1e-5), seconds },
    };
  } finally {
    ctx.dispose();
  }
}
