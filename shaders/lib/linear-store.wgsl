// lib/linear-store.wgsl — what every form of the linear kernel shares (linear.wgsl and its
// -subgroup, -f16 and -subgroup-f16 twins): the parameters, the bindings but the weight's (each
// form declares w and its loader `load_w`), the 8-row block, and the fused epilogues with the store
// of y.
// Spliced in by scripts/bundle-shaders.mjs (`// #include`); not a kernel by itself.

struct Params {
  m: u32,
  k: u32,
  n: u32,
  // 0 none, 1 GELU, 2 residual (EPILOGUE_* below; src/ops/linear.ts uses the same numbers).
  epilogue: u32,
  // ceil(n / 4): vec4 columns of the packed weight.
  n4: u32,
}

// Rows per invocation (src/ops/linear.ts reads this line for the dispatch). The accumulators below
// are written out for exactly this many, each a vec4 of 4 columns.
const ROWS: u32 = 8u;
const_assert ROWS == 8u;

const EPILOGUE_GELU: u32 = 1u;
const EPILOGUE_RESIDUAL: u32 = 2u;

override WG: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> residual: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

// erf to ~1.2e-7 (Abramowitz & Stegun 7.1.26's rational form): WGSL has no erf, and
// src/reference/linear.ts (erfApprox) evaluates this same formula, so only rounding differs.
fn erf_approx(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(v) * (1.0 - poly * exp(-a * a));
}

// Bias, then the epilogue, then the store of y[row, col] (rows past M, columns past N dropped).
fn store(row: u32, col: u32, acc: f32) {
  if (row >= params.m || col >= params.n) {
    return;
  }
  var v = acc + bias[col];
  if (params.epilogue == EPILOGUE_GELU) {
    v = 0.5 * v * (1.0 + erf_approx(v * 0.70710678118654752));
  } else if (params.epilogue == EPILOGUE_RESIDUAL) {
    v = residual[row * params.n + col] + gamma[col] * v;
  }
  y[row * params.n + col] = v;
}

// The 4 columns c4·4.. of row `row`.
fn store4(row: u32, c4: u32, acc: vec4<f32>) {
  let col = c4 * 4u;
  store(row, col, acc.x);
  store(row, col + 1u, acc.y);
  store(row, col + 2u, acc.z);
  store(row, col + 3u, acc.w);
}

