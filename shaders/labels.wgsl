// labels.wgsl — from class probabilities to a label image.
// Entry points:
//   `argmax`: labels[p] = index of the largest of probas[k·N + p] over k < classes (ties → the
//     first, i.e. the smallest class value, as numpy's argmax);
//   `majority`: labels_out[z,y,x] = the class index with the most votes among labels_in pixels
//     within Euclidean distance ≤ radius in the same plane (a disk footprint; pixels outside the
//     image do not vote; ties → the smallest index), like scikit-image's rank.majority.
// Layout: probas [classes, N] planar f32; labels u32 [planes, height, width] (N = planes·h·w).
// Bindings: argmax — 0 params, 1 probas (read), 2 labels (read_write);
//           majority — 0 params, 3 labels_in (read), 4 labels_out (read_write).
// Dispatch: argmax (ceil(N / WG_X), 1, 1) with N split over y when large (row_groups);
//           majority (ceil(w / WG_X), ceil(h / WG_Y), planes).

struct Params {
  classes: u32,
  pixels: u32,
  row_groups: u32,
  height: u32,
  width: u32,
  planes: u32,
  radius: u32,
}

override WG_X: u32;
override WG_Y: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probas: array<f32>;
@group(0) @binding(2) var<storage, read_write> labels: array<u32>;
@group(0) @binding(3) var<storage, read> labels_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> labels_out: array<u32>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn argmax(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.y * params.row_groups * WG_X + gid.x;
  if (p >= params.pixels || gid.z > 0u) {
    return;
  }
  var best = 0u;
  var best_value = probas[p];
  for (var k = 1u; k < params.classes; k++) {
    let v = probas[k * params.pixels + p];
    if (v > best_value) {
      best = k;
      best_value = v;
    }
  }
  labels[p] = best;
}

@compute @workgroup_size(WG_X, WG_Y, 1)
fn majority(@builtin(global_invocation_id) gid: vec3<u32>) {
  let x = i32(gid.x);
  let y = i32(gid.y);
  let z = gid.z;
  let h = i32(params.height);
  let w = i32(params.width);
  if (x >= w || y >= h || z >= params.planes) {
    return;
  }
  let r = i32(params.radius);
  let base = z * params.height * params.width;
  var best = 0u;
  var best_count = 0u;
  // One pass per class keeps the shader free of a per-class array; K and r are small.
  for (var k = 0u; k < params.classes; k++) {
    var count = 0u;
    for (var dy = -r; dy <= r; dy++) {
      let yy = y + dy;
      if (yy < 0 || yy >= h) {
        continue;
      }
      for (var dx = -r; dx <= r; dx++) {
        let xx = x + dx;
        if (xx < 0 || xx >= w || dx * dx + dy * dy > r * r) {
          continue;
        }
        count += select(0u, 1u, labels_in[base + u32(yy * w + xx)] == k);
      }
    }
    if (count > best_count) {
      best = k;
      best_count = count;
    }
  }
  labels_out[base + u32(y * w + x)] = best;
}
