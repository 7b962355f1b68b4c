// forest.wgsl — tree-ensemble evaluation, one invocation per pixel (eight for oblivious trees'
//   `accumulate_oblivious`): walks every tree of a chunk
//   and sums the chosen leaves' values (`accumulate_*`), or records the chosen leaf per tree
//   (`leaves_*`, for tests). Post-processing (softmax / sigmoid / average, argmax) is
//   forest-finalize.wgsl. The CPU twin is src/reference/forest.ts.
// Trees: `oblivious` (GBDT): tree t's splits are nodes[off.x .. next.x), split i sets bit i of the
//   leaf index when x[feature] > border — branch-free, one comparison per level. `nodes` (random
//   forest): internal nodes nodes[off.x + c]; go left when x[feature] <= threshold; a child
//   c ≥ 0 is a node of the same tree, c < 0 is leaf ~c; the walk starts at node 0, or at leaf 0
//   when the tree has no node. Walks stop after max_depth steps, so no input can hang the GPU.
// Layout: features plane f, pixel p at feature_offset + f·feature_stride + p (planar [F, H, W]
//   straight from the extractors). tree_offsets[t] = (first node, first leaf) of tree t relative
//   to this chunk, tree_count + 1 entries. nodes[i] = (feature, bitcast border/threshold,
//   bitcast left, bitcast right). Leaf values are vec4s, leaf_stride of them per leaf (the
//   outputs zero-padded to a multiple of 4): output k of leaf l is component k % 4 of
//   leaf_values[l·leaf_stride + k / 4], so one tree's contribution to 4 outputs is one load.
//   raw plane k (k = out_begin .. out_begin + out_count) at k·n_pixels + p.
// Numerics: scores are summed in tree order in f32, starting from bias (first chunk) or from the
//   previous chunk's sums, exactly as the CPU reference does.
// Bindings: 0 params (uniform), 1 features, 2 tree_offsets, 3 nodes, 4 leaf_values, 5 bias,
//   6 raw (read_write) for accumulate_*; 6 leaves (read_write, [T, n_pixels] u32) for leaves_*.
// Dispatch: (row_groups, ceil(n_pixels / (row_groups·WG_X·per_invocation)), 1); pixel p =
//   gid.y·row_groups·WG_X + gid.x (accumulate_oblivious: see its comment). Outputs beyond
//   OUT_BLOCK per dispatch are handled by further dispatches (out_begin), trees beyond one
//   binding by further chunks (first_chunk = 0).

struct Params {
  n_pixels: u32,
  feature_offset: u32,
  feature_stride: u32,
  tree_count: u32,
  n_outputs: u32,
  out_begin: u32,
  out_count: u32,
  first_chunk: u32,
  max_depth: u32,
  row_groups: u32,
  leaves_offset: u32,
  leaf_stride: u32,
}

// Outputs accumulated in registers per dispatch (src/ops/forest.ts reads this line): two vec4
// accumulators, named rather than an array — software drivers keep dynamically indexed private
// arrays in memory, which cost more than the tree walk itself.
const OUT_BLOCK: u32 = 8u;
const_assert OUT_BLOCK == 8u;

override WG_X: u32;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> features: array<f32>;
@group(0) @binding(2) var<storage, read> tree_offsets: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read> nodes: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> leaf_values: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> raw: array<f32>;
@group(0) @binding(6) var<storage, read_write> leaves: array<u32>;

fn pixel_index(gid: vec3<u32>) -> u32 {
  return gid.y * params.row_groups * WG_X + gid.x;
}

fn feature_value(f: u32, p: u32) -> f32 {
  return features[params.feature_offset + f * params.feature_stride + p];
}

fn oblivious_leaf(t: u32, p: u32) -> u32 {
  let s0 = tree_offsets[t].x;
  let s1 = tree_offsets[t + 1u].x;
  var leaf = 0u;
  for (var s = s0; s < s1; s++) {
    let split = nodes[s];
    leaf |= select(0u, 1u << (s - s0), feature_value(split.x, p) > bitcast<f32>(split.y));
  }
  return leaf;
}

