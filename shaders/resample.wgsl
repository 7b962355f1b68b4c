// resample.wgsl — upsampling of planar f32 images to a given size, as PyTorch's interpolate does.
// Entry points:
//   `upsample_nearest`: legacy 'nearest': source index = min(floor(dst · scale), src − 1);
//   `upsample_bilinear`: 'bilinear' with align_corners=False: source coordinate
//     max(scale · (dst + 0.5) − 0.5, 0), neighbours clamped at the last row/column (edge clamp),
//     out = (1−ly)·((1−lx)·a + lx·b) + ly·((1−lx)·c + lx·d).
//   scale_h = src_h / full_h and scale_w = src_w / full_w (full = the whole output size) are
//   computed once in f32 on the CPU and passed in, so GPU and CPU reference use the identical
//   value. The dst may be a window of the full output: dst pixel (y, x) is full-size pixel
//   (origin_y + y, origin_x + x) — the pyramid computes only the region it keeps.
//   The src may likewise hold only rows [src_y0, src_y0 + rows) and columns [src_x0, src_x0 +
//   src_row) of a source src_h × src_w (the full size: it sets the scale and the edge clamp), so
//   a huge image's probabilities can be restored band by band, or one region of them; the caller
//   guarantees the slice covers every source pixel the window reads.
// Layout: src plane p holds rows [src_y0, …) × columns [src_x0, src_x0 + src_row) of
//   [src_h, src_w], rows src_row apart, at src_offset + p·src_plane_stride; dst plane p is
//   [dst_h, dst_w] at dst_offset + p·dst_plane_stride (strides let a caller write straight into
//   its slot of a larger feature stack).
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (ceil(dst_w / WG_X), ceil(dst_h / WG_Y), ceil(planes / PLANES)); one invocation per
//   output pixel of PLANES planes: the source position (and bilinear weights) are computed once
//   for all of them. On lavapipe one plane per invocation spent most of its time starting
//   workgroups (a VGG pyramid's 192 maps at 1024²: 4.6 s of upsampling against 2.2 s of conv).

struct Params {
  planes: u32,
  src_h: u32,
  src_w: u32,
  dst_h: u32,
  dst_w: u32,
  scale_h: f32,
  scale_w: f32,
  origin_y: u32,
  origin_x: u32,
  src_offset: u32,
  src_plane_stride: u32,
  dst_offset: u32,
  dst_plane_stride: u32,
  src_y0: u32,
  src_x0: u32,
  // Elements per stored source row: src_w unless the slice holds fewer columns.
  src_row: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn src_at(p: u32, y: u32, x: u32) -> f32 {
  return src[params.src_offset + p * params.src_plane_stride + (y - params.src_y0) * params.src_row + (x - params.src_x0)];
}

// Planes per invocation (src/ops/resample.ts reads this line for the dispatch).
const PLANES: u32 = 32u;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn upsample_nearest(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p0 = gid.z * PLANES;
  if (x >= params.dst_w || y >= params.dst_h || p0 >= params.planes) {
    return;
  }
  let sy = min(u32(floor(f32(y + params.origin_y) * params.scale_h)), params.src_h - 1u);
  let sx = min(u32(floor(f32(x + params.origin_x) * params.scale_w)), params.src_w - 1u);
  let p1 = min(p0 + PLANES, params.planes);
  for (var p = p0; p < p1; p++) {
    dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_w + x] = src_at(p, sy, sx);
  }
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn upsample_bilinear(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p0 = gid.z * PLANES;
  if (x >= params.dst_w || y >= params.dst_h || p0 >= params.planes) {
    return;
  }
  let ry = max(params.scale_h * (f32(y + params.origin_y) + 0.5) - 0.5, 0.0);
  let rx = max(params.scale_w * (f32(x + params.origin_x) + 0.5) - 0.5, 0.0);
  let y0 = min(u32(floor(ry)), params.src_h - 1u);
  let x0 = min(u32(floor(rx)), params.src_w - 1u);
  let y1 = min(y0 + 1u, params.src_h - 1u);
  let x1 = min(x0 + 1u, params.src_w - 1u);
  let ly = clamp(ry - f32(y0), 0.0, 1.0);
  let lx = clamp(rx - f32(x0), 0.0, 1.0);
  let p1 = min(p0 + PLANES, params.planes);
  for (var p = p0; p < p1; p++) {
    let top = (1.0 - lx) * src_at(p, y0, x0) + lx * src_at(p, y0, x1);
    let bottom = (1.0 - lx) * src_at(p, y1, x0) + lx * src_at(p, y1, x1);
    dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_w + x] =
      (1.0 - ly) * top + ly * bottom;
  }
}
