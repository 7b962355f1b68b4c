// reflect-index.wgsl — shared by the kernels that read reflect-padded images (pad, separable);
// spliced in at build time by scripts/bundle-shaders.mjs where a kernel says
// `// #include "lib/reflect-index.wgsl"`. The TypeScript twin is reflectIndex in
// src/reference/pad.ts.

// Index into [0, n) of position i under reflect-101 (numpy 'reflect'), with repeated
// reflection when i lies more than one period outside.
fn reflect_index(i: i32, n: i32) -> i32 {
  // Inside the line (nearly always): skip the integer modulo, which software drivers emulate slowly.
  if (i >= 0 && i < n) {
    return i;
  }
  if (n == 1) {
    return 0;
  }
  let period = 2 * (n - 1);
  var m = i % period;
  if (m < 0) {
    m += period;
  }
  return select(m, period - m, m >= n);
}
