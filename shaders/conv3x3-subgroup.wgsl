enable subgroups;

// conv3x3-subgroup.wgsl — conv3x3.wgsl's tiled kernel (same block, staging, sum order and
//   output) for devices with the `subgroups` feature: the weights are not staged in workgroup
//   memory but loaded by one lane of each group of 4 and handed to the others by
//   subgroupBroadcast.
// Why: every invocation of a workgroup (one output-channel group) needs the same 18 weight vec4s
//   per input channel; the software drivers load even a workgroup-uniform address lane by lane
//   (see linear.wgsl), so the tiled kernel paid 18 vec4 loads per lane per channel from
//   workgroup memory. Here lane j of each group of 4 loads vec4s j, j+4, j+8, j+12 and 16 + j
//   (j < 2 meaningful) from storage — 5 loads — and the broadcasts (a constant lane: WebGPU's
//   smallest subgroup is 4) supply the rest. Measured standalone on lavapipe: 3→64 at 512²
//   3.6 → 4.6–5.0 GFLOP/s, 64→64 at 256² 6.3 → 7.6; bit-identical output.
// Uniformity: the loops are uniform and no lane returns before the store.
// Layout, bindings and dispatch: as conv3x3.wgsl's tiled kernel; weight read as vec4s
//   ([groups, c_in, 9, 8] floats = 18 vec4s per (group, input channel)).

// #include "lib/conv3x3-common.wgsl"

@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;

// The inner loop is written out for PX = 4 with named accumulators, as in conv3x3.wgsl.
const_assert PX == 4u;

@compute @workgroup_size(TILE_X, TILE_Y, 1)
fn conv3x3_tiled(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  let n = wid.z / params.oc_groups;
  let group = wid.z % params.oc_groups;
  let x0 = wid.x * TILE_X * PX;
  let y0 = wid.y * TILE_Y;
  let tw = TILE_X * PX + 2u;
  let th = TILE_Y + 2u;
  let tile_plane = th * tw;
  let share = lane % 4u;

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
    workgroupBarrier();

    for (var c = 0u; c < cmax; c++) {
      // The 18 weight vec4s of (group, ci0 + c): lane j of each group of 4 loads numbers j, j+4, …
      let wb = (group * params.c_in + ci0 + c) * 18u;
      let w0 = weight[wb + share];
      let w1 = weight[wb + 4u + share];
      let w2 = weight[wb + 8u + share];
      let w3 = weight[wb + 12u + share];
      let w4 = weight[wb + 16u + min(share, 1u)];
      {
        let row = c * tile_plane + (lid.y + 0u) * tw + lid.x * PX;
        let l0 = tile[row];
        let l1 = tile[row + 1u];
        let l2 = tile[row + 2u];
        let l3 = tile[row + 3u];
        let l4 = tile[row + 4u];
        let l5 = tile[row + 5u];
        {
          let lo = subgroupBroadcast(w0, 0u);
          let hi = subgroupBroadcast(w0, 1u);
          a0 += l0 * lo;
          a1 += l0 * hi;
          a2 += l1 * lo;
          a3 += l1 * hi;
          a4 += l2 * lo;
          a5 += l2 * hi;
          a6 += l3 * lo;
          a7 += l3 * hi;
        }
        {
          let lo = subgroupBroadcast(w0, 2u);
          let hi = subgroupBroadcast(w0, 3u);
          a0 += l1 * lo;
          a1 += l1 * hi;
          a2 += l2 * lo;
          a3 += l2 * hi;
          a4 += l3 * lo;
          a5 += l3 * hi;
          a6 += l4 * lo;
          a7 += l4 * hi;
        }
        {
          let lo = subgroupBroadcast(w1, 0u);
          let hi = subgroupBroadcast(w1, 1u);
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
      {
        let row = c * tile_plane + (lid.y + 1u) * tw + lid.x * PX;
        let l0 = tile[row];
        let l1 = tile[row + 1u];
        let l2 = tile[row + 2u];
        let l3 = tile[row + 3u];
        let l4 = tile[row + 4u];
        let l5 = tile[row + 5u];
        {
          let lo = subgroupBroadcast(w1, 2u);
          let hi = subgroupBroadcast(w1, 3u);
          a0 += l0 * lo;
          a1 += l0 * hi;
          a2 += l1 * lo;
          a3 += l1 * hi;
          a4 += l2 * lo;
          a5 += l2 * hi;
          a6 += l3 * lo;
          a7 += l3 * hi;
        }
        {
          let lo = subgroupBroadcast(w2, 0u);
          let hi = subgroupBroadcast(w2, 1u);
          a0 += l1 * lo;
          a1 += l1 * hi;
          a2 += l2 * lo;
          a3 += l2 * hi;
          a4 += l3 * lo;
          a5 += l3 * hi;
          a6 += l4 * lo;
          a7 += l4 * hi;
        }
        {
          let lo = subgroupBroadcast(w2, 2u);
          let hi = subgroupBroadcast(w2, 3u);
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
      {
        let row = c * tile_plane + (lid.y + 2u) * tw + lid.x * PX;
        let l0 = tile[row];
        let l1 = tile[row + 1u];
        let l2 = tile[row + 2u];
        let l3 = tile[row + 3u];
        let l4 = tile[row + 4u];
        let l5 = tile[row + 5u];
        {
          let lo = subgroupBroadcast(w3, 0u);
          let hi = subgroupBroadcast(w3, 1u);
          a0 += l0 * lo;
          a1 += l0 * hi;
          a2 += l1 * lo;
          a3 += l1 * hi;
          a4 += l2 * lo;
          a5 += l2 * hi;
          a6 += l3 * lo;
          a7 += l3 * hi;
        }
        {
          let lo = subgroupBroadcast(w3, 2u);
          let hi = subgroupBroadcast(w3, 3u);
          a0 += l1 * lo;
          a1 += l1 * hi;
          a2 += l2 * lo;
          a3 += l2 * hi;
          a4 += l3 * lo;
          a5 += l3 * hi;
          a6 += l4 * lo;
          a7 += l4 * hi;
        }
        {
          let lo = subgroupBroadcast(w4, 0u);
          let hi = subgroupBroadcast(w4, 1u);
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
