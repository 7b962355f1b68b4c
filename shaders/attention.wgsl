// attention.wgsl — multi-head self-attention without a mask, softmax(q·kᵀ·scale)·v per head, from
//   the fused projection of a ViT block; the heads are concatenated back for the output projection.
// Layout: qkv is [N, 3·D] row-major, D = heads·64, column s·D + head·64 + i holding part s ∈ {q, k,
//   v} of that head (timm/DINOv2's order), read as vec4s; out is [N, D], column head·64 + i. The
//   head size is fixed at HEAD_DIM = 64 (every DINOv2/ViT-S..g head).
// Two forms, chosen per adapter by src/ops/attention.ts:
// - online (`attention`; for GPUs): one invocation per (query, head), flash-style: the keys are
//   walked in blocks of KEYS = 4 with an online softmax (running maximum m and sum l; the block's
//   scores are exponentiated against the new maximum and the old sums rescaled by
//   exp(m_old − m_new)), so no score or probability matrix is ever stored and nothing
//   overflows. The query (pre-scaled, as PyTorch's q·scale @ kᵀ) and the output accumulator are
//   16 named vec4s each (private arrays would live in memory on software drivers). The keys of
//   an iteration are the same for every invocation of a workgroup (one head, all its queries),
//   so on a GPU their loads are broadcasts. Queries past N compute row N−1 and do not store;
//   keys past N in the last block get a score of NEG, whose exponential is 0.
// - chunked (`attention_scores`, `attention_softmax`, `attention_pv`; for software drivers): the
//   queries are taken in chunks whose scores fit a bounded buffer probs [heads, chunk, N] (the
//   host picks chunk ≤ 8 Mi floats / (heads·N), so memory never grows with N²): scores as a
//   register-blocked matmul (SCORE_ROWS = 8 queries × 4 keys per invocation, vec4 loads along
//   the head: 48 loaded floats per 128 multiply-adds), the row softmax in place (maximum
//   subtracted first), then probs·v as shaders/linear.wgsl's block (8 queries × one vec4 of v
//   per invocation). On lavapipe every per-invocation load is what costs — inside a loop even
//   workgroup-uniform addresses seem to be loaded per lane (see shaders/linear.wgsl) — and the
//   online form loads 128 floats per key for 128 multiply-adds per query; at N 1374, 6 heads:
//   online 2.06 s, chunked ~0.65 s.
//   Where the device has subgroups, the chunked form's scores and probs·v kernels come from
//   attention-subgroup.wgsl (the same sums, their shared loads broadcast across lanes).
// Bindings: 0 params (uniform), 1 qkv (read), 2 out (read_write), 3 probs (read_write; chunked).
// Dispatch: attention: (ceil(N / WG), heads, 1), workgroup (WG, 1, 1);
//   attention_scores: (ceil(N / (4·WG)), ceil(chunk / SCORE_ROWS), heads);
//   attention_softmax: (ceil(heads·chunk / WG), 1, 1);
//   attention_pv: (ceil(heads·16 / WG), ceil(chunk / 8), 1) — invocations span (head, vec4).

// #include "lib/attention-common.wgsl"

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

// ---- Chunked form ----------------------------------------------------------------------------

// Scores of an 8-query × 4-key block: scale·q·k, written to probs[head, r, j] of the chunk.
@compute @workgroup_size(WG, 1, 1)
fn attention_scores(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = params.tokens;
  let head = wid.z;
  let row = 3u * params.heads * (HEAD_DIM / 4u);
  let hq = head * (HEAD_DIM / 4u);
  let hk = hq + params.heads * (HEAD_DIM / 4u);
  let j0 = (wid.x * WG + lid.x) * 4u;
  let r0 = wid.y * SCORE_ROWS;
  let last_q = params.q0 + params.chunk - 1u;
  let qb0 = min(params.q0 + r0 + 0u, last_q) * row + hq;
  let qb1 = min(params.q0 + r0 + 1u, last_q) * row + hq;
  let qb2 = min(params.q0 + r0 + 2u, last_q) * row + hq;
  let qb3 = min(params.q0 + r0 + 3u, last_q) * row + hq;
  let qb4 = min(params.q0 + r0 + 4u, last_q) * row + hq;
  let qb5 = min(params.q0 + r0 + 5u, last_q) * row + hq;
  let qb6 = min(params.q0 + r0 + 6u, last_q) * row + hq;
  let qb7 = min(params.q0 + r0 + 7u, last_q) * row + hq;
  let kb0 = min(j0 + 0u, n - 1u) * row + hk;
  let kb1 = min(j0 + 1u, n - 1u) * row + hk;
  let kb2 = min(j0 + 2u, n - 1u) * row + hk;
  let kb3 = min(j0 + 3u, n - 1u) * row + hk;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0);
  var s5 = vec4<f32>(0.0);
  var s6 = vec4<f32>(0.0);
  var s7 = vec4<f32>(0.0);
  for (var t = 0u; t < HEAD_DIM / 4u; t++) {
    let k0 = qkv[kb0 + t];
    let k1 = qkv[kb1 + t];
    let k2 = qkv[kb2 + t];
    let k3 = qkv[kb3 + t];
    let q0 = qkv[qb0 + t];
    s0 += vec4<f32>(dot(q0, k0), dot(q0, k1), dot(q0, k2), dot(q0, k3));
    let q1 = qkv[qb1 + t];
    s1 += vec4<f32>(dot(q1, k0), dot(q1, k1), dot(q1, k2), dot(q1, k3));
    let q2 = qkv[qb2 + t];
    s2 += vec4<f32>(dot(q2, k0), dot(q2, k1), dot(q2, k2), dot(q2, k3));
    let q3 = qkv[qb3 + t];
    s3 += vec4<f32>(dot(q3, k0), dot(q3, k1), dot(q3, k2), dot(q3, k3));
    let q4 = qkv[qb4 + t];
    s4 += vec4<f32>(dot(q4, k0), dot(q4, k1), dot(q4, k2), dot(q4, k3));
    let q5 = qkv[qb5 + t];
    s5 += vec4<f32>(dot(q5, k0), dot(q5, k1), dot(q5, k2), dot(q5, k3));
    let q6 = qkv[qb6 + t];
    s6 += vec4<f32>(dot(q6, k0), dot(q6, k1), dot(q6, k2), dot(q6, k3));
    let q7 = qkv[qb7 + t];
    s7 += vec4<f32>(dot(q7, k0), dot(q7, k1), dot(q7, k2), dot(q7, k3));
  }
  store_scores(head, r0 + 0u, j0, s0);
  store_scores(head, r0 + 1u, j0, s1);
  store_scores(head, r0 + 2u, j0, s2);
  store_scores(head, r0 + 3u, j0, s3);
  store_scores(head, r0 + 4u, j0, s4);
  store_scores(head, r0 + 5u, j0, s5);
  store_scores(head, r0 + 6u, j0, s6);
  store_scores(head, r0 + 7u, j0, s7);
}

