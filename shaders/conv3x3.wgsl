// conv3x3.wgsl — 3×3 convolution (stride 1, zero padding 1, as PyTorch's Conv2d(k=3, p=1)) of a
//   batch of planar f32 images, plus bias, with an optional fused ReLU.
// Entry points:
//   `conv3x3_naive` — one invocation per output element; weights in PyTorch order. Slow, kept as
//     the obviously-right GPU twin of the CPU reference (tests compare the two kernels too).
//   `conv3x3_tiled` — the production kernel: a workgroup computes a TILE_X × TILE_Y block of
//     output pixels for OC_GROUP output channels. It walks the input channels CI_CHUNK at a time,
//     staging the input tile plus its one-pixel halo and that chunk's weights in workgroup
//     memory, so every input value is read from storage once per workgroup instead of 9·OC_GROUP
//     times. Each invocation owns one pixel × OC_GROUP channels (two vec4 accumulators).
//     Where the device has subgroups, conv3x3-subgroup.wgsl's form of this kernel runs instead
//     (weights broadcast across lanes rather than staged); this one is for devices without.
// Layout: src is [batch, c_in, height, width], dst is [batch, c_out, height, width], row-major.
//   bias is [c_out]. weight is
//     naive: [c_out, c_in, 3, 3] (PyTorch);
//     tiled: packed by the host (src/ops/conv3x3.ts): [ceil(c_out / OC_GROUP), c_in, 9, OC_GROUP],
//            output channels past c_out zero-filled, read as vec4s.
// Accumulation is in f32; the sum order is ci-major then tap (ky, kx), on both kernels.
// Bindings: 0 params (uniform), 1 src (read), 2 weight (read), 3 bias (read), 4 dst (read_write).
// Dispatch:
//   naive: (ceil(width / WG_X), ceil(height / WG_Y), batch · c_out).
//   tiled: (ceil(width / TILE_X), ceil(height / TILE_Y), batch · oc_groups), workgroup TILE_X × TILE_Y.

// #include "lib/conv3x3-common.wgsl"

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(2) var<storage, read> weight: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn conv3x3_naive(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = gid.x;
  let y = gid.y;
  if (x >= params.width || y >= params.height || gid.z >= params.batch * params.c_out) {
    return;
  }
  let n = gid.z / params.c_out;
  let oc = gid.z % params.c_out;
  let plane = params.height * params.width;
  var acc = 0.0;
  for (var ci = 0u; ci < params.c_in; ci++) {
    let base = (n * params.c_in + ci) * plane;
    let wbase = (oc * params.c_in + ci) * 9u;
    for (var ky = 0u; ky < 3u; ky++) {
      let sy = i32(y) + i32(ky) - 1;
      if (sy < 0 || sy >= i32(params.height)) {
        continue;
      }
      for (var kx = 0u; kx < 3u; kx++) {
        let sx = i32(x) + i32(kx) - 1;
        if (sx < 0 || sx >= i32(params.width)) {
          continue;
        }
        acc += src[base + u32(sy) * params.width + u32(sx)] * weight[wbase + ky * 3u + kx];
      }
    }
  }
  acc += bias[oc];
  if (params.relu != 0u) {
    acc = max(acc, 0.0);
  }
  dst[(n * params.c_out + oc) * plane + y * params.width + x] = acc;
}

// Staged weights: [CI_CHUNK, 9, OC_GROUP / 4] vec4s of the current output-channel group.
var<workgroup> wtile: array<vec4<f32>, CI_CHUNK * 9u * (OC_GROUP / 4u)>;

// The inner loop is written out for PX = 4 with named accumulators on purpose: software
// Vulkan drivers (SwiftShader, lavapipe) do not unroll loops over private arrays, and dynamically
// indexed private arrays live in memory there, which made the looped form 4× slower.
const_assert PX == 4u;

@compute @workgroup_size(TILE_X, TILE_Y, 1)
fn conv3x3_tiled(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) flat: u32,
) {
  let n = wid.z / params.oc_groups;
  let group = wid.z % params.oc_groups;
  let x0 = wid.x * TILE_X * PX;
  let y0 = wid.y * TILE_Y;
  let tw = TILE_X * PX + 2u;
  let th = TILE_Y + 2u;
  let tile_plane = th * tw;
  let quads = OC_GROUP / 4u;

  // a(2p), a(2p+1): channels oc0..oc0+3 and oc0+4..oc0+7 of pixel p of the strip.
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0);
  var a5 = vec4<f32>(0.0);
  var a6 = vec4<f32>(0.0);
  var a7 = vec4<f32>(0.0);

  for (var ci0 = 0u; ci0 < params.c_in; ci0 += CI_CHUNK) {
    let cmax = min(CI_CHUNK, params.c_in - ci0);
    stage_input(n, ci0, cmax, x0, y0, lid);
    // Cooperative load of this chunk's weights: a contiguous run of the packed array.
    let wbase = (group * params.c_in + ci0) * 9u * quads;
    for (var i = flat; i < cmax * 9u * quads; i += TILE_X * TILE_Y) {
      let at = (wbase + i) * 4u;
      wtile[i] = vec4<f32>(weight[at], weight[at + 1u], weight[at + 2u], weight[at + 3u]);
    }
    workgroupBarrier();

    for (var c = 0u; c < cmax; c++) {
      for (var ky = 0u; ky < 3u; ky++) {
        // The strip's row with its two halo pixels; each value serves up to three taps.
        let row = c * tile_plane + (lid.y + ky) * tw + lid.x * PX;
        let l0 = tile[row];
        let l1 = tile[row + 1u];
        let l2 = tile[row + 2u];
        let l3 = tile[row + 3u];
        let l4 = tile[row + 4u];
        let l5 = tile[row + 5u];
        let k = (c * 9u + ky * 3u) * quads;
        // kx = 0
        var lo = wtile[k];
        var hi = wtile[k + 1u];
        a0 += l0 * lo;
        a1 += l0 * hi;
        a2 += l1 * lo;
        a3 += l1 * hi;
        a4 += l2 * lo;
        a5 += l2 * hi;
        a6 += l3 * lo;
        a7 += l3 * hi;
        // kx = 1
        lo = wtile[k + 2u];
        hi = wtile[k + 3u];
        a0 += l1 * lo;
        a1 += l1 * hi;
        a2 += l2 * lo;
        a3 += l2 * hi;
        a4 += l3 * lo;
        a5 += l3 * hi;
        a6 += l4 * lo;
        a7 += l4 * hi;
        // kx = 2
        lo = wtile[k + 4u];
        hi = wtile[k + 5u];
        a0 += l2 * lo;
        a1 += l2 * hi;
        a2 += l3 * lo;
        a3 += l3 * hi;
        a4 += l4 * lo;
        a5 += l4 * hi;
        a6 += l5 * lo;
        a7 += l5 * hi;
      }
    }
    workgroupBarrier();
  }

  let y = y0 + lid.y;
  if (y >= params.height) {
    return;
  }
  let x = x0 + lid.x * PX;
  let oc0 = group * OC_GROUP;
  store_pixel(n, x, y, oc0, a0, a1);
  store_pixel(n, x + 1u, y, oc0, a2, a3);
  store_pixel(n, x + 2u, y, oc0, a4, a5);
  store_pixel(n, x + 3u, y, oc0, a6, a7);
}
