enable subgroups;

// attention-subgroup.wgsl — the chunked form's two matmul kernels of attention.wgsl (scores =
//   scale·q·kᵀ of 8 queries × 4 keys, and probs·v of 8 queries × one vec4 of a head), for devices
//   with the `subgroups` feature; the softmax and the online form stay in attention.wgsl.
// Why: as in linear-subgroup.wgsl. In each step the 8 queries' vec4s (scores) or the 8 rows'
//   probabilities (probs·v) are the same for the whole workgroup; the software drivers pay such
//   loads lane by lane. Here the loop runs in steps of KB = 4: lane j of each group of 4 loads
//   step j's values, and subgroupBroadcast (a constant lane: WebGPU's smallest subgroup is 4)
//   hands them to every lane. Same products in the same order as attention.wgsl: equal results.
// Uniformity: every lane of a workgroup shares the broadcast values — scores: one head (z) and
//   one block of queries (y) per workgroup; probs·v: one head per workgroup of HEAD_DIM / 4 = 16
//   invocations, one per vec4 of the head (attention.wgsl's spans several heads) — and no lane
//   returns early before the loops.
// Bindings: as attention.wgsl.
// Dispatch: attention_scores: as attention.wgsl; attention_pv: (heads, ceil(chunk / 8), 1),
//   workgroup (16, 1, 1).

// #include "lib/attention-common.wgsl"

const KB: u32 = 4u;
const_assert (HEAD_DIM / 4u) % KB == 0u;

