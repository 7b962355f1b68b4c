// gather.wgsl — picks feature vectors at listed pixels: planar features → row-major rows.
// Layout: src is [F, N] planar (feature f of pixel p at src_offset + f·N + p); indices[n] are pixel
//   numbers p; dst is [n, F] row-major (row i = features of pixel indices[i]), the layout the CPU
//   tree trainers read. Only these rows are read back after training-time extraction.
// Bindings: 0 params (uniform), 1 src (read), 2 indices (read, u32), 3 dst (read_write).
// Dispatch: (ceil(count / WG_X), ceil(features / WG_Y), 1); one invocation per (row, feature).

struct Params {
  count: u32,
  features: u32,
  pixels: u32,
  src_offset: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn gather_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let f = gid.y;
  if (i >= params.count || f >= params.features) {
    return;
  }
  dst[i * params.features + f] = src[params.src_offset + f * params.pixels + indices[i]];
}
