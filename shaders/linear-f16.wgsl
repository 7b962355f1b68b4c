enable f16;

// linear-f16.wgsl — linear.wgsl with the weight stored as f16 (half the bytes of the layer's
//   largest operand), widened to f32 on load; x, y, the sums and the epilogues stay f32.
// When: src/ops/linear.ts stores a layer as f16 only where the device has `shader-f16` and every
//   weight is exactly an f16 value (e.g. weights saved as F16), so the results equal linear.wgsl's
//   bit for bit; f32 weights (the hub's DINOv2 checkpoint) keep f32 storage, since rounding them
//   would move the features away from the reference's.
// Layout, bindings, dispatch: as linear.wgsl; w is [K, N4] vec4<f16> (8 bytes each).

// #include "lib/linear-store.wgsl"

@group(0) @binding(2) var<storage, read> w: array<vec4<f16>>;

// Widening is exact: the f32 sums are those of the f32 form on the same (f16-exact) weights.
fn load_w(i: u32) -> vec4<f32> {
  return vec4<f32>(w[i]);
}

// #include "lib/linear-rows.wgsl"