@compute @workgroup_size(WG, 1, 1)
fn attention_scores(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
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
  let share = lane % KB;
  for (var t = 0u; t < HEAD_DIM / 4u; t += KB) {
    let qs0 = qkv[qb0 + t + share];
    let qs1 = qkv[qb1 + t + share];
    let qs2 = qkv[qb2 + t + share];
    let qs3 = qkv[qb3 + t + share];
    let qs4 = qkv[qb4 + t + share];
    let qs5 = qkv[qb5 + t + share];
    let qs6 = qkv[qb6 + t + share];
    let qs7 = qkv[qb7 + t + share];
    {
      // t + 0: the queries' vec4s sit in lane 0 of each group of KB.
      let k0 = qkv[kb0 + t + 0u];
      let k1 = qkv[kb1 + t + 0u];
      let k2 = qkv[kb2 + t + 0u];
      let k3 = qkv[kb3 + t + 0u];
      let q0 = subgroupBroadcast(qs0, 0u);
      s0 += vec4<f32>(dot(q0, k0), dot(q0, k1), dot(q0, k2), dot(q0, k3));
      let q1 = subgroupBroadcast(qs1, 0u);
      s1 += vec4<f32>(dot(q1, k0), dot(q1, k1), dot(q1, k2), dot(q1, k3));
      let q2 = subgroupBroadcast(qs2, 0u);
      s2 += vec4<f32>(dot(q2, k0), dot(q2, k1), dot(q2, k2), dot(q2, k3));
      let q3 = subgroupBroadcast(qs3, 0u);
      s3 += vec4<f32>(dot(q3, k0), dot(q3, k1), dot(q3, k2), dot(q3, k3));
      let q4 = subgroupBroadcast(qs4, 0u);
      s4 += vec4<f32>(dot(q4, k0), dot(q4, k1), dot(q4, k2), dot(q4, k3));
      let q5 = subgroupBroadcast(qs5, 0u);
      s5 += vec4<f32>(dot(q5, k0), dot(q5, k1), dot(q5, k2), dot(q5, k3));
      let q6 = subgroupBroadcast(qs6, 0u);
      s6 += vec4<f32>(dot(q6, k0), dot(q6, k1), dot(q6, k2), dot(q6, k3));
      let q7 = subgroupBroadcast(qs7, 0u);
      s7 += vec4<f32>(dot(q7, k0), dot(q7, k1), dot(q7, k2), dot(q7, k3));
    }
    {
      // t + 1: the queries' vec4s sit in lane 1 of each group of KB.
      let k0 = qkv[kb0 + t + 1u];
      let k1 = qkv[kb1 + t + 1u];
      let k2 = qkv[kb2 + t + 1u];
      let k3 = qkv[kb3 + t + 1u];
      let q0 = subgroupBroadcast(qs0, 1u);
      s0 += vec4<f32>(dot(q0, k0), dot(q0, k1), dot(q0, k2), dot(q0, k3));
      let q1 = subgroupBroadcast(qs1, 1u);
      s1 += vec4<f32>(dot(q1, k0), dot(q1, k1), dot(q1, k2), dot(q1, k3));
      let q2 = subgroupBroadcast(qs2, 1u);
      s2 += vec4<f32>(dot(q2, k0), dot(q2, k1), dot(q2, k2), dot(q2, k3));
      let q3 = subgroupBroadcast(qs3, 1u);
      s3 += vec4<f32>(dot(q3, k0), dot(q3, k1), dot(q3, k2), dot(q3, k3));
      let q4 = subgroupBroadcast(qs4, 1u);
      s4 += vec4<f32>(dot(q4, k0), dot(q4, k1), dot(q4, k2), dot(q4, k3));
      let q5 = subgroupBroadcast(qs5, 1u);
      s5 += vec4<f32>(dot(q5, k0), dot(q5, k1), dot(q5, k2), dot(q5, k3));
      let q6 = subgroupBroadcast(qs6, 1u);
      s6 += vec4<f32>(dot(q6, k0), dot(q6, k1), dot(q6, k2), dot(q6, k3));
      let q7 = subgroupBroadcast(qs7, 1u);
      s7 += vec4<f32>(dot(q7, k0), dot(q7, k1), dot(q7, k2), dot(q7, k3));
    }
    {
      // t + 2: the queries' vec4s sit in lane 2 of each group of KB.
      let k0 = qkv[kb0 + t + 2u];
      let k1 = qkv[kb1 + t + 2u];
      let k2 = qkv[kb2 + t + 2u];
      let k3 = qkv[kb3 + t + 2u];
      let q0 = subgroupBroadcast(qs0, 2u);
      s0 += vec4<f32>(dot(q0, k0), dot(q0, k1), dot(q0, k2), dot(q0, k3));
      let q1 = subgroupBroadcast(qs1, 2u);
      s1 += vec4<f32>(dot(q1, k0), dot(q1, k1), dot(q1, k2), dot(q1, k3));
      let q2 = subgroupBroadcast(qs2, 2u);
      s2 += vec4<f32>(dot(q2, k0), dot(q2, k1), dot(q2, k2), dot(q2, k3));
      let q3 = subgroupBroadcast(qs3, 2u);
      s3 += vec4<f32>(dot(q3, k0), dot(q3, k1), dot(q3, k2), dot(q3, k3));
      let q4 = subgroupBroadcast(qs4, 2u);
      s4 += vec4<f32>(dot(q4, k0), dot(q4, k1), dot(q4, k2), dot(q4, k3));
      let q5 = subgroupBroadcast(qs5, 2u);
      s5 += vec4<f32>(dot(q5, k0), dot(q5, k1), dot(q5, k2), dot(q5, k3));
      let q6 = subgroupBroadcast(qs6, 2u);
      s6 += vec4<f32>(dot(q6, k0), dot(q6, k1), dot(q6, k2), dot(q6, k3));
      let q7 = subgroupBroadcast(qs7, 2u);
      s7 += vec4<f32>(dot(q7, k0), dot(q7, k1), dot(q7, k2), dot(q7, k3));
    }
    {
      // t + 3: the queries' vec4s sit in lane 3 of each group of KB.
      let k0 = qkv[kb0 + t + 3u];
      let k1 = qkv[kb1 + t + 3u];
      let k2 = qkv[kb2 + t + 3u];
      let k3 = qkv[kb3 + t + 3u];
      let q0 = subgroupBroadcast(qs0, 3u);
      s0 += vec4<f32>(dot(q0, k0), dot(q0, k1), dot(q0, k2), dot(q0, k3));
      let q1 = subgroupBroadcast(qs1, 3u);
      s1 += vec4<f32>(dot(q1, k0), dot(q1, k1), dot(q1, k2), dot(q1, k3));
      let q2 = subgroupBroadcast(qs2, 3u);
      s2 += vec4<f32>(dot(q2, k0), dot(q2, k1), dot(q2, k2), dot(q2, k3));
      let q3 = subgroupBroadcast(qs3, 3u);
      s3 += vec4<f32>(dot(q3, k0), dot(q3, k1), dot(q3, k2), dot(q3, k3));
      let q4 = subgroupBroadcast(qs4, 3u);
      s4 += vec4<f32>(dot(q4, k0), dot(q4, k1), dot(q4, k2), dot(q4, k3));
      let q5 = subgroupBroadcast(qs5, 3u);
      s5 += vec4<f32>(dot(q5, k0), dot(q5, k1), dot(q5, k2), dot(q5, k3));
      let q6 = subgroupBroadcast(qs6, 3u);
      s6 += vec4<f32>(dot(q6, k0), dot(q6, k1), dot(q6, k2), dot(q6, k3));
      let q7 = subgroupBroadcast(qs7, 3u);
      s7 += vec4<f32>(dot(q7, k0), dot(q7, k1), dot(q7, k2), dot(q7, k3));
    }
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

// out rows q0.. of the chunk = probs · v: one head per workgroup, 8 queries × the vec4 `quad`
// of the head per invocation.
@compute @workgroup_size(16, 1, 1)
fn attention_pv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let n = params.tokens;
  let quads = HEAD_DIM / 4u;
  let head = wid.x;
  let quad = lid.x;
  let row = 3u * params.heads * quads;
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
  var vi = (2u * params.heads + head) * quads + quad;
  let share = lane % KB;
  var j = 0u;
  for (; j + KB <= n; j += KB) {
    let p0 = probs[pb0 + j + share];
    let p1 = probs[pb1 + j + share];
    let p2 = probs[pb2 + j + share];
    let p3 = probs[pb3 + j + share];
    let p4 = probs[pb4 + j + share];
    let p5 = probs[pb5 + j + share];
    let p6 = probs[pb6 + j + share];
    let p7 = probs[pb7 + j + share];
    {
      let v = qkv[vi];
      a0 += subgroupBroadcast(p0, 0u) * v;
      a1 += subgroupBroadcast(p1, 0u) * v;
      a2 += subgroupBroadcast(p2, 0u) * v;
      a3 += subgroupBroadcast(p3, 0u) * v;
      a4 += subgroupBroadcast(p4, 0u) * v;
      a5 += subgroupBroadcast(p5, 0u) * v;
      a6 += subgroupBroadcast(p6, 0u) * v;
      a7 += subgroupBroadcast(p7, 0u) * v;
      vi += row;
    }
    {
      let v = qkv[vi];
      a0 += subgroupBroadcast(p0, 1u) * v;
      a1 += subgroupBroadcast(p1, 1u) * v;
      a2 += subgroupBroadcast(p2, 1u) * v;
      a3 += subgroupBroadcast(p3, 1u) * v;
      a4 += subgroupBroadcast(p4, 1u) * v;
      a5 += subgroupBroadcast(p5, 1u) * v;
      a6 += subgroupBroadcast(p6, 1u) * v;
      a7 += subgroupBroadcast(p7, 1u) * v;
      vi += row;
    }
    {
      let v = qkv[vi];
      a0 += subgroupBroadcast(p0, 2u) * v;
      a1 += subgroupBroadcast(p1, 2u) * v;
      a2 += subgroupBroadcast(p2, 2u) * v;
      a3 += subgroupBroadcast(p3, 2u) * v;
      a4 += subgroupBroadcast(p4, 2u) * v;
      a5 += subgroupBroadcast(p5, 2u) * v;
      a6 += subgroupBroadcast(p6, 2u) * v;
      a7 += subgroupBroadcast(p7, 2u) * v;
      vi += row;
    }
    {
      let v = qkv[vi];
      a0 += subgroupBroadcast(p0, 3u) * v;
      a1 += subgroupBroadcast(p1, 3u) * v;
      a2 += subgroupBroadcast(p2, 3u) * v;
      a3 += subgroupBroadcast(p3, 3u) * v;
      a4 += subgroupBroadcast(p4, 3u) * v;
      a5 += subgroupBroadcast(p5, 3u) * v;
      a6 += subgroupBroadcast(p6, 3u) * v;
      a7 += subgroupBroadcast(p7, 3u) * v;
      vi += row;
    }
  }
  for (; j < n; j++) {
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
