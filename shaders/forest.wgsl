// forest.wgsl — tree-ensemble evaluation, one invocation per pixel: walks every tree of a chunk
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
// Dispatch: (row_groups, ceil(n_pixels / (row_groups·WG_X)), 1); pixel p = gid.y·row_groups·WG_X
//   + gid.x. Outputs beyond OUT_BLOCK per dispatch are handled by further dispatches
//   (out_begin), trees beyond one binding by further chunks (first_chunk = 0).

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

// Sums leaves over the chunk's trees for outputs out_begin .. out_begin + out_count (≤ 8, with
// out_begin a multiple of 8): components of the accumulators lo (outputs +0..3) and hi (+4..7).
fn accumulate(p: u32, oblivious: bool) {
  let n = params.n_pixels;
  var lo = vec4<f32>(0.0);
  var hi = vec4<f32>(0.0);
  for (var j = 0u; j < params.out_count; j++) {
    let k = params.out_begin + j;
    let start = select(raw[k * n + p], bias[k], params.first_chunk == 1u);
    if (j < 4u) {
      lo[j] = start;
    } else {
      hi[j - 4u] = start;
    }
  }
  let q = params.out_begin / 4u;
  let two = params.out_count > 4u;
  for (var t = 0u; t < params.tree_count; t++) {
    var leaf: u32;
    if (oblivious) {
      leaf = oblivious_leaf(t, p);
    } else {
      leaf = node_leaf(t, p);
    }
    let v = (tree_offsets[t].y + leaf) * params.leaf_stride + q;
    lo += leaf_values[v];
    if (two) {
      hi += leaf_values[v + 1u];
    }
  }
  for (var j = 0u; j < params.out_count; j++) {
    raw[(params.out_begin + j) * n + p] = select(hi[j % 4u], lo[j % 4u], j < 4u);
  }
}

@compute @workgroup_size(WG_X, 1, 1)
fn accumulate_oblivious(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  accumulate(p, true);
}

@compute @workgroup_size(WG_X, 1, 1)
fn accumulate_nodes(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = pixel_index(gid);
  if (p >= params.n_pixels) {
    return;
  }
  accumulate(p, false);
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
