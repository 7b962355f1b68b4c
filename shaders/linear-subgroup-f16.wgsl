enable f16;
enable subgroups;

// linear-subgroup-f16.wgsl — linear-subgroup.wgsl with the weight stored as f16 (see
//   linear-f16.wgsl for when and why), widened to f32 on load.
// Layout, bindings, dispatch: as linear.wgsl; w is [K, N4] vec4<f16>.

// #include "lib/linear-store.wgsl"

@group(0) @binding(2) var<storage, read> w: array<vec4<f16>>;

// Widening is exact: the f32 sums are those of the f32 form on the same (f16-exact) weights.
fn load_w(i: u32) -> vec4<f32> {
  return vec4<f32>(w[i]);
}

// #include "lib/linear-rows-subgroup.wgsl"
