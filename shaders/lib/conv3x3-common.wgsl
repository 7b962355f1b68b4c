// lib/conv3x3-common.wgsl — what both forms of the tiled 3×3 convolution share (conv3x3.wgsl,
// conv3x3-subgroup.wgsl): parameters, block constants, the bindings other than the weights, the
// staged input tile and its cooperative load, and the store with bias and ReLU.
// Spliced in by scripts/bundle-shaders.mjs (`// #include`); not a kernel by itself.

struct Params {
  batch: u32,
  c_in: u32,
  c_out: u32,
  height: u32,
  width: u32,
  // 1 → max(0, ·) after the bias (every VGG conv except the deepest hooked one).
  relu: u32,
  // ceil(c_out / OC_GROUP); only the tiled kernel reads it.
  oc_groups: u32,
}

// Output channels per invocation of the tiled kernel: the host packs weights in groups of this
// size (src/ops/conv3x3.ts reads the value from this line, so it is stated once).
const OC_GROUP: u32 = 8u;
// The accumulators below are two vec4s per pixel: OC_GROUP is tied to that.
const_assert OC_GROUP == 8u;
// Horizontally adjacent output pixels per invocation of the tiled kernel: neighbouring taps share
// input values, so a strip reads PX + 2 values per row instead of 3·PX.
const PX: u32 = 4u;

override TILE_X: u32;
override TILE_Y: u32;
override CI_CHUNK: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

// Staged input: CI_CHUNK planes of (TILE_Y + 2) × (TILE_X·PX + 2), zero outside the image (that
// is the convolution's zero padding). Planes past c_in in the last chunk are never read.
var<workgroup> tile: array<f32, CI_CHUNK * (TILE_Y + 2u) * (TILE_X * PX + 2u)>;
// Cooperative load of CI_CHUNK input planes (from ci0; cmax of them) of the tile at (x0, y0) with
// its one-pixel halo; rows and columns strided by the workgroup's shape, so no index needs a division.
fn stage_input(n: u32, ci0: u32, cmax: u32, x0: u32, y0: u32, lid: vec3<u32>) {
  let plane = params.height * params.width;
  let tw = TILE_X * PX + 2u;
  let th = TILE_Y + 2u;
  let tile_plane = th * tw;
  for (var c = 0u; c < cmax; c++) {
    let src_plane = (n * params.c_in + ci0 + c) * plane;
    for (var ty = lid.y; ty < th; ty += TILE_Y) {
      let gy = i32(y0 + ty) - 1;
      let row_ok = gy >= 0 && gy < i32(params.height);
      for (var tx = lid.x; tx < tw; tx += TILE_X) {
        let gx = i32(x0 + tx) - 1;
        var v = 0.0;
        if (row_ok && gx >= 0 && gx < i32(params.width)) {
          v = src[src_plane + u32(gy) * params.width + u32(gx)];
        }
        tile[c * tile_plane + ty * tw + tx] = v;
      }
    }
  }
}

// Adds the bias, applies the optional ReLU and stores output channel `oc` at `base`.
fn store_channel(base: u32, plane: u32, oc: u32, value: f32) {
  if (oc < params.c_out) {
    var v = value + bias[oc];
    if (params.relu != 0u) {
      v = max(v, 0.0);
    }
    dst[base + oc * plane] = v;
  }
}

// Stores the OC_GROUP = 8 channels (lo: oc0..oc0+3, hi: oc0+4..oc0+7) of pixel (x, y).
fn store_pixel(n: u32, x: u32, y: u32, oc0: u32, lo: vec4<f32>, hi: vec4<f32>) {
  if (x >= params.width) {
    return;
  }
  let plane = params.height * params.width;
  let base = n * params.c_out * plane + y * params.width + x;
  store_channel(base, plane, oc0, lo.x);
  store_channel(base, plane, oc0 + 1u, lo.y);
  store_channel(base, plane, oc0 + 2u, lo.z);
  store_channel(base, plane, oc0 + 3u, lo.w);
  store_channel(base, plane, oc0 + 4u, hi.x);
  store_channel(base, plane, oc0 + 5u, hi.y);
  store_channel(base, plane, oc0 + 6u, hi.z);
  store_channel(base, plane, oc0 + 7u, hi.w);
}

