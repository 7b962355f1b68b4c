// linear.wgsl — a PyTorch nn.Linear over the rows of a matrix, y[m, n] = Σ_k x[m, k]·w[n, k] + b[n],
//   with the transformer's epilogues fused into the store: none, the exact-erf GELU, or a
//   LayerScale residual y = r[m, n] + γ[n]·(x·wᵀ + b)[m, n].
// Layout: x is [M, K] row-major; w is packed by the host (uploadLinearWeights in src/ops/linear.ts)
//   transposed to [K, N4·4] with N4 = ceil(N / 4) (row k holds w[0..N, k], zero-padded), read as
//   vec4s [K, N4]; bias and gamma are [N]; residual and y are [M, N].
// Form (register-tiled, no workgroup memory): every invocation computes a block of ROWS = 8 rows
//   × 4 columns of y in eight named vec4 accumulators: per k one vec4 of w (its 4 columns) and
//   ROWS scalars of x — 12 loaded floats for 32 multiply-adds. On the software drivers
//   (invocations are SIMD lanes of one CPU core) every load is paid per lane — to judge by the
//   timings below, lavapipe loads even a workgroup-uniform address lane by lane in a loop — and workgroup memory is no cheaper
//   than a cached global load, so what counts is loads per multiply-add within the registers a
//   core has; private arrays live in memory there, hence named variables. The x addresses are
//   the same for the whole workgroup, which a GPU serves as broadcasts. Measured on lavapipe at
//   M 1374, K 384, N 1536 (2 shared, busy cores, so ±50 %): 8 rows × 1 column with scalar w
//   loads ~2.5 GFLOP/s; this 8 × 4 block 5–9 GFLOP/s; 16 × 4, 8 × 8, x as vec4 along k, or the
//   k loop unrolled by 4 no better or slower (more registers than the core has).
//   Where the device has the `subgroups` feature, linear-subgroup.wgsl (same block, x shared
//   across lanes) is used instead; this form is the one for devices without it.
//   M and N are arbitrary: rows past M read row M−1 and columns past N read the zero padding
//   (valid addresses), and neither is stored.
// Sums are f32, k ascending, bias last, as the CPU reference (src/reference/linear.ts); the GPU may
//   fuse the multiply-add (the tests' tolerance allows for that).
// Bindings: 0 params (uniform), 1 x, 2 w, 3 bias, 4 gamma, 5 residual (read), 6 y (read_write).
//   gamma and residual are read only by the residual epilogue (the host binds any buffer else).
// Dispatch: (ceil(N4 / WG), ceil(M / ROWS), 1), workgroup (WG, 1, 1).

// #include "lib/linear-store.wgsl"

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
    let wv = w[wi];
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
