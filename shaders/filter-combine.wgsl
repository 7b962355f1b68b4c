// filter-combine.wgsl — the per-pixel steps that turn separable filter responses into filter-bank
//   features (REFERENCE.md §3.6), in f32 as fastfilters computes them:
//   `add`             d0 = a + b                         (Laplacian of Gaussian: xx + yy)
//   `gauss_dog`       d0 = a, d1 = a − b                 (Gaussian σ, and G_σ − G_σ/2)
//   `magnitude`       d0 = sqrt(a·a + b·b)               (Gaussian gradient magnitude)
//   `tensor_products` d0 = a·a, d1 = a·b, d2 = b·b       (structure tensor xx, xy, yy from gx, gy)
//   `eigen_sym2`      eigenvalues of [[a, b], [b, c]]: d0 = larger, d1 = smaller, with
//                     m = (a + c)/2, q = sqrt(((a − c)/2)² + b²), m ± q.
// Layout: operand X ∈ {a, b, c} plane p is [height, width] row-major at x_offset + p·x_stride in
//   its own buffer; output k plane p at dk_offset + p·d_stride in `dst`. Operands may share a
//   buffer (read-only); dst must be another buffer.
// Bindings: 0 params (uniform), 1 a, 2 b, 3 c (read; each entry binds only what it reads),
//   4 dst (read_write).
// Dispatch: (ceil(width / WG_X), ceil(height / WG_Y), planes); one invocation per pixel.

struct Params {
  planes: u32,
  height: u32,
  width: u32,
  a_offset: u32,
  a_stride: u32,
  b_offset: u32,
  b_stride: u32,
  c_offset: u32,
  c_stride: u32,
  d0_offset: u32,
  d1_offset: u32,
  d2_offset: u32,
  d_stride: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

// (pixel index within its plane, plane number, 1 if inside the stack else 0).
fn pixel(gid: vec3<u32>) -> vec3<u32> {
  let inside = gid.x < params.width && gid.y < params.height && gid.z < params.planes;
  return vec3<u32>(gid.y * params.width + gid.x, gid.z, select(0u, 1u, inside));
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn add(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = pixel(gid);
  if (px.z == 0u) {
    return;
  }
  let va = a[params.a_offset + px.y * params.a_stride + px.x];
  let vb = b[params.b_offset + px.y * params.b_stride + px.x];
  dst[params.d0_offset + px.y * params.d_stride + px.x] = va + vb;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn gauss_dog(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = pixel(gid);
  if (px.z == 0u) {
    return;
  }
  let va = a[params.a_offset + px.y * params.a_stride + px.x];
  let vb = b[params.b_offset + px.y * params.b_stride + px.x];
  let o = px.y * params.d_stride + px.x;
  dst[params.d0_offset + o] = va;
  dst[params.d1_offset + o] = va - vb;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn magnitude(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = pixel(gid);
  if (px.z == 0u) {
    return;
  }
  let va = a[params.a_offset + px.y * params.a_stride + px.x];
  let vb = b[params.b_offset + px.y * params.b_stride + px.x];
  dst[params.d0_offset + px.y * params.d_stride + px.x] = sqrt(va * va + vb * vb);
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn tensor_products(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = pixel(gid);
  if (px.z == 0u) {
    return;
  }
  let va = a[params.a_offset + px.y * params.a_stride + px.x];
  let vb = b[params.b_offset + px.y * params.b_stride + px.x];
  let o = px.y * params.d_stride + px.x;
  dst[params.d0_offset + o] = va * va;
  dst[params.d1_offset + o] = va * vb;
  dst[params.d2_offset + o] = vb * vb;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn eigen_sym2(@builtin(global_invocation_id) gid: vec3<u32>) {
  let px = pixel(gid);
  if (px.z == 0u) {
    return;
  }
  let xx = a[params.a_offset + px.y * params.a_stride + px.x];
  let xy = b[params.b_offset + px.y * params.b_stride + px.x];
  let yy = c[params.c_offset + px.y * params.c_stride + px.x];
  let mean = (xx + yy) * 0.5;
  let half_diff = (xx - yy) * 0.5;
  let q = sqrt(half_diff * half_diff + xy * xy);
  let o = px.y * params.d_stride + px.x;
  dst[params.d0_offset + o] = mean + q;
  dst[params.d1_offset + o] = mean - q;
}