fn node_leaf(t: u32, p: u32) -> u32 {
  let base = tree_offsets[t].x;
  var child = select(-1, 0, tree_offsets[t + 1u].x > base);
  for (var step = 0u; step < params.max_depth && child >= 0; step++) {
    let node = nodes[base + u32(child)];
    let go_left = feature_value(node.x, p) <= bitcast<f32>(node.y);
    child = select(bitcast<i32>(node.w), bitcast<i32>(node.z), go_left);
  }
  // A validated model always ends on a leaf; leaf 0 only guards against a corrupt one.
  return select(0u, u32(~child), child < 0);
}

// A pixel's sums for outputs out_begin .. out_begin + out_count (≤ 8, with out_begin a multiple
// of 8) live in two accumulators, lo (outputs +0..3) and hi (+4..7): they start from the bias
// (first chunk) or the previous chunk's sums and end in `raw`.
fn start_value(k: u32, p: u32) -> f32 {
  return select(raw[k * params.n_pixels + p], bias[k], params.first_chunk == 1u);
}

fn start_block(p: u32) -> array<vec4<f32>, 2> {
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
  for (var j = 0u; j < params.out_count; j++) {
    let v = start_value(params.out_begin + j, p);
    if (j < 4u) {
      lo[j] = v;
    } else {
      hi[j - 4u] = v;
    }
  }
  return array<vec4<f32>, 2>(lo, hi);
}

fn store_block(p: u32, lo: vec4<f32>, hi: vec4<f32>) {
  for (var j = 0u; j < params.out_count; j++) {
    raw[(params.out_begin + j) * params.n_pixels + p] = select(hi[j % 4u], lo[j % 4u], j < 4u);
  }
}

// Random-forest trees, one pixel per invocation (each pixel walks its own path through a tree).
fn accumulate_walks(p: u32) {
  let start = start_block(p);
  var lo = start[0];
  var hi = start[1];
  let q = params.out_begin / 4u;
  let two = params.out_count > 4u;
  for (var t = 0u; t < params.tree_count; t++) {
    let v = (tree_offsets[t].y + node_leaf(t, p)) * params.leaf_stride + q;
    lo += leaf_values[v];
    if (two) {
      hi += leaf_values[v + 1u];
    }
  }
  store_block(p, lo, hi);
}

// Oblivious trees, OBLIVIOUS_PIXELS pixels per invocation (src/ops/forest.ts reads this line):
// the split and leaf offsets of a tree are the same for every pixel, so one load of each serves
// eight pixels' comparisons. On software drivers those loads (one per split per pixel in a
// one-pixel walk) were most of the cost: GBDT eval at 512², lavapipe 663 → 367 ms (4 pixels:
// 450 ms, 16: 495 ms, register spills), SwiftShader 3.35 → 1.49 s. Pixels of an invocation are
// WG_X apart, so neighbouring invocations read neighbouring pixels; named variables, not arrays
// (software drivers keep dynamically indexed private arrays in memory).
const OBLIVIOUS_PIXELS: u32 = 8u;

