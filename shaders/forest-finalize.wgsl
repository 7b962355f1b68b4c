// forest-finalize.wgsl — turns a tree ensemble's summed raw scores into class probabilities, in
//   place, and optionally the argmax label. Follows forest.wgsl's accumulate_* dispatches; the
//   CPU twin is postprocessCpu in src/reference/forest.ts, with the same f32 steps in the same
//   order (only exp and the division may differ by a few ulp).
// mode 0 softmax: m = max_k r_k; e_k = exp(r_k − m); s = Σ_k e_k (k ascending); p_k = e_k / s.
// mode 1 sigmoid (two classes, raw plane 0 only): q = exp(−r); p1 = 1 / (1 + q); p = [1 − p1, p1].
// mode 2 average: p_k = r_k / tree_count.
// Label: the class with the largest raw score, ties → the first (sigmoid: class 1 iff r > 0),
//   decided on the raw sums, which are bit-identical to the CPU's; written as the class value
//   (bitcast of the i32 in `classes`).
// Layout: probas plane k (k < n_classes) at k·n_pixels + p, raw scores in the first planes on
//   entry; labels[p].
// Bindings: 0 params (uniform), 1 probas (read_write), 2 classes (read), 3 labels (read_write;
//   `finalize_labels` only).
// Dispatch: (row_groups, ceil(n_pixels / (row_groups·WG_X)), 1); pixel p = gid.y·row_groups·WG_X
//   + gid.x.

struct Params {
  n_pixels: u32,
  n_classes: u32,
  mode: u32,
  tree_count: u32,
  row_groups: u32,
}

override WG_X: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> probas: array<f32>;
@group(0) @binding(2) var<storage, read> classes: array<i32>;
@group(0) @binding(3) var<storage, read_write> labels: array<u32>;

fn pixel_index(gid: vec3<u32>) -> u32 {
  return gid.y * params.row_groups * WG_X + gid.x;
}

// Post-processes pixel p in place and returns the index of its predicted class.
fn finalize_pixel(p: u32) -> u32 {
  let n = params.n_pixels;
  if (params.mode == 1u) {
    let r = probas[p];
    let q = exp(-r);
    let p1 = 1.0 / (1.0 + q);
    probas[p] = 1.0 - p1;
    probas[n + p] = p1;
    return select(0u, 1u, r > 0.0);
  }
  var best = 0u;
  var m = probas[p];
  for (var k = 1u; k < params.n_classes; k++) {
    let r = probas[k * n + p];
    if (r > m) {
      m = r;
      best = k;
    }
  }
  if (params.mode == 0u) {
    var s = 0.0;
    for (var k = 0u; k < params.n_classes; k++) {
      let e = exp(probas[k * n + p] - m);
      probas[k * n + p] = e;
      s += e;
    }
    for (var k = 0u; k < params.n_classes; k++) {
      probas[k * n + p] = probas[k * n + p] / s;
    }
  } else {
    let t = f32(params.tree_count);
    for (var k = 0u; k < params.n_classes; k++) {
      probas[k * n + p] = probas[k * n + p] / t;
    }
  }
  return best;
}

@compute @workgroup_size(WG_X, 1, 1)
fn finalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  _ = finalize_pixel(p);
}

@compute @workgroup_size(WG_X, 1, 1)
fn finalize_labels(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  let best = finalize_pixel(p);
  labels[p] = bitcast<u32>(classes[best]);
}
