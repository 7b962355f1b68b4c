// patchify.wgsl — cuts image `image` of a [N, C, H, W] planar batch into non-overlapping p×p
//   patches, each flattened in (channel, ky, kx) order: the rows a stride-p p×p convolution
//   (a ViT's patch embedding) multiplies with its weight reshaped to [out, C·p·p], so the
//   embedding itself is then one `linear` (shaders/linear.wgsl).
// Layout: src [N, C, H, W] row-major; dst [hp·wp, C·p·p], row py·wp + px is patch (py, px)
//   (row-major patch order, a ViT's token order). CPU twin: src/reference/patchify.ts.
// Form: one invocation per output element, a pure gather (a few hundred thousand values per
//   image, next to the matmuls' hundreds of millions of multiply-adds; no reason for more).
// Bindings: 0 params (uniform), 1 src (read), 2 dst (read_write).
// Dispatch: (ceil(C·p·p / WG_X), ceil(hp·wp / WG_Y), 1), workgroup (WG_X, WG_Y).

struct Params {
  image: u32,
  channels: u32,
  height: u32,
  width: u32,
  patch_size: u32,
  // wp = width / patch, and hp·wp rows.
  grid_w: u32,
  rows: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn patchify(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = params.patch_size;
  let cols = params.channels * p * p;
  let col = gid.x;
  let row = gid.y;
  if (col >= cols || row >= params.rows) {
    return;
  }
  let c = col / (p * p);
  let ky = (col / p) % p;
  let kx = col % p;
  let py = row / params.grid_w;
  let px = row % params.grid_w;
  let y = py * p + ky;
  let x = px * p + kx;
  dst[row * cols + col] = src[((params.image * params.channels + c) * params.height + y) * params.width + x];
}
