// maxpool.wgsl — 2×2 max pooling with stride 2 (PyTorch MaxPool2d(2, 2), floor mode: a trailing
//   odd row or column is dropped) over a stack of planar f32 images.
// Layout: src is [planes, src_h, src_w] row-major, dst is [planes, src_h / 2, src_w / 2] (floor).
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (ceil(dst_w / WG_X), ceil(dst_h / WG_Y), planes); one invocation per output pixel.

struct Params {
  planes: u32,
  src_h: u32,
  src_w: u32,
  dst_h: u32,
  dst_w: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn maxpool2x2(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p = gid.z;
  if (x >= params.dst_w || y >= params.dst_h || p >= params.planes) {
    return;
  }
  let s = p * params.src_h * params.src_w + 2u * y * params.src_w + 2u * x;
  let top = max(src[s], src[s + 1u]);
  let bottom = max(src[s + params.src_w], src[s + params.src_w + 1u]);
  dst[(p * params.dst_h + y) * params.dst_w + x] = max(top, bottom);
}
