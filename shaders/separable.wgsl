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
// Two forms, chosen per adapter by src/ops/separable.ts:
// - tiled (`filter_w`, `filter_h`; for GPUs): a workgroup covers TILE = WG_ALONG·PER_THREAD
//   outputs along the filtered axis on WG_ACROSS lines; it first copies those TILE + 2·radius
//   inputs per line (each read once from global memory) into workgroup memory sized for
//   MAX_RADIUS, then every invocation computes PER_THREAD outputs from there, in the pair order
//   above.
// - sliding (`slide_w`, `slide_h`; for software drivers, which run invocations as SIMD lanes of
//   a CPU core): every invocation computes SLIDE_OUTPUTS consecutive outputs of one line in
//   registers, walking windows of SLIDE_OUTPUTS inputs over the line one tap at a time: per tap
//   two input loads, one tap load and SLIDE_OUTPUTS pair terms. No workgroup memory and no
//   barrier — on lavapipe and SwiftShader the tiled form's per-tap loads from workgroup memory
//   and the taps array were the cost (1024², radius 40 along h: lavapipe 117 → 28–34 ms; the
//   ilastik bank at 1024² 7.5 → 2.6 s). Terms are added in the same pair order as the tiled form
//   (two windows, see slide_line): the features, and so the trained models, do not depend on
//   the form. (A one-window form summing from −radius to +radius was ~20 % faster still, but
//   its different rounding moved the demo's GBDT accuracy by a point.)
// Bindings: 0 params (uniform), 1 taps (read), 2 src (read), 3 dst (read_write).
// Dispatch: filter_w: (ceil(width / TILE), ceil(height / WG_ACROSS), planes), workgroup
//   (WG_ALONG, WG_ACROSS); filter_h: (ceil(width / WG_ACROSS), ceil(height / TILE), planes),
//   workgroup (WG_ACROSS, WG_ALONG) so that neighbouring invocations touch neighbouring columns.
//   slide_w: (ceil(width / SLIDE_OUTPUTS), ceil(height / WG_LINES), planes), one row per
//   invocation; slide_h: (ceil(width / WG_LINES), ceil(height / SLIDE_OUTPUTS), planes), one
//   column per invocation (neighbouring invocations read neighbouring columns). Workgroup
//   (WG_LINES, 1, 1).

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

override WG_ALONG: u32 = 1u;
override WG_ACROSS: u32 = 1u;
override PER_THREAD: u32 = 1u;
override MAX_RADIUS: u32 = 0u;
override WG_LINES: u32 = 32u;

// Outputs per invocation of the sliding form (src/ops/separable.ts reads this line). Sixteen
// accumulators and two sixteen-value windows, named rather than arrays: software drivers keep
// dynamically indexed private arrays in memory (an array form measured 5× slower on SwiftShader).
const SLIDE_OUTPUTS: u32 = 16u;
const SLIDE_RADIUS_GUARD: u32 = 1024u;

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

// Element i (reflected into [0, n)) of the line starting at src[first], `step` apart.
fn line_at(first: u32, step: u32, i: i32, n: i32) -> f32 {
  return src[first + u32(reflect_index(i, n)) * step];
}

