/**
 * Multi-head self-attention (no mask) of a ViT block from its fused qkv projection; see
 * shaders/attention.wgsl and the CPU twin src/reference/attention.ts. Two forms: `online`
 * (flash-style, no score matrix in memory; for GPUs) and `chunked` (scores of a chunk of queries
 * in a bounded buffer, softmax, then probabilities·v, each a register-blocked kernel; for
 * software drivers, where it measured ~4× faster), whose two matmul kernels have a subgroup form
 * (`chunked-subgroup`, shaders/attention-subgroup.wgsl: the same sums, shared loads broadcast).
 */
import { KernelDescriptorError, ShapeError } from '../errors.js';
import type { BatchHost, GpuBatch } from '../gpu/batch.js';
import type { KernelSpec } from '../gpu/context.js';
import { shaderConst } from '../gpu/shader-consts.js';
import type { GpuTensor } from '../gpu/tensor.js';

/** Queries (of one head) per workgroup. */
export const ATTENTION_WG = { WG: 64 } as const;

const ONLINE: KernelSpec = { shader: 'attention', entryPoint: 'attention', overrides: ATTENTION_WG };
const SCORES: KernelSpec = { shader: 'attention', entryPoint: 'attention_scores', overrides: ATTENTION_WG };
const SOFTMAX: KernelSpec = { shader: 'attention', entryPoint: 'attention_softmax', overrides: ATTENTION_WG };
/** Invocations of attention_pv span (head, vec4 of the head); 32 measured best on lavapipe. */
const PV: KernelSpec = { shader: 'attention', entryPoint: 'attention_pv', overrides: { WG: 32 } };
/** Queries per invocation of attention_pv. */
const PV_ROWS = 8;
const SCORES_SUBGROUP: KernelSpec = { shader: 'attention-subgroup', entryPoint: 'attention_scores', overrides: ATTENTION_WG };
/** One head per workgroup of 16 (its fixed size), so that every lane shares the broadcast probabilities. */
const PV_SUBGROUP: KernelSpec = { shader: 'attention-subgroup', entryPoint: 'attention_pv', overrides: {} };

/**
 * Most scores the chunked form holds at once ([heads, chunk, N] f32, 32 MiB): queries are
 * processed in chunks of at most this / (heads·N), so memory stays bounded for any token count.
 */
export const ATTENTION_CHUNK_FLOATS = 8 * 1024 * 1024;

/** How attention is computed (see the file comment). */
export type AttentionForm = 'online' | 'chunked' | 'chunked-subgroup';

/** The form a context runs by default: chunked on software adapters (with subgroups where the device has them), online on GPUs. */
export function defaultAttentionForm(ctx: BatchHost): AttentionForm {
  if (!ctx.isSoftwareAdapter) return 'online';
  return ctx.hasSubgroups ? 'chunked-subgroup' : 'chunked';
}

/** Queries per chunk of the chunked form: a multiple of 8 (the P·V block), at least 8. */
export function attentionChunk(tokens: number, heads: number, budget = ATTENTION_CHUNK_FLOATS): number {
  const fit = Math.max(8, Math.floor(budget / (heads * tokens) / 8) * 8);
  return Math.min(fit, Math.ceil(tokens / 8) * 8);
}

/** The one head size the kernel is written for (64, every ViT-S..g head). */
export function attentionHeadDim(): number {
  return shaderConst('attention', 'HEAD_DIM');
}

/**
 * `qkv` [N, 3·heads·64] (column s·D + head·64 + i, s ∈ {q, k, v}) → new [N, heads·64]:
 * softmax(q·kᵀ·scale)·v per head, heads concatenated (column head·64 + i).
 * `scale` defaults to 1/√64.
 */
export function selfAttention(
  batch: GpuBatch,
  qkv: GpuTensor,
  heads: number,
  scale = 1 / Math.sqrt(attentionHeadDim()),
  label?: string,
  form: AttentionForm = defaultAttentionForm(batch.ctx),
  chunkFloats = ATTENTION_CHUNK_FLOATS,
): GpuTensor {
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
  if (form === 'online') {
    batch.dispatch(ONLINE, {
      uniforms: { tokens: n, heads, scale, q0: 0, chunk: n },
      bindings: { qkv, out },
      workgroups: [Math.ceil(n / ATTENTION_WG.WG), heads, 1],
      label: name,
    });
    return out;
  }
  if (form === 'chunked-subgroup' && !batch.ctx.hasSubgroups) throw new KernelDescriptorError('selfAttention: the chunked-subgroup form needs a device with the "subgroups" feature');
  const shared = form === 'chunked-subgroup';
  const chunk = attentionChunk(n, heads, chunkFloats);
  const probs = batch.tensor([heads, Math.min(chunk, n), n], `${name}/probs`);
  for (let q0 = 0; q0 < n; q0 += chunk) {
    const rows = Math.min(chunk, n - q0);
    const uniforms = { tokens: n, heads, scale, q0, chunk: rows };
    const scoreRows = shaderConst('attention', 'SCORE_ROWS');
    batch.dispatch(shared ? SCORES_SUBGROUP : SCORES, { uniforms, bindings: { qkv, probs }, workgroups: [Math.ceil(n / (4 * ATTENTION_WG.WG)), Math.ceil(rows / scoreRows), heads], label: `${name}/scores` });
    batch.dispatch(SOFTMAX, { uniforms, bindings: { probs }, workgroups: [Math.ceil((heads * rows) / ATTENTION_WG.WG), 1, 1], label: `${name}/softmax` });
    const pvGroups: [number, number, number] = shared ? [heads, Math.ceil(rows / PV_ROWS), 1] : [Math.ceil((heads * (headDim / 4)) / PV.overrides.WG), Math.ceil(rows / PV_ROWS), 1];
    batch.dispatch(shared ? PV_SUBGROUP : PV, { uniforms, bindings: { qkv, probs, out }, workgroups: pvGroups, label: `${name}/pv` });
  }
  probs.dispose();
  return out;
}