@compute @workgroup_size(WG_X, 1, 1)
fn accumulate_oblivious(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = params.n_pixels;
  let first = (wid.y * params.row_groups + wid.x) * WG_X * OBLIVIOUS_PIXELS + lid.x;
  if (first >= n) {
    return;
  }
  let p0 = min(first + 0u * WG_X, n - 1u);
  let p1 = min(first + 1u * WG_X, n - 1u);
  let p2 = min(first + 2u * WG_X, n - 1u);
  let p3 = min(first + 3u * WG_X, n - 1u);
  let p4 = min(first + 4u * WG_X, n - 1u);
  let p5 = min(first + 5u * WG_X, n - 1u);
  let p6 = min(first + 6u * WG_X, n - 1u);
  let p7 = min(first + 7u * WG_X, n - 1u);
  let s0 = start_block(p0);
  var lo0 = s0[0];
  var hi0 = s0[1];
  let s1 = start_block(p1);
  var lo1 = s1[0];
  var hi1 = s1[1];
  let s2 = start_block(p2);
  var lo2 = s2[0];
  var hi2 = s2[1];
  let s3 = start_block(p3);
  var lo3 = s3[0];
  var hi3 = s3[1];
  let s4 = start_block(p4);
  var lo4 = s4[0];
  var hi4 = s4[1];
  let s5 = start_block(p5);
  var lo5 = s5[0];
  var hi5 = s5[1];
  let s6 = start_block(p6);
  var lo6 = s6[0];
  var hi6 = s6[1];
  let s7 = start_block(p7);
  var lo7 = s7[0];
  var hi7 = s7[1];
  let q = params.out_begin / 4u;
  let two = params.out_count > 4u;
  for (var t = 0u; t < params.tree_count; t++) {
    let begin = tree_offsets[t];
    let end = tree_offsets[t + 1u].x;
    var l0 = 0u;
    var l1 = 0u;
    var l2 = 0u;
    var l3 = 0u;
    var l4 = 0u;
    var l5 = 0u;
    var l6 = 0u;
    var l7 = 0u;
    for (var s = begin.x; s < end; s++) {
      let split = nodes[s];
      let plane = params.feature_offset + split.x * params.feature_stride;
      let border = bitcast<f32>(split.y);
      let bit = 1u << (s - begin.x);
      l0 |= select(0u, bit, features[plane + p0] > border);
      l1 |= select(0u, bit, features[plane + p1] > border);
      l2 |= select(0u, bit, features[plane + p2] > border);
      l3 |= select(0u, bit, features[plane + p3] > border);
      l4 |= select(0u, bit, features[plane + p4] > border);
      l5 |= select(0u, bit, features[plane + p5] > border);
      l6 |= select(0u, bit, features[plane + p6] > border);
      l7 |= select(0u, bit, features[plane + p7] > border);
    }
    let stride = params.leaf_stride;
    let v0 = (begin.y + l0) * stride + q;
    lo0 += leaf_values[v0];
    let v1 = (begin.y + l1) * stride + q;
    lo1 += leaf_values[v1];
    let v2 = (begin.y + l2) * stride + q;
    lo2 += leaf_values[v2];
    let v3 = (begin.y + l3) * stride + q;
    lo3 += leaf_values[v3];
    let v4 = (begin.y + l4) * stride + q;
    lo4 += leaf_values[v4];
    let v5 = (begin.y + l5) * stride + q;
    lo5 += leaf_values[v5];
    let v6 = (begin.y + l6) * stride + q;
    lo6 += leaf_values[v6];
    let v7 = (begin.y + l7) * stride + q;
    lo7 += leaf_values[v7];
    if (two) {
      hi0 += leaf_values[v0 + 1u];
      hi1 += leaf_values[v1 + 1u];
      hi2 += leaf_values[v2 + 1u];
      hi3 += leaf_values[v3 + 1u];
      hi4 += leaf_values[v4 + 1u];
      hi5 += leaf_values[v5 + 1u];
      hi6 += leaf_values[v6 + 1u];
      hi7 += leaf_values[v7 + 1u];
    }
  }
  if (first + 0u * WG_X < n) {
    store_block(p0, lo0, hi0);
  }
  if (first + 1u * WG_X < n) {
    store_block(p1, lo1, hi1);
  }
  if (first + 2u * WG_X < n) {
    store_block(p2, lo2, hi2);
  }
  if (first + 3u * WG_X < n) {
    store_block(p3, lo3, hi3);
  }
  if (first + 4u * WG_X < n) {
    store_block(p4, lo4, hi4);
  }
  if (first + 5u * WG_X < n) {
    store_block(p5, lo5, hi5);
  }
  if (first + 6u * WG_X < n) {
    store_block(p6, lo6, hi6);
  }
  if (first + 7u * WG_X < n) {
    store_block(p7, lo7, hi7);
  }
}

@compute @workgroup_size(WG_X, 1, 1)
fn accumulate_nodes(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  accumulate_walks(p);
}

@compute @workgroup_size(WG_X, 1, 1)
fn leaves_oblivious(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  for (var t = 0u; t < params.tree_count; t++) {
    leaves[params.leaves_offset + t * params.n_pixels + p] = oblivious_leaf(t, p);
  }
}

@compute @workgroup_size(WG_X, 1, 1)
fn leaves_nodes(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  for (var t = 0u; t < params.tree_count; t++) {
    leaves[params.leaves_offset + t * params.n_pixels + p] = node_leaf(t, p);
  }
}
