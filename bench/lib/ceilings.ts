/**
 * The machine's own limits, measured here so rates can be read as a fraction of what is possible:
 *
 * - GPU memory bandwidth: `copyBufferToBuffer` of one large buffer (bytes read + written, wall
 *   time of several copies in one submit), a vec4 copy kernel and a streaming-read kernel (a
 *   grid-stride loop summing vec4s; bytes read), the kernels timed by timestamps when available.
 * - GPU arithmetic: an FMA-chain kernel (8 independent vec4 accumulators, 2 FLOPs per lane per
 *   fma): what the adapter can issue when nothing waits on memory.
 * - GPU histogram rate: every invocation adds a vec4 at pseudo-random bins of its own 256-bin
 *   slice (no input to read): the read-modify-write rate a histogram kernel can at best reach
 *   (updates/s, one vec4 = the GBDT trainer's 4 statistics of one row and feature).
 * - CPU memory bandwidth: `Float32Array.prototype.set` of a large array (read + written), one
 *   thread; CPU arithmetic: a scalar multiply-add loop in JS, one thread (what the reference
 *   paths can at best reach); CPU histogram rate: 4 statistics added at pseudo-random bins of a
 *   Float64Array histogram, one thread.
 *
 * The WGSL below belongs to the bench, not to the engine (shaders/ holds the engine's kernels).
 */
import type { GpuContext } from '../../src/gpu/context.js';
import type { GpuTimer } from './gpu-timer.js';
import { summary } from './timing.js';

const STORAGE = 0x80;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;

export interface Ceilings {
  gpu: {
    bufferBytes: number;
    /** copyBufferToBuffer, GB/s (read + write). */
    copyGBs: number;
    /** vec4 copy kernel, GB/s (read + write). */
    copyKernelGBs: number;
    /** streaming read kernel, GB/s (read). */
    readKernelGBs: number;
    /** FMA kernel, GFLOP/s. */
    fmaGflops: number;
    /** scatter-add kernel: vec4 histogram updates per second. */
    histogramUpdatesPerS: number;
    timedBy: 'timestamps' | 'wall';
  } | null;
  cpu: {
    /** Float32Array.set, GB/s (read + write), one thread. */
    copyGBs: number;
    /** scalar multiply-add loop, GFLOP/s, one thread. */
    fmaGflops: number;
    /** 4-statistic histogram updates per second, one thread. */
    histogramUpdatesPerS: number;
  };
}

const WGSL = /* wgsl */ `
// Bench kernels: copy, streaming read and FMA chains over vec4<f32> buffers.
struct Params { count: u32, iterations: u32, stride: u32, pad: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(256)
fn copy(@builtin(global_invocation_id) id: vec3<u32>) {
  var i = id.x + id.y * params.stride;
  if (i < params.count) { dst[i] = src[i]; }
}

@compute @workgroup_size(256)
fn read_sum(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let step = groups.x * 256u;
  var acc = vec4<f32>(0.0);
  for (var i = id.x; i < params.count; i += step) { acc += src[i]; }
  dst[id.x] = acc;
}

@compute @workgroup_size(256)
fn fma_chain(@builtin(global_invocation_id) id: vec3<u32>) {
  let s = f32(id.x) * 1e-9;
  var a0 = vec4<f32>(s); var a1 = a0 + 0.1; var a2 = a0 + 0.2; var a3 = a0 + 0.3;
  var a4 = a0 + 0.4; var a5 = a0 + 0.5; var a6 = a0 + 0.6; var a7 = a0 + 0.7;
  let m = vec4<f32>(0.9999);
  let c = vec4<f32>(1e-4);
  for (var i = 0u; i < params.iterations; i++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  dst[id.x] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

@compute @workgroup_size(8)
fn scatter_add(@builtin(global_invocation_id) id: vec3<u32>) {
  let base = id.x * 256u;
  var h = id.x * 747796405u + 2891336453u;
  let v = vec4<f32>(1.0, 0.5, 0.25, 0.125);
  for (var i = 0u; i < params.iterations; i++) {
    h = h * 1664525u + 1013904223u;
    dst[base + (h >> 24u)] += v;
  }
}
`;

async function median(runs: number, once: () => Promise<number>): Promise<number> {
  await once();
  const xs: number[] = [];
  for (let r = 0; r < runs; r++) xs.push(await once());
  return summary(xs).medianMs;
}

