// separable.wgsl — 1-D convolution of planar f32 images along their width (`filter_w`) or their
//   height (`filter_h`): one pass of a separable (derivative-of-)Gaussian filter.
// Kernel: its half c[0..radius] sits in `taps` at taps_offset (built in float64 on the CPU, stored
//   as f32); out[i] = c[0]·x[i] + Σ_{k=1..radius} c[k]·(x[i+k] + sign·x[i−k]), sign = +1 for a
//   symmetric kernel, −1 for an antisymmetric one (first derivatives) — the order fastfilters
//   adds its terms in, which the CPU reference (src/reference/separable.ts) repeats.
// Borders: reflect-101 (numpy 'reflect', fastfilters' mirror), repeated when radius > size; a
//   side of length 1 repeats its pixel.
// Layout: plane p of src is [height, width] row-major at src_offset + p·src_plane_stride; dst
//   likewise with its own offset and stride (so a pass can write straight into a feature slot).
// Tiling: a workgroup covers TILE = WG_ALONG·PER_THREAD outputs along the filtered axis on
//   WG_ACROSS lines; it first copies those TILE + 2·radius inputs per line (each read once from
//   global memory) into workgroup memory sized for MAX_RADIUS, then every invocation computes
//   PER_THREAD outputs from there.
// Bindings: 0 params (uniform), 1 taps (read), 2 src (read), 3 dst (read_write).
// Dispatch: filter_w: (ceil(width / TILE), ceil(height / WG_ACROSS), planes), workgroup
//   (WG_ALONG, WG_ACROSS); filter_h: (ceil(width / WG_ACROSS), ceil(height / TILE), planes),
//   workgroup (WG_ACROSS, WG_ALONG) so that neighbouring invocations touch neighbouring columns.

struct Params {
  planes: u32,
  height: u32,
  width: u32,
  radius: u32,
  taps_offset: u32,
  antisymmetric: u32,
  src_offset: u32,
  src_plane_stride: u32,
  dst_offset: u32,
  dst_plane_stride: u32,
}

override WG_ALONG: u32;
override WG_ACROSS: u32;
override PER_THREAD: u32;
override MAX_RADIUS: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> taps: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// One line segment of TILE + 2·MAX_RADIUS values per line of the workgroup.
var<workgroup> tile: array<f32, (WG_ALONG * PER_THREAD + 2u * MAX_RADIUS) * WG_ACROSS>;

// #include "lib/reflect-index.wgsl"

// Segment storage: filter_w keeps each line contiguous (neighbouring invocations run along it);
// filter_h interleaves the lines (neighbouring invocations are neighbouring columns), so both
// entry points read and write workgroup memory at consecutive addresses.
fn slot_w(line: u32, pos: u32) -> u32 {
  return line * (WG_ALONG * PER_THREAD + 2u * MAX_RADIUS) + pos;
}

fn slot_h(line: u32, pos: u32) -> u32 {
  return pos * WG_ACROSS + line;
}

@compute @workgroup_size(WG_ALONG, WG_ACROSS, 1)
fn filter_w(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile_len = WG_ALONG * PER_THREAD;
  // The tile holds MAX_RADIUS of halo; the TS wrapper refuses larger kernels, and the clamp keeps
  // a bad uniform from reading outside workgroup memory.
  let r = min(params.radius, MAX_RADIUS);
  let n = params.width;
  let line = lid.y;
  let y = wid.y * WG_ACROSS + line;
  let p = wid.z;
  let start = i32(wid.x * tile_len) - i32(r);
  let row_ok = y < params.height && p < params.planes;
  let src_row = params.src_offset + p * params.src_plane_stride + y * n;
  if (row_ok) {
    for (var i = lid.x; i < tile_len + 2u * r; i += WG_ALONG) {
      let sx = u32(reflect_index(start + i32(i), i32(n)));
      tile[slot_w(line, i)] = src[src_row + sx];
    }
  }
  workgroupBarrier();
  if (!row_ok) {
    return;
  }
  let sign = select(1.0, -1.0, params.antisymmetric != 0u);
  let dst_row = params.dst_offset + p * params.dst_plane_stride + y * n;
  for (var j = 0u; j < PER_THREAD; j++) {
    let t = j * WG_ALONG + lid.x;
    let x = wid.x * tile_len + t;
    if (x >= n) {
      break;
    }
    let centre = slot_w(line, t + r);
    var sum = taps[params.taps_offset] * tile[centre];
    for (var k = 1u; k <= r; k++) {
      sum += taps[params.taps_offset + k] * (tile[centre + k] + sign * tile[centre - k]);
    }
    dst[dst_row + x] = sum;
  }
}

@compute @workgroup_size(WG_ACROSS, WG_ALONG, 1)
fn filter_h(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile_len = WG_ALONG * PER_THREAD;
  let r = min(params.radius, MAX_RADIUS);
  let n = params.height;
  let w = params.width;
  let line = lid.x;
  let x = wid.x * WG_ACROSS + line;
  let p = wid.z;
  let start = i32(wid.y * tile_len) - i32(r);
  let col_ok = x < w && p < params.planes;
  let src_col = params.src_offset + p * params.src_plane_stride + x;
  if (col_ok) {
    for (var i = lid.y; i < tile_len + 2u * r; i += WG_ALONG) {
      let sy = u32(reflect_index(start + i32(i), i32(n)));
      tile[slot_h(line, i)] = src[src_col + sy * w];
    }
  }
  workgroupBarrier();
  if (!col_ok) {
    return;
  }
  let sign = select(1.0, -1.0, params.antisymmetric != 0u);
  let dst_col = params.dst_offset + p * params.dst_plane_stride + x;
  for (var j = 0u; j < PER_THREAD; j++) {
    let t = j * WG_ALONG + lid.y;
    let y = wid.y * tile_len + t;
    if (y >= n) {
      break;
    }
    let centre = slot_h(line, t + r);
    var sum = taps[params.taps_offset] * tile[centre];
    for (var k = 1u; k <= r; k++) {
      let d = k * WG_ACROSS;
      sum += taps[params.taps_offset + k] * (tile[centre + d] + sign * tile[centre - d]);
    }
    dst[dst_col + y * w] = sum;
  }
}
