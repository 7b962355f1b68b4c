// concat.wgsl — strided copy of whole planes: the building block of channel concatenation.
// dst[dst_offset + p·dst_plane_stride + i] = src[src_offset + p·src_plane_stride + i]
// for every plane p < planes and element i < plane_size. Concatenating [C1,…] and [C2,…] along
// channels is one dispatch per input with dst_offset = (channels before it) · plane_size; strides
// other than plane_size place planes into an interleaved [F,Z,H,W] stack.
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (row_groups, ceil(plane_size / (row_groups · WG_X)), planes): the plane's elements are
//   split over x and y so large planes stay under the 65,535-workgroup limit per dimension;
//   element i = gid.y · row_groups · WG_X + gid.x.

struct Params {
  planes: u32,
  plane_size: u32,
  row_groups: u32,
  src_offset: u32,
  src_plane_stride: u32,
  dst_offset: u32,
  dst_plane_stride: u32,
}

override WG_X: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_X, 1, 1)
fn copy_planes(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_groups * WG_X + gid.x;
  let p = gid.z;
  if (i >= params.plane_size || p >= params.planes) {
    return;
  }
  dst[params.dst_offset + p * params.dst_plane_stride + i] =
    src[params.src_offset + p * params.src_plane_stride + i];
}
