/**
 * Multi-head self-attention (no mask) of a ViT block from its fused qkv projection; see
 * shaders/attention.wgsl (flash-style online softmax, no N×N matrix in memory) and the CPU twin
 * src/reference/attention.ts.
 */
import { ShapeError } from '../errors.js';
import type { GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuTensor } from '../gpu/tensor.js';

/** Queries (of one head) per workgroup. */
export const ATTENTION_WG = { WG: 64 } as const;

const KERNEL: KernelSpec = { shader: 'attention', entryPoint: 'attention', overrides: ATTENTION_WG };

/** The one head size the kernel is written for (64, every ViT-S..g head). */
export function attentionHeadDim(): number {
  return shaderConst('attention', 'HEAD_DIM');
}

/**
 * `qkv` [N, 3·heads·64] (column s·D + head·64 + i, s ∈ {q, k, v}) → new [N, heads·64]:
 * softmax(q·kᵀ·scale)·v per head, heads concatenated (column head·64 + i).
 * `scale` defaults to 1/√64.
 */
export function selfAttention(batch: GpuBatch, qkv: GpuTensor, heads: number, scale = 1 / Math.sqrt(attentionHeadDim()), label?: string): GpuTensor {
  const headDim = attentionHeadDim();
  if (!Number.isInteger(heads) || heads < 1) throw new ShapeError(`selfAttention: heads must be a positive integer, got ${heads}`);
  const d = heads * headDim;
  if (qkv.shape.length !== 2 || qkv.shape[1] !== 3 * d) {
    throw new ShapeError(`selfAttention: "${qkv.label}" must be [N, ${3 * d}] (q, k, v of ${heads} heads of ${headDim}), got [${qkv.shape.join(',')}]`);
  }
  const n = qkv.shape[0];
  if (n < 1) throw new ShapeError(`selfAttention: "${qkv.label}" has no tokens`);
  const name = label ?? `${qkv.label}/attention`;
  const out = batch.tensor([n, d], name);
  batch.dispatch(KERNEL, {
    uniforms: { tokens: n, heads, scale },
    bindings: { qkv, out },
    workgroups: [Math.ceil(n / ATTENTION_WG.WG), heads, 1],
    label: name,
  });
  return out;
}
