// lib/linear-rows-subgroup.wgsl — the subgroup form's entry point `linear_rows` (see
// linear-subgroup.wgsl for why), over a weight loader `load_w` that the including kernel declares.
// Needs `enable subgroups;` in the including kernel. Spliced in by scripts/bundle-shaders.mjs.

const KB: u32 = 4u;

@compute @workgroup_size(WG, 1, 1)
fn linear_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let c4 = wid.x * WG + lid.x;
  let n4 = params.n4;
  let m0 = wid.y * ROWS;
  let last = params.m - 1u;
  let k = params.k;
  let x0 = min(m0, last) * k;
  let x1 = min(m0 + 1u, last) * k;
  let x2 = min(m0 + 2u, last) * k;
  let x3 = min(m0 + 3u, last) * k;
  let x4 = min(m0 + 4u, last) * k;
  let x5 = min(m0 + 5u, last) * k;
  let x6 = min(m0 + 6u, last) * k;
  let x7 = min(m0 + 7u, last) * k;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);
  var wi = min(c4, n4 - 1u);
  let j = lane % KB;
  var kk = 0u;
  for (; kk + KB <= k; kk += KB) {
    // This lane's share: x[row][kk + j] of the 8 rows.
    let v0 = x[x0 + kk + j];
    let v1 = x[x1 + kk + j];
    let v2 = x[x2 + kk + j];
    let v3 = x[x3 + kk + j];
    let v4 = x[x4 + kk + j];
    let v5 = x[x5 + kk + j];
    let v6 = x[x6 + kk + j];
    let v7 = x[x7 + kk + j];
    {
      // k = kk + 0: its x values sit in lane 0 of each group of KB.
      let wv = load_w(wi);
      a0 += subgroupBroadcast(v0, 0u) * wv;
      a1 += subgroupBroadcast(v1, 0u) * wv;
      a2 += subgroupBroadcast(v2, 0u) * wv;
      a3 += subgroupBroadcast(v3, 0u) * wv;
      a4 += subgroupBroadcast(v4, 0u) * wv;
      a5 += subgroupBroadcast(v5, 0u) * wv;
      a6 += subgroupBroadcast(v6, 0u) * wv;
      a7 += subgroupBroadcast(v7, 0u) * wv;
      wi += n4;
    }
    {
      // k = kk + 1: its x values sit in lane 1 of each group of KB.
      let wv = load_w(wi);
      a0 += subgroupBroadcast(v0, 1u) * wv;
      a1 += subgroupBroadcast(v1, 1u) * wv;
      a2 += subgroupBroadcast(v2, 1u) * wv;
      a3 += subgroupBroadcast(v3, 1u) * wv;
      a4 += subgroupBroadcast(v4, 1u) * wv;
      a5 += subgroupBroadcast(v5, 1u) * wv;
      a6 += subgroupBroadcast(v6, 1u) * wv;
      a7 += subgroupBroadcast(v7, 1u) * wv;
      wi += n4;
    }
    {
      // k = kk + 2: its x values sit in lane 2 of each group of KB.
      let wv = load_w(wi);
      a0 += subgroupBroadcast(v0, 2u) * wv;
      a1 += subgroupBroadcast(v1, 2u) * wv;
      a2 += subgroupBroadcast(v2, 2u) * wv;
      a3 += subgroupBroadcast(v3, 2u) * wv;
      a4 += subgroupBroadcast(v4, 2u) * wv;
      a5 += subgroupBroadcast(v5, 2u) * wv;
      a6 += subgroupBroadcast(v6, 2u) * wv;
      a7 += subgroupBroadcast(v7, 2u) * wv;
      wi += n4;
    }
    {
      // k = kk + 3: its x values sit in lane 3 of each group of KB.
      let wv = load_w(wi);
      a0 += subgroupBroadcast(v0, 3u) * wv;
      a1 += subgroupBroadcast(v1, 3u) * wv;
      a2 += subgroupBroadcast(v2, 3u) * wv;
      a3 += subgroupBroadcast(v3, 3u) * wv;
      a4 += subgroupBroadcast(v4, 3u) * wv;
      a5 += subgroupBroadcast(v5, 3u) * wv;
      a6 += subgroupBroadcast(v6, 3u) * wv;
      a7 += subgroupBroadcast(v7, 3u) * wv;
      wi += n4;
    }
  }
  for (; kk < k; kk++) {
    let wv = load_w(wi);
    a0 += x[x0 + kk] * wv;
    a1 += x[x1 + kk] * wv;
    a2 += x[x2 + kk] * wv;
    a3 += x[x3 + kk] * wv;
    a4 += x[x4 + kk] * wv;
    a5 += x[x5 + kk] * wv;
    a6 += x[x6 + kk] * wv;
    a7 += x[x7 + kk] * wv;
    wi += n4;
  }
  store4(m0, c4, a0);
  store4(m0 + 1u, c4, a1);
  store4(m0 + 2u, c4, a2);
  store4(m0 + 3u, c4, a3);
  store4(m0 + 4u, c4, a4);
  store4(m0 + 5u, c4, a5);
  store4(m0 + 6u, c4, a6);
  store4(m0 + 7u, c4, a7);
}