export async function measureGpuCeilings(ctx: GpuContext, timer: GpuTimer | null, runs = 5): Promise<NonNullable<Ceilings['gpu']>> {
  const device = ctx.device;
  const bytes = Math.min(256 * 2 ** 20, Math.floor(ctx.pool.maxBufferBytes / 256) * 256);
  const a = device.createBuffer({ label: 'bench/ceiling/a', size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
  const b = device.createBuffer({ label: 'bench/ceiling/b', size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
  const vec4s = bytes / 16;
  const maxX = device.limits.maxComputeWorkgroupsPerDimension;
  const groups = Math.ceil(vec4s / 256);
  const gx = Math.min(groups, maxX);
  const gy = Math.ceil(groups / gx);
  const fmaGroups = 1024;
  const fmaIterations = 512;
  const small = device.createBuffer({ label: 'bench/ceiling/out', size: fmaGroups * 256 * 16, usage: STORAGE | COPY_SRC });
  const params = device.createBuffer({ label: 'bench/ceiling/params', size: 16, usage: UNIFORM | COPY_DST });
  device.queue.writeBuffer(params, 0, new Uint32Array([vec4s, fmaIterations, gx * 256, 0]));
  const module = device.createShaderModule({ label: 'bench/ceilings', code: WGSL });
  // An explicit layout: 'auto' would drop the bindings an entry point does not use.
  const COMPUTE = 0x4;
  const layout = device.createBindGroupLayout({
    label: 'bench/ceilings',
    entries: [
      { binding: 0, visibility: COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: COMPUTE, buffer: { type: 'storage' } },
    ],
  });
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
  const pipeline = (entryPoint: string) => device.createComputePipeline({ label: `bench/${entryPoint}`, layout: pipelineLayout, compute: { module, entryPoint } });
  const [copyP, readP, fmaP, scatterP] = [pipeline('copy'), pipeline('read_sum'), pipeline('fma_chain'), pipeline('scatter_add')];
  const scatterIterations = 100_000;
  const scatterParams = device.createBuffer({ label: 'bench/ceiling/scatter-params', size: 16, usage: UNIFORM | COPY_DST });
  device.queue.writeBuffer(scatterParams, 0, new Uint32Array([0, scatterIterations, 0, 0]));
  const group = (_p: GPUComputePipeline, out: GPUBuffer, uniforms = params) =>
    device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer: uniforms } }, { binding: 1, resource: { buffer: a } }, { binding: 2, resource: { buffer: out } }] });

  /** Runs one pass of `p`; returns ms by timestamps when available, else by wall time. */
  const runPass = async (p: GPUComputePipeline, out: GPUBuffer, wg: [number, number], uniforms = params): Promise<number> => {
    const bind = group(p, out, uniforms);
    const work = async () => {
      const enc = device.createCommandEncoder({ label: 'bench/ceiling' });
      const pass = enc.beginComputePass({ label: 'bench/ceiling' });
      pass.setPipeline(p);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(wg[0], wg[1]);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    if (!timer) {
      const t0 = performance.now();
      await work();
      return performance.now() - t0;
    }
    const m = await timer.measure(work);
    return m.gpu?.kernelMs ?? m.wallMs;
  };

  const copies = 4;
  const copyMs = await median(runs, async () => {
    const t0 = performance.now();
    const enc = device.createCommandEncoder({ label: 'bench/ceiling/copy' });
    for (let i = 0; i < copies; i++) enc.copyBufferToBuffer(i % 2 ? b : a, 0, i % 2 ? a : b, 0, bytes);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  });
  const copyKernelMs = await median(runs, () => runPass(copyP, b, [gx, gy]));
  const readGroups = Math.min(1024, gx);
  const readMs = await median(runs, () => runPass(readP, small, [readGroups, 1]));
  const fmaMs = await median(runs, () => runPass(fmaP, small, [fmaGroups, 1]));
  // As many owners as the GBDT trainer's histogram kernel has for 192 features (48 words).
  const scatterGroups = 6;
  const scatterMs = await median(runs, () => runPass(scatterP, small, [scatterGroups, 1], scatterParams));
  for (const buf of [a, b, small, params, scatterParams]) buf.destroy();
  return {
    bufferBytes: bytes,
    copyGBs: (2 * bytes * copies) / (copyMs / 1000) / 1e9,
    copyKernelGBs: (2 * bytes) / (copyKernelMs / 1000) / 1e9,
    readKernelGBs: bytes / (readMs / 1000) / 1e9,
    fmaGflops: (fmaGroups * 256 * fmaIterations * 8 * 4 * 2) / (fmaMs / 1000) / 1e9,
    histogramUpdatesPerS: (scatterGroups * 8 * scatterIterations) / (scatterMs / 1000),
    timedBy: timer ? 'timestamps' : 'wall',
  };
}

export function measureCpuCeilings(runs = 5): Ceilings['cpu'] {
  const n = 64 * 2 ** 20; // 256 MiB of float32
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  const copy: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    dst.set(src);
    if (r > 0) copy.push(performance.now() - t0);
  }
  const iterations = 20_000_000;
  const fma: number[] = [];
  let sink = 0;
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    let a0 = 0.1, a1 = 0.2, a2 = 0.3, a3 = 0.4;
    for (let i = 0; i < iterations; i++) {
      a0 = a0 * 0.9999 + 1e-4;
      a1 = a1 * 0.9999 + 1e-4;
      a2 = a2 * 0.9999 + 1e-4;
      a3 = a3 * 0.9999 + 1e-4;
    }
    sink += a0 + a1 + a2 + a3;
    if (r > 0) fma.push(performance.now() - t0);
  }
  const updates = 20_000_000;
  const hist = new Float64Array(256 * 4);
  const scatter: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    let h = 12345;
    for (let i = 0; i < updates; i++) {
      h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
      const o = (h >>> 24) * 4;
      hist[o] += 1;
      hist[o + 1] += 0.5;
      hist[o + 2] += 0.25;
      hist[o + 3] += 0.125;
    }
    if (r > 0) scatter.push(performance.now() - t0);
  }
  sink += hist[0];
  if (sink === 42) console.log(''); // keep the loops alive
  return {
    copyGBs: (2 * n * 4) / (summary(copy).medianMs / 1000) / 1e9,
    fmaGflops: (iterations * 4 * 2) / (summary(fma).medianMs / 1000) / 1e9,
    histogramUpdatesPerS: updates / (summary(scatter).medianMs / 1000),
  };
}
