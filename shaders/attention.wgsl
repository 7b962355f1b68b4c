// attention.wgsl — multi-head self-attention without a mask, softmax(q·kᵀ·scale)·v per head, from
//   the fused projection of a ViT block; the heads are concatenated back for the output projection.
// Layout: qkv is [N, 3·D] row-major, D = heads·64, column s·D + head·64 + i holding part s ∈ {q, k,
//   v} of that head (timm/DINOv2's order), read as vec4s; out is [N, D], column head·64 + i. The
//   head size is fixed at HEAD_DIM = 64 (every DINOv2/ViT-S..g head).
// Form: one invocation per (query, head), flash-style: the keys are walked in blocks of KEYS = 4
//   with an online softmax (running maximum m and sum l; the block's scores are exponentiated
//   against the new maximum and the old sums rescaled by exp(m_old − m_new)), so no N×N score or
//   probability matrix is ever stored and nothing overflows. The query (pre-scaled, as PyTorch's
//   q·scale @ kᵀ) and the output accumulator are 16 named vec4s each: software drivers keep
//   private arrays in memory. The keys of an iteration are the same for every invocation of a
//   workgroup (one head, all its queries), so their loads have uniform addresses — one scalar
//   load and a broadcast on lavapipe, a broadcast on a GPU — and there is no early return
//   (queries past N compute row N−1 and do not store), since lavapipe makes a load uniform
//   only outside divergent control flow. Keys past N in the last block get a score of −3e38,
//   whose exponential is 0.
// Bindings: 0 params (uniform), 1 qkv (read), 2 out (read_write).
// Dispatch: (ceil(N / WG), heads, 1), workgroup (WG, 1, 1).

struct Params {
  tokens: u32,
  heads: u32,
  scale: f32,
}

// Values per head (src/ops/attention.ts reads this line); the registers below are written for it.
const HEAD_DIM: u32 = 64u;
const_assert HEAD_DIM == 64u;
// Keys per step of the online softmax.
const KEYS: u32 = 4u;
const_assert KEYS == 4u;
// "Minus infinity" that stays finite, so exp(NEG − m) is 0 and m − NEG never makes inf − inf.
const NEG: f32 = -3.0e38;

