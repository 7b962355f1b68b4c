// pad.wgsl — pads a stack of planar f32 images on all four sides.
// Entry points: `reflect_pad` (numpy mode 'reflect' = reflect-101: the edge pixel is not repeated;
//   periodic with period 2·(n−1), so pads larger than the image reflect repeatedly, as numpy does;
//   a side of length 1 repeats its single pixel), `zero_pad` (zeros outside the image) and `crop`,
//   the inverse: dst[y, x] = src[y + top, x + left] with dst_h ≤ src_h − top (bottom/right cut).
// Layout: src plane p is [src_h, src_w] row-major at src_offset + p·src_plane_stride;
//   dst plane p is [dst_h, dst_w] at dst_offset + p·dst_plane_stride with rows dst_row_stride
//   apart (= dst_w, or wider to paste a crop into a larger image), where
//   for the pads dst_h = src_h + top + bottom and dst_w = src_w + left + right (bottom/right are
//   implied by the sizes).
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (ceil(dst_w / WG_X), ceil(dst_h / WG_Y), planes); one invocation per output pixel.

struct Params {
  planes: u32,
  src_h: u32,
  src_w: u32,
  dst_h: u32,
  dst_w: u32,
  top: u32,
  left: u32,
  src_offset: u32,
  src_plane_stride: u32,
  dst_offset: u32,
  dst_plane_stride: u32,
  // Elements between dst rows: dst_w normally; larger when pasting into a wider image.
  dst_row_stride: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// #include "lib/reflect-index.wgsl"

@compute @workgroup_size(WG_X, WG_Y, 1)
fn reflect_pad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p = gid.z;
  if (x >= params.dst_w || y >= params.dst_h || p >= params.planes) {
    return;
  }
  let sy = u32(reflect_index(i32(y) - i32(params.top), i32(params.src_h)));
  let sx = u32(reflect_index(i32(x) - i32(params.left), i32(params.src_w)));
  let s = params.src_offset + p * params.src_plane_stride + sy * params.src_w + sx;
  dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_row_stride + x] = src[s];
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn zero_pad(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p = gid.z;
  if (x >= params.dst_w || y >= params.dst_h || p >= params.planes) {
    return;
  }
  let sy = i32(y) - i32(params.top);
  let sx = i32(x) - i32(params.left);
  var value = 0.0;
  if (sy >= 0 && sy < i32(params.src_h) && sx >= 0 && sx < i32(params.src_w)) {
    value = src[params.src_offset + p * params.src_plane_stride + u32(sy) * params.src_w + u32(sx)];
  }
  dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_row_stride + x] = value;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn crop(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p = gid.z;
  if (x >= params.dst_w || y >= params.dst_h || p >= params.planes) {
    return;
  }
  let s = params.src_offset + p * params.src_plane_stride + (y + params.top) * params.src_w + x + params.left;
  dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_row_stride + x] = src[s];
}