// The sliding form along one line: outputs o0 .. o0 + 15 (those < n) written to
// dst[out_first + o·step]. Two windows slide apart as tap k grows: f_j holds input o0 + j + k,
// b_j input o0 + j − k, so output j adds c[k]·(f_j ± b_j) — the pair order of the tiled form and
// the CPU reference. Each tap loads two inputs and one tap value for 16 outputs.
fn slide_line(first: u32, step: u32, n: i32, o0: i32, out_first: u32) {
  // Only a guard against a corrupt uniform (an endless loop): the TS wrapper refuses kernels
  // wider than the tiled form's MAX_RADIUS for both forms.
  let r = i32(min(params.radius, SLIDE_RADIUS_GUARD));
  let sign = select(1.0, -1.0, params.antisymmetric != 0u);
  let c0 = taps[params.taps_offset];
  var f0 = line_at(first, step, o0 + 0, n);
  var f1 = line_at(first, step, o0 + 1, n);
  var f2 = line_at(first, step, o0 + 2, n);
  var f3 = line_at(first, step, o0 + 3, n);
  var f4 = line_at(first, step, o0 + 4, n);
  var f5 = line_at(first, step, o0 + 5, n);
  var f6 = line_at(first, step, o0 + 6, n);
  var f7 = line_at(first, step, o0 + 7, n);
  var f8 = line_at(first, step, o0 + 8, n);
  var f9 = line_at(first, step, o0 + 9, n);
  var f10 = line_at(first, step, o0 + 10, n);
  var f11 = line_at(first, step, o0 + 11, n);
  var f12 = line_at(first, step, o0 + 12, n);
  var f13 = line_at(first, step, o0 + 13, n);
  var f14 = line_at(first, step, o0 + 14, n);
  var f15 = line_at(first, step, o0 + 15, n);
  var b0 = f0;
  var b1 = f1;
  var b2 = f2;
  var b3 = f3;
  var b4 = f4;
  var b5 = f5;
  var b6 = f6;
  var b7 = f7;
  var b8 = f8;
  var b9 = f9;
  var b10 = f10;
  var b11 = f11;
  var b12 = f12;
  var b13 = f13;
  var b14 = f14;
  var b15 = f15;
  var a0 = c0 * f0;
  var a1 = c0 * f1;
  var a2 = c0 * f2;
  var a3 = c0 * f3;
  var a4 = c0 * f4;
  var a5 = c0 * f5;
  var a6 = c0 * f6;
  var a7 = c0 * f7;
  var a8 = c0 * f8;
  var a9 = c0 * f9;
  var a10 = c0 * f10;
  var a11 = c0 * f11;
  var a12 = c0 * f12;
  var a13 = c0 * f13;
  var a14 = c0 * f14;
  var a15 = c0 * f15;
  for (var k = 1; k <= r; k++) {
    f0 = f1;
    f1 = f2;
    f2 = f3;
    f3 = f4;
    f4 = f5;
    f5 = f6;
    f6 = f7;
    f7 = f8;
    f8 = f9;
    f9 = f10;
    f10 = f11;
    f11 = f12;
    f12 = f13;
    f13 = f14;
    f14 = f15;
    f15 = line_at(first, step, o0 + 15 + k, n);
    b15 = b14;
    b14 = b13;
    b13 = b12;
    b12 = b11;
    b11 = b10;
    b10 = b9;
    b9 = b8;
    b8 = b7;
    b7 = b6;
    b6 = b5;
    b5 = b4;
    b4 = b3;
    b3 = b2;
    b2 = b1;
    b1 = b0;
    b0 = line_at(first, step, o0 - k, n);
    let c = taps[params.taps_offset + u32(k)];
    a0 += c * (f0 + sign * b0);
    a1 += c * (f1 + sign * b1);
    a2 += c * (f2 + sign * b2);
    a3 += c * (f3 + sign * b3);
    a4 += c * (f4 + sign * b4);
    a5 += c * (f5 + sign * b5);
    a6 += c * (f6 + sign * b6);
    a7 += c * (f7 + sign * b7);
    a8 += c * (f8 + sign * b8);
    a9 += c * (f9 + sign * b9);
    a10 += c * (f10 + sign * b10);
    a11 += c * (f11 + sign * b11);
    a12 += c * (f12 + sign * b12);
    a13 += c * (f13 + sign * b13);
    a14 += c * (f14 + sign * b14);
    a15 += c * (f15 + sign * b15);
  }
  let o = u32(o0);
  let end = u32(n);
  if (o < end) { dst[out_first + o * step] = a0; }
  if (o + 1u < end) { dst[out_first + (o + 1u) * step] = a1; }
  if (o + 2u < end) { dst[out_first + (o + 2u) * step] = a2; }
  if (o + 3u < end) { dst[out_first + (o + 3u) * step] = a3; }
  if (o + 4u < end) { dst[out_first + (o + 4u) * step] = a4; }
  if (o + 5u < end) { dst[out_first + (o + 5u) * step] = a5; }
  if (o + 6u < end) { dst[out_first + (o + 6u) * step] = a6; }
  if (o + 7u < end) { dst[out_first + (o + 7u) * step] = a7; }
  if (o + 8u < end) { dst[out_first + (o + 8u) * step] = a8; }
  if (o + 9u < end) { dst[out_first + (o + 9u) * step] = a9; }
  if (o + 10u < end) { dst[out_first + (o + 10u) * step] = a10; }
  if (o + 11u < end) { dst[out_first + (o + 11u) * step] = a11; }
  if (o + 12u < end) { dst[out_first + (o + 12u) * step] = a12; }
  if (o + 13u < end) { dst[out_first + (o + 13u) * step] = a13; }
  if (o + 14u < end) { dst[out_first + (o + 14u) * step] = a14; }
  if (o + 15u < end) { dst[out_first + (o + 15u) * step] = a15; }
}

@compute @workgroup_size(WG_LINES, 1, 1)
fn slide_w(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let y = wid.y * WG_LINES + lid.x;
  let p = wid.z;
  if (y >= params.height || p >= params.planes) {
    return;
  }
  let w = params.width;
  let first = params.src_offset + p * params.src_plane_stride + y * w;
  let out_first = params.dst_offset + p * params.dst_plane_stride + y * w;
  slide_line(first, 1u, i32(w), i32(wid.x * SLIDE_OUTPUTS), out_first);
}

@compute @workgroup_size(WG_LINES, 1, 1)
fn slide_h(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let x = wid.x * WG_LINES + lid.x;
  let p = wid.z;
  if (x >= params.width || p >= params.planes) {
    return;
  }
  let first = params.src_offset + p * params.src_plane_stride + x;
  let out_first = params.dst_offset + p * params.dst_plane_stride + x;
  slide_line(first, params.width, i32(params.height), i32(wid.y * SLIDE_OUTPUTS), out_first);
}