override WG: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(WG, 1, 1)
fn attention(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = params.tokens;
  let head = wid.y;
  // Row stride in vec4s and the head's q, k, v offsets within a row.
  let row = 3u * params.heads * (HEAD_DIM / 4u);
  let hq = head * (HEAD_DIM / 4u);
  let hk = hq + params.heads * (HEAD_DIM / 4u);
  let hv = hk + params.heads * (HEAD_DIM / 4u);
  let i = wid.x * WG + lid.x;
  let qb = min(i, n - 1u) * row + hq;
  let s = params.scale;
  let q0 = qkv[qb + 0u] * s;
  let q1 = qkv[qb + 1u] * s;
  let q2 = qkv[qb + 2u] * s;
  let q3 = qkv[qb + 3u] * s;
  let q4 = qkv[qb + 4u] * s;
  let q5 = qkv[qb + 5u] * s;
  let q6 = qkv[qb + 6u] * s;
  let q7 = qkv[qb + 7u] * s;
  let q8 = qkv[qb + 8u] * s;
  let q9 = qkv[qb + 9u] * s;
  let q10 = qkv[qb + 10u] * s;
  let q11 = qkv[qb + 11u] * s;
  let q12 = qkv[qb + 12u] * s;
  let q13 = qkv[qb + 13u] * s;
  let q14 = qkv[qb + 14u] * s;
  let q15 = qkv[qb + 15u] * s;
  var o0 = vec4<f32>(0.0);
  var o1 = vec4<f32>(0.0);
  var o2 = vec4<f32>(0.0);
  var o3 = vec4<f32>(0.0);
  var o4 = vec4<f32>(0.0);
  var o5 = vec4<f32>(0.0);
  var o6 = vec4<f32>(0.0);
  var o7 = vec4<f32>(0.0);
  var o8 = vec4<f32>(0.0);
  var o9 = vec4<f32>(0.0);
  var o10 = vec4<f32>(0.0);
  var o11 = vec4<f32>(0.0);
  var o12 = vec4<f32>(0.0);
  var o13 = vec4<f32>(0.0);
  var o14 = vec4<f32>(0.0);
  var o15 = vec4<f32>(0.0);
  var m = NEG;
  var l = 0.0;
  for (var j0 = 0u; j0 < n; j0 += KEYS) {
    // Key rows of this block, clamped into the matrix (uniform across the workgroup).
    let r0 = min(j0 + 0u, n - 1u) * row;
    let kb0 = r0 + hk;
    let r1 = min(j0 + 1u, n - 1u) * row;
    let kb1 = r1 + hk;
    let r2 = min(j0 + 2u, n - 1u) * row;
    let kb2 = r2 + hk;
    let r3 = min(j0 + 3u, n - 1u) * row;
    let kb3 = r3 + hk;
    var s0 = dot(q0, qkv[kb0 + 0u]) + dot(q1, qkv[kb0 + 1u]) + dot(q2, qkv[kb0 + 2u]) + dot(q3, qkv[kb0 + 3u]) + dot(q4, qkv[kb0 + 4u]) + dot(q5, qkv[kb0 + 5u]) + dot(q6, qkv[kb0 + 6u]) + dot(q7, qkv[kb0 + 7u]) + dot(q8, qkv[kb0 + 8u]) + dot(q9, qkv[kb0 + 9u]) + dot(q10, qkv[kb0 + 10u]) + dot(q11, qkv[kb0 + 11u]) + dot(q12, qkv[kb0 + 12u]) + dot(q13, qkv[kb0 + 13u]) + dot(q14, qkv[kb0 + 14u]) + dot(q15, qkv[kb0 + 15u]);
    var s1 = dot(q0, qkv[kb1 + 0u]) + dot(q1, qkv[kb1 + 1u]) + dot(q2, qkv[kb1 + 2u]) + dot(q3, qkv[kb1 + 3u]) + dot(q4, qkv[kb1 + 4u]) + dot(q5, qkv[kb1 + 5u]) + dot(q6, qkv[kb1 + 6u]) + dot(q7, qkv[kb1 + 7u]) + dot(q8, qkv[kb1 + 8u]) + dot(q9, qkv[kb1 + 9u]) + dot(q10, qkv[kb1 + 10u]) + dot(q11, qkv[kb1 + 11u]) + dot(q12, qkv[kb1 + 12u]) + dot(q13, qkv[kb1 + 13u]) + dot(q14, qkv[kb1 + 14u]) + dot(q15, qkv[kb1 + 15u]);
    var s2 = dot(q0, qkv[kb2 + 0u]) + dot(q1, qkv[kb2 + 1u]) + dot(q2, qkv[kb2 + 2u]) + dot(q3, qkv[kb2 + 3u]) + dot(q4, qkv[kb2 + 4u]) + dot(q5, qkv[kb2 + 5u]) + dot(q6, qkv[kb2 + 6u]) + dot(q7, qkv[kb2 + 7u]) + dot(q8, qkv[kb2 + 8u]) + dot(q9, qkv[kb2 + 9u]) + dot(q10, qkv[kb2 + 10u]) + dot(q11, qkv[kb2 + 11u]) + dot(q12, qkv[kb2 + 12u]) + dot(q13, qkv[kb2 + 13u]) + dot(q14, qkv[kb2 + 14u]) + dot(q15, qkv[kb2 + 15u]);
    var s3 = dot(q0, qkv[kb3 + 0u]) + dot(q1, qkv[kb3 + 1u]) + dot(q2, qkv[kb3 + 2u]) + dot(q3, qkv[kb3 + 3u]) + dot(q4, qkv[kb3 + 4u]) + dot(q5, qkv[kb3 + 5u]) + dot(q6, qkv[kb3 + 6u]) + dot(q7, qkv[kb3 + 7u]) + dot(q8, qkv[kb3 + 8u]) + dot(q9, qkv[kb3 + 9u]) + dot(q10, qkv[kb3 + 10u]) + dot(q11, qkv[kb3 + 11u]) + dot(q12, qkv[kb3 + 12u]) + dot(q13, qkv[kb3 + 13u]) + dot(q14, qkv[kb3 + 14u]) + dot(q15, qkv[kb3 + 15u]);
    // Keys past N (only in the last block) get no weight.
    if (j0 + 3u >= n) {
      s1 = select(s1, NEG, j0 + 1u >= n);
      s2 = select(s2, NEG, j0 + 2u >= n);
      s3 = select(s3, NEG, j0 + 3u >= n);
    }
    let m_new = max(max(m, max(s0, s1)), max(s2, s3));
    let corr = exp(m - m_new);
    let p0 = exp(s0 - m_new);
    let p1 = exp(s1 - m_new);
    let p2 = exp(s2 - m_new);
    let p3 = exp(s3 - m_new);
    l = l * corr + ((p0 + p1) + (p2 + p3));
    m = m_new;
    let vb0 = r0 + hv;
    let vb1 = r1 + hv;
    let vb2 = r2 + hv;
    let vb3 = r3 + hv;
    o0 = o0 * corr + p0 * qkv[vb0 + 0u] + p1 * qkv[vb1 + 0u] + p2 * qkv[vb2 + 0u] + p3 * qkv[vb3 + 0u];
    o1 = o1 * corr + p0 * qkv[vb0 + 1u] + p1 * qkv[vb1 + 1u] + p2 * qkv[vb2 + 1u] + p3 * qkv[vb3 + 1u];
    o2 = o2 * corr + p0 * qkv[vb0 + 2u] + p1 * qkv[vb1 + 2u] + p2 * qkv[vb2 + 2u] + p3 * qkv[vb3 + 2u];
    o3 = o3 * corr + p0 * qkv[vb0 + 3u] + p1 * qkv[vb1 + 3u] + p2 * qkv[vb2 + 3u] + p3 * qkv[vb3 + 3u];
    o4 = o4 * corr + p0 * qkv[vb0 + 4u] + p1 * qkv[vb1 + 4u] + p2 * qkv[vb2 + 4u] + p3 * qkv[vb3 + 4u];
    o5 = o5 * corr + p0 * qkv[vb0 + 5u] + p1 * qkv[vb1 + 5u] + p2 * qkv[vb2 + 5u] + p3 * qkv[vb3 + 5u];
    o6 = o6 * corr + p0 * qkv[vb0 + 6u] + p1 * qkv[vb1 + 6u] + p2 * qkv[vb2 + 6u] + p3 * qkv[vb3 + 6u];
    o7 = o7 * corr + p0 * qkv[vb0 + 7u] + p1 * qkv[vb1 + 7u] + p2 * qkv[vb2 + 7u] + p3 * qkv[vb3 + 7u];
    o8 = o8 * corr + p0 * qkv[vb0 + 8u] + p1 * qkv[vb1 + 8u] + p2 * qkv[vb2 + 8u] + p3 * qkv[vb3 + 8u];
    o9 = o9 * corr + p0 * qkv[vb0 + 9u] + p1 * qkv[vb1 + 9u] + p2 * qkv[vb2 + 9u] + p3 * qkv[vb3 + 9u];
    o10 = o10 * corr + p0 * qkv[vb0 + 10u] + p1 * qkv[vb1 + 10u] + p2 * qkv[vb2 + 10u] + p3 * qkv[vb3 + 10u];
    o11 = o11 * corr + p0 * qkv[vb0 + 11u] + p1 * qkv[vb1 + 11u] + p2 * qkv[vb2 + 11u] + p3 * qkv[vb3 + 11u];
    o12 = o12 * corr + p0 * qkv[vb0 + 12u] + p1 * qkv[vb1 + 12u] + p2 * qkv[vb2 + 12u] + p3 * qkv[vb3 + 12u];
    o13 = o13 * corr + p0 * qkv[vb0 + 13u] + p1 * qkv[vb1 + 13u] + p2 * qkv[vb2 + 13u] + p3 * qkv[vb3 + 13u];
    o14 = o14 * corr + p0 * qkv[vb0 + 14u] + p1 * qkv[vb1 + 14u] + p2 * qkv[vb2 + 14u] + p3 * qkv[vb3 + 14u];
    o15 = o15 * corr + p0 * qkv[vb0 + 15u] + p1 * qkv[vb1 + 15u] + p2 * qkv[vb2 + 15u] + p3 * qkv[vb3 + 15u];
  }
  if (i >= n) {
    return;
  }
  let inv = 1.0 / l;
  let ob = i * params.heads * (HEAD_DIM / 4u) + hq;
  out[ob + 0u] = o0 * inv;
  out[ob + 1u] = o1 * inv;
  out[ob + 2u] = o2 * inv;
  out[ob + 3u] = o3 * inv;
  out[ob + 4u] = o4 * inv;
  out[ob + 5u] = o5 * inv;
  out[ob + 6u] = o6 * inv;
  out[ob + 7u] = o7 * inv;
  out[ob + 8u] = o8 * inv;
  out[ob + 9u] = o9 * inv;
  out[ob + 10u] = o10 * inv;
  out[ob + 11u] = o11 * inv;
  out[ob + 12u] = o12 * inv;
  out[ob + 13u] = o13 * inv;
  out[ob + 14u] = o14 * inv;
  out[ob + 15u] = o15 * inv;
}
