// layer-norm.wgsl — LayerNorm over the last axis of [rows, dim] (PyTorch nn.LayerNorm: biased
//   variance, (x − mean) / √(var + eps) · weight + bias), as the ViT's pre-norms and final norm.
// Two passes per row — the mean first, then Σ(x − mean)² — as the CPU reference
//   (src/reference/layer-norm.ts): the one-pass Σx² form loses digits on large residual values.
// Form: one invocation per row, no workgroup memory or barrier. The transformer's rows are few
//   (5 + patches) and short (384), so a per-row reduction across a workgroup would spend more
//   on barriers — which software drivers emulate — than it saves; on a GPU this kernel is a
//   small fraction of the block's time next to the matmuls.
// Entry points:
//   `layer_norm`   — src rows → dst rows, same layout [rows, dim].
//   `layer_norm_t` — rows row0.. of src, normalised and written feature-major: dst[dst_offset +
//     f·(rows − row0) + (r − row0)] (the backbone's final norm, which drops the cls and register
//     rows and hands on [dim, hp·wp] planes; neighbouring invocations write neighbouring words).
// Bindings: 0 params (uniform), 1 src, 2 weight [dim], 3 bias [dim] (read), 4 dst (read_write).
// Dispatch: (ceil((rows − row0) / WG), 1, 1), workgroup (WG, 1, 1); `layer_norm` has row0 = 0.

struct Params {
  rows: u32,
  dim: u32,
  eps: f32,
  // First row normalised (layer_norm_t; 0 for layer_norm).
  row0: u32,
  // Where dst's first element goes (layer_norm_t: image b of a batch at b·dim·(rows − row0)).
  dst_offset: u32,
}

override WG: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

// Mean and 1/√(var + eps) of the row starting at `base`.
fn row_stats(base: u32) -> vec2<f32> {
  let dim = params.dim;
  var sum = 0.0;
  for (var i = 0u; i < dim; i++) {
    sum += src[base + i];
  }
  let mean = sum / f32(dim);
  var sq = 0.0;
  for (var i = 0u; i < dim; i++) {
    let d = src[base + i] - mean;
    sq += d * d;
  }
  return vec2<f32>(mean, inverseSqrt(sq / f32(dim) + params.eps));
}

@compute @workgroup_size(WG, 1, 1)
fn layer_norm(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= params.rows) {
    return;
  }
  let base = r * params.dim;
  let s = row_stats(base);
  for (var i = 0u; i < params.dim; i++) {
    dst[base + i] = (src[base + i] - s.x) * s.y * weight[i] + bias[i];
  }
}

@compute @workgroup_size(WG, 1, 1)
fn layer_norm_t(@builtin(global_invocation_id) gid: vec3<u32>) {
  let kept = params.rows - params.row0;
  let t = gid.x;
  if (t >= kept) {
    return;
  }
  let base = (params.row0 + t) * params.dim;
  let s = row_stats(base);
  for (var i = 0u; i < params.dim; i++) {
    dst[params.dst_offset + i * kept + t] = (src[base + i] - s.x) * s.y * weight[i] + bias[i];
  }
}
