// lib/linear-rows.wgsl — the plain form's entry point `linear_rows` (see linear.wgsl for the
// block and why), over a weight loader `load_w` that the including kernel declares.
// Spliced in by scripts/bundle-shaders.mjs (`// #include`); not a kernel by itself.

@compute @workgroup_size(WG, 1, 1)
fn linear_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // Columns past N4 load the last vec4 column and are not stored (no early return, which also
  // keeps the x loads of a workgroup in uniform control flow for a GPU's broadcast).
  let c4 = wid.x * WG + lid.x;
  let n4 = params.n4;
  let m0 = wid.y * ROWS;
  let last = params.m - 1u;
  let k = params.k;
  // Row starts of x, clamped into the matrix; uniform across the workgroup.
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
  for (var kk = 0u; kk < k; kk++) {
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
