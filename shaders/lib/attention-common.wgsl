// lib/attention-common.wgsl — what both attention shaders share (attention.wgsl, attention-subgroup.wgsl):
// the parameters, the head size and blocks, the bindings, and the store of a block of scores.
// Spliced in by scripts/bundle-shaders.mjs (`// #include`); not a kernel by itself.

struct Params {
  tokens: u32,
  heads: u32,
  scale: f32,
  // Chunked form: the chunk's first query and its number of queries (probs is [heads, chunk, N]).
  q0: u32,
  chunk: u32,
}

// Values per head (src/ops/attention.ts reads this line); the registers below are written for it.
const HEAD_DIM: u32 = 64u;
const_assert HEAD_DIM == 64u;
// Keys per step of the online softmax.
const KEYS: u32 = 4u;
const_assert KEYS == 4u;
// Queries per invocation of attention_scores (src/ops/attention.ts reads this line).
const SCORE_ROWS: u32 = 8u;
const_assert SCORE_ROWS == 8u;
// "Minus infinity" that stays finite, so exp(NEG − m) is 0 and m − NEG never makes inf − inf.
const NEG: f32 = -3.0e38;

override WG: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;

fn store_scores(head: u32, r: u32, j0: u32, s: vec4<f32>) {
  if (r >= params.chunk) {
    return;
  }
  let n = params.tokens;
  let base = (head * params.chunk + r) * n;
  let v = s * params.scale;
  if (j0 < n) { probs[base + j0] = v.x; }
  if (j0 + 1u < n) { probs[base + j0 + 1u] = v.y; }
  if (j0 + 2u < n) { probs[base + j0 + 2u] = v.z; }
  if (j0 + 3u < n) { probs[base + j0 + 3u] = v.w; }
}