// Row-wise softmax of probs in place, the maximum subtracted first; one invocation per row.
@compute @workgroup_size(WG, 1, 1)
fn attention_softmax(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.heads * params.chunk) {
    return;
  }
  let n = params.tokens;
  let base = gid.x * n;
  var m = NEG;
  for (var j = 0u; j < n; j++) {
    m = max(m, probs[base + j]);
  }
  var l = 0.0;
  for (var j = 0u; j < n; j++) {
    let p = exp(probs[base + j] - m);
    probs[base + j] = p;
    l += p;
  }
  let inv = 1.0 / l;
  for (var j = 0u; j < n; j++) {
    probs[base + j] *= inv;
  }
}

// out rows q0.. of the chunk = probs · v: 8 queries × 4 values (one vec4 of the head) per
// invocation, as shaders/linear.wgsl's block — per key 8 probabilities and one vec4 of v.
@compute @workgroup_size(WG, 1, 1)
fn attention_pv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let n = params.tokens;
  let quads = HEAD_DIM / 4u;
  let lane = wid.x * WG + lid.x;
  let head = min(lane / quads, params.heads - 1u);
  let quad = lane % quads;
  let row = 3u * params.heads * quads;
  let hv = (2u * params.heads + head) * quads + quad;
  let r0 = wid.y * 8u;
  let last = params.chunk - 1u;
  let pb0 = (head * params.chunk + min(r0 + 0u, last)) * n;
  let pb1 = (head * params.chunk + min(r0 + 1u, last)) * n;
  let pb2 = (head * params.chunk + min(r0 + 2u, last)) * n;
  let pb3 = (head * params.chunk + min(r0 + 3u, last)) * n;
  let pb4 = (head * params.chunk + min(r0 + 4u, last)) * n;
  let pb5 = (head * params.chunk + min(r0 + 5u, last)) * n;
  let pb6 = (head * params.chunk + min(r0 + 6u, last)) * n;
  let pb7 = (head * params.chunk + min(r0 + 7u, last)) * n;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var vi = hv;
  for (var j = 0u; j < n; j++) {
    let v = qkv[vi];
    a0 += probs[pb0 + j] * v;
    a1 += probs[pb1 + j] * v;
    a2 += probs[pb2 + j] * v;
    a3 += probs[pb3 + j] * v;
    a4 += probs[pb4 + j] * v;
    a5 += probs[pb5 + j] * v;
    a6 += probs[pb6 + j] * v;
    a7 += probs[pb7 + j] * v;
    vi += row;
  }
  if (lane >= params.heads * quads) {
    return;
  }
  let d4 = params.heads * quads;
  if (r0 + 0u < params.chunk) { out[(params.q0 + r0 + 0u) * d4 + head * quads + quad] = a0; }
  if (r0 + 1u < params.chunk) { out[(params.q0 + r0 + 1u) * d4 + head * quads + quad] = a1; }
  if (r0 + 2u < params.chunk) { out[(params.q0 + r0 + 2u) * d4 + head * quads + quad] = a2; }
  if (r0 + 3u < params.chunk) { out[(params.q0 + r0 + 3u) * d4 + head * quads + quad] = a3; }
  if (r0 + 4u < params.chunk) { out[(params.q0 + r0 + 4u) * d4 + head * quads + quad] = a4; }
  if (r0 + 5u < params.chunk) { out[(params.q0 + r0 + 5u) * d4 + head * quads + quad] = a5; }
  if (r0 + 6u < params.chunk) { out[(params.q0 + r0 + 6u) * d4 + head * quads + quad] = a6; }
  if (r0 + 7u < params.chunk) { out[(params.q0 + r0 + 7u) * d4 + head * quads + quad] = a7; }
}
