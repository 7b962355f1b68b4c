/**
 * What a dispatch names (a kernel: shader file, entry point, override constants) and what the
 * context compiles it into. Below both the context and the batch, which share these types.
 */
import type { EntryPointInfo } from './reflection.js';
import type { ShaderName } from './shaders.generated.js';

/** Which compiled code a dispatch runs: shader file, entry point and its override constants. */
export interface KernelSpec {
  shader: ShaderName;
  entryPoint: string;
  /** Every `override` the WGSL declares; they have no defaults there, so TS is the one source. */
  overrides: Readonly<Record<string, number>>;
}

export interface CompiledKernel {
  info: EntryPointInfo;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}
