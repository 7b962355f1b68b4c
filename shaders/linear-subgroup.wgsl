enable subgroups;

// linear-subgroup.wgsl — the linear kernel of linear.wgsl (same y, layout, epilogues, block and
//   dispatch), for devices with the `subgroups` feature: the x values are loaded once per subgroup
//   and shared by broadcast instead of being loaded by every lane.
// Why: in linear.wgsl every lane loads the 8 x scalars of each k itself. They are the same for the
//   whole workgroup, and a GPU serves them as broadcasts, but the software drivers pay every such
//   load lane by lane. Here the k loop runs in steps of KB = 4: lane j (of each group of 4) loads
//   x[row][k + j] for the 8 rows, and subgroupBroadcast hands x[row][k + j] to every lane — 8
//   loads per lane per 4 k instead of 32, a register move per value instead of a load. KB is 4
//   because WebGPU's smallest subgroup is 4 lanes (SwiftShader's), and the broadcast's lane must be
//   a constant. Measured at M 1374, K 384, N 1536 on lavapipe (8-lane subgroups, 2 busy cores):
//   7–11 GFLOP/s for linear.wgsl, 10–13 here; a step of 8 (lavapipe's subgroup) was no faster.
//   The sums are the same products in the same k order, so y equals linear.wgsl's exactly.
// Uniformity: subgroupBroadcast needs every lane of the subgroup active, so there is no early
//   return (lanes past N4 compute a clamped column and do not store) and the loop bounds are
//   uniform; the tail k % 4 runs as in linear.wgsl.
// Bindings and dispatch: as linear.wgsl.

// #include "lib/linear-store.wgsl"

@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;

fn load_w(i: u32) -> vec4<f32> {
  return w[i];
}

// #include "lib/linear-rows-subgroup.wgsl"
