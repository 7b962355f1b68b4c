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

@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;

fn load_w(i: u32) -> vec4<f32> {
  return w[i];
}

// #include "lib/linear-rows.wgsl"
