// downsample.wgsl — block-mean downsampling of planar f32 images by an integer factor.
// Each output pixel is the mean of the factor×factor input block starting at (y·f, x·f), summed
// row by row in f32 and divided by f² (the CPU reference sums in the same order). Output size is
// floor(src / f): a remainder at the bottom/right is dropped (the pipeline pads to multiples of f).
// Layout: src plane p is [src_h, src_w] at src_offset + p·src_plane_stride; dst plane p is
//   [dst_h, dst_w] at dst_offset + p·dst_plane_stride, dst_h = src_h / f, dst_w = src_w / f.
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (ceil(dst_w / WG_X), ceil(dst_h / WG_Y), planes); one invocation per output pixel.

struct Params {
  planes: u32,
  src_h: u32,
  src_w: u32,
  dst_h: u32,
  dst_w: u32,
  factor: u32,
  src_offset: u32,
  src_plane_stride: u32,
  dst_offset: u32,
  dst_plane_stride: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn block_mean(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  let p = gid.z;
  if (x >= params.dst_w || y >= params.dst_h || p >= params.planes) {
    return;
  }
  let f = params.factor;
  let base = params.src_offset + p * params.src_plane_stride + (y * f) * params.src_w + x * f;
  var sum = 0.0;
  for (var dy = 0u; dy < f; dy++) {
    let row = base + dy * params.src_w;
    for (var dx = 0u; dx < f; dx++) {
      sum += src[row + dx];
    }
  }
  dst[params.dst_offset + p * params.dst_plane_stride + y * params.dst_w + x] = sum / f32(f * f);
}
