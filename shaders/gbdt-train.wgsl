// gbdt-train.wgsl — the device steps of the GBDT trainer (src/classifiers/gbdt-gpu.ts): rows
//   quantised to bins, per-tree derivatives and bootstrap weights, per-level histograms with the
//   subtraction trick, the Cosine score of every (feature, border) with its noise, the chosen
//   split, the row partition, Newton leaf values and the score update. The host records all of a
//   tree's steps and reads back only the chosen splits and leaf values, at the end of training.
//   The CPU twins are in src/reference/gbdt-train.ts; the CPU trainer (gbdt.ts) is the oracle.
// Layout: rows r < n. bins [n, words] u32, feature f's bin in byte f % 4 of word f / 4 (of the
//   feature group: f counts from the group's first feature). stats [n, SV] vec4: the S split
//   statistics (D − 1 or 1 derivative sums × weight, then the weight; see gbdtStatCount),
//   zero-padded to SV·4. newton [n, 2D]: w·der_d then w·hess_d. Histograms [F_g, L, 256, SV] vec4
//   per feature group; partial histograms [chunks, F_g, L/2 (≥ 1), 256, SV]. counts[leaf] rows.
// Randomness: counter-based, as gbdt.ts: table[hash3(key, a, b) >> 16] (random.ts).
// Bindings: a uniform `params` and the storage buffers each entry point names.
// Dispatch: see each entry point; reductions use fixed orders, so results are deterministic.

struct Params {
  n: u32,
  words: u32,
  // Features of this feature group, and the first one's index among all features.
  group_features: u32,
  feature_base: u32,
  // All features (choose_split).
  features: u32,
  dims: u32,
  stats: u32,
  sv: u32,
  implicit_last: u32,
  iteration: u32,
  level: u32,
  depth: u32,
  chunks: u32,
  chunk_rows: u32,
  weight_key: u32,
  noise_key: u32,
  // randomStrength · m / (1 + m) of this iteration (the noise's decay with model size).
  noise_strength: f32,
  learning_rate: f32,
  l2: f32,
  row_base: u32,
  reduce_groups: u32,
}

const BINS: u32 = 256u;
const MAX_BORDERS: u32 = 255u;
const MAX_DIMS: u32 = 16u;
const MAX_LEAVES: u32 = 65536u;
const RED: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;

// ------------------------------------------------------------------ random draws (as random.ts)

fn mix_bits(v: u32) -> u32 {
  var x = v;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  return x ^ (x >> 16u);
}

fn hash3(key: u32, a: u32, b: u32) -> u32 {
  let h = mix_bits(key ^ (a * 0x9e3779b1u));
  return mix_bits(h ^ (b * 0x85ebca77u));
}

// ------------------------------------------------------------------ quantise
// Dispatch: (ceil(words / 64), rows of this slice, 1) with WG 64; x holds rows
// [row_base, row_base + slice) of the group's features, row-major [slice, group_features].

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> borders: array<f32>;
@group(0) @binding(3) var<storage, read> nbins: array<u32>;
@group(0) @binding(4) var<storage, read_write> bins_out: array<u32>;

@compute @workgroup_size(64, 1, 1)
fn quantize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = gid.x;
  let r = gid.y;
  if (w >= params.words) {
    return;
  }
  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let f = w * 4u + k;
    if (f >= params.group_features) {
      break;
    }
    let v = x[r * params.group_features + f];
    // bin = number of borders below v (v > border); NaN exceeds none.
    var lo = 0u;
    var hi = nbins[f] - 1u;
    let base = f * MAX_BORDERS;
    while (lo < hi) {
      let m = (lo + hi) / 2u;
      if (v > borders[base + m]) {
        lo = m + 1u;
      } else {
        hi = m;
      }
    }
    word = word | (lo << (8u * k));
  }
  bins_out[(params.row_base + r) * params.words + w] = word;
}

// ------------------------------------------------------------------ derivatives
// Dispatch: (ceil(n / 256), 1, 1). Writes stats, newton, resets leaf to 0, and one (Σw, Σw·g²)
// per workgroup into partial_sums for finish_sums.

@group(0) @binding(5) var<storage, read> target_class: array<u32>;
@group(0) @binding(6) var<storage, read> score: array<f32>;
@group(0) @binding(7) var<storage, read> weight_table: array<f32>;
@group(0) @binding(8) var<storage, read_write> stats_out: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> newton_out: array<f32>;
@group(0) @binding(10) var<storage, read_write> leaf_out: array<u32>;
@group(0) @binding(11) var<storage, read_write> partial_sums: array<vec2<f32>>;

var<workgroup> red2: array<vec2<f32>, RED>;

@compute @workgroup_size(256, 1, 1)
fn derivatives(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let r = gid.x;
  var sums = vec2<f32>(0.0, 0.0);
  if (r < params.n) {
    let D = params.dims;
    let w = weight_table[hash3(params.weight_key, params.iteration, r) >> 16u];
    let y = target_class[r];
    var der: array<f32, MAX_DIMS>;
    var hess: array<f32, MAX_DIMS>;
    if (D == 1u) {
      let p = 1.0 / (1.0 + exp(-score[r]));
      der[0] = select(0.0, 1.0, y == 1u) - p;
      hess[0] = p * (1.0 - p);
    } else {
      var m = score[r * D];
      for (var d = 1u; d < D; d++) {
        m = max(m, score[r * D + d]);
      }
      var total = 0.0;
      for (var d = 0u; d < D; d++) {
        let e = exp(score[r * D + d] - m);
        der[d] = e;
        total += e;
      }
      for (var d = 0u; d < D; d++) {
        let p = der[d] / total;
        der[d] = select(0.0, 1.0, y == d) - p;
        hess[d] = p * (1.0 - p);
      }
    }
    var st: array<f32, 8>;
    for (var i = 0u; i < 8u; i++) {
      st[i] = 0.0;
    }
    var g2 = 0.0;
    for (var d = 0u; d < D; d++) {
      let g = der[d];
      if (d < params.stats - 1u) {
        st[d] = w * g;
      }
      g2 += w * g * g;
      newton_out[r * 2u * D + d] = w * g;
      newton_out[r * 2u * D + D + d] = w * hess[d];
    }
    st[params.stats - 1u] = w;
    stats_out[r * params.sv] = vec4<f32>(st[0], st[1], st[2], st[3]);
    if (params.sv == 2u) {
      stats_out[r * params.sv + 1u] = vec4<f32>(st[4], st[5], st[6], st[7]);
    }
    leaf_out[r] = 0u;
    sums = vec2<f32>(w, g2);
  }
  red2[li] = sums;
  workgroupBarrier();
  for (var s = RED / 2u; s > 0u; s = s / 2u) {
    if (li < s) {
      red2[li] = red2[li] + red2[li + s];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    partial_sums[wid.x] = red2[0];
  }
}

// ------------------------------------------------------------------ finish_sums
// Dispatch: (1, 1, 1). tree_sums[0] = (Σw, Σw·g²) over the reduce_groups partial sums.

@group(0) @binding(1) var<storage, read> partial_in: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> tree_sums: array<vec2<f32>>;

@compute @workgroup_size(256, 1, 1)
fn finish_sums(@builtin(local_invocation_index) li: u32) {
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = li; i < params.reduce_groups; i += RED) {
    acc += partial_in[i];
  }
  red2[li] = acc;
  workgroupBarrier();
  for (var s = RED / 2u; s > 0u; s = s / 2u) {
    if (li < s) {
      red2[li] = red2[li] + red2[li + s];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    tree_sums[0] = red2[0];
  }
}

// ------------------------------------------------------------------ histogram
// Dispatch: (ceil(words / 8), chunks, 1) with WG 8. Invocation (w, c) owns the partial
// histograms of the group's features 4w .. 4w + 3 for rows [c·chunk_rows, …): it zeroes them,
// then adds every row of a leaf being histogrammed — at level 0 every row, later only rows of
// the smaller child of each pair (its sibling follows by subtraction in `combine`). No atomics:
// on software adapters an invocation per feature word is the fastest form measured, and the
// fixed order keeps the sums deterministic on every device.

@group(0) @binding(1) var<storage, read> bins: array<u32>;
@group(0) @binding(2) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> leaf: array<u32>;
@group(0) @binding(4) var<storage, read> counts: array<u32>;
@group(0) @binding(5) var<storage, read_write> hist_part: array<vec4<f32>>;

// Leaves of the current level (L = 2^level) and those histogrammed directly (max(1, L / 2)).
fn level_leaves() -> u32 {
  return 1u << params.level;
}

fn small_leaves() -> u32 {
  return max(1u, level_leaves() / 2u);
}

// The smaller child of pair j (leaves j and j + L/2; ties → j), as the CPU trainer picks it.
fn small_of_pair(j: u32) -> u32 {
  let half = level_leaves() / 2u;
  return select(j + half, j, counts[j] <= counts[j + half]);
}

@compute @workgroup_size(8, 1, 1)
fn histogram(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = gid.x;
  let c = gid.y;
  if (w >= params.words || c >= params.chunks) {
    return;
  }
  let SV = params.sv;
  let LS = small_leaves();
  let Fg = params.group_features;
  let nk = min(4u, Fg - 4u * w);
  // Slice of feature f (of this word), pair slot j: ((c·Fg + f)·LS + j)·256·SV.
  for (var k = 0u; k < nk; k++) {
    let base = ((c * Fg + 4u * w + k) * LS) * BINS * SV;
    for (var i = 0u; i < LS * BINS * SV; i++) {
      hist_part[base + i] = vec4<f32>(0.0);
    }
  }
  let r0 = c * params.chunk_rows;
  let r1 = min(params.n, r0 + params.chunk_rows);
  let half = level_leaves() / 2u;
  for (var r = r0; r < r1; r++) {
    var j = 0u;
    if (params.level > 0u) {
      let l = leaf[r];
      j = l & (half - 1u);
      if (l != small_of_pair(j)) {
        continue;
      }
    }
    let word = bins[r * params.words + w];
    let s0 = stats[r * SV];
    for (var k = 0u; k < nk; k++) {
      let b = (word >> (8u * k)) & 255u;
      let o = (((c * Fg + 4u * w + k) * LS + j) * BINS + b) * SV;
      hist_part[o] += s0;
      if (SV == 2u) {
        hist_part[o + 1u] += stats[r * SV + 1u];
      }
    }
  }
}

// ------------------------------------------------------------------ combine
// Dispatch: (ceil(256·SV / 64), LS, Fg) with WG 64. Sums the chunks of each partial histogram
// (in chunk order) and writes the current level's histograms: level 0 → leaf 0; later the smaller
// child of pair j directly, its sibling as the parent's histogram minus it.

@group(0) @binding(1) var<storage, read> part_in: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> hist_prev: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> counts_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> hist_cur: array<vec4<f32>>;

@compute @workgroup_size(64, 1, 1)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  let j = gid.y;
  let f = gid.z;
  let SV = params.sv;
  if (e >= BINS * SV) {
    return;
  }
  let LS = small_leaves();
  let Fg = params.group_features;
  var sum = vec4<f32>(0.0);
  for (var c = 0u; c < params.chunks; c++) {
    sum += part_in[((c * Fg + f) * LS + j) * BINS * SV + e];
  }
  let L = level_leaves();
  if (params.level == 0u) {
    hist_cur[f * BINS * SV + e] = sum;
    return;
  }
  let half = L / 2u;
  let small = select(j + half, j, counts_in[j] <= counts_in[j + half]);
  let large = select(j, j + half, small == j);
  hist_cur[(f * L + small) * BINS * SV + e] = sum;
  hist_cur[(f * L + large) * BINS * SV + e] = hist_prev[(f * half + j) * BINS * SV + e] - sum;
}

// ------------------------------------------------------------------ score_leaves
// Dispatch: (ceil(L / 64), Fg, 1) with WG 64. For leaf l of feature f, the contribution of every
// border b (bins ≤ b left, the rest right) to the Cosine score's numerator and denominator.

@group(0) @binding(1) var<storage, read> hist: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> group_nbins: array<u32>;
@group(0) @binding(3) var<storage, read> sums_in: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> contrib: array<vec2<f32>>;

// Statistic i of a histogram entry pair (SV vec4 per bin).
fn stat_of(v0: vec4<f32>, v1: vec4<f32>, i: u32) -> f32 {
  if (i < 4u) {
    return v0[i];
  }
  return v1[i - 4u];
}

@compute @workgroup_size(64, 1, 1)
fn score_leaves(@builtin(global_invocation_id) gid: vec3<u32>) {
  let l = gid.x;
  let f = gid.y;
  let L = level_leaves();
  if (l >= L || f >= params.group_features) {
    return;
  }
  let SV = params.sv;
  let S = params.stats;
  let G = S - 1u;
  let nb = group_nbins[f];
  let base = (f * L + l) * BINS * SV;
  let out = (f * L + l) * BINS;
  let n = f32(params.n);
  let lambda = params.l2 * (sums_in[0].x / n);
  var total0 = vec4<f32>(0.0);
  var total1 = vec4<f32>(0.0);
  for (var b = 0u; b < nb; b++) {
    total0 += hist[base + b * SV];
    if (SV == 2u) {
      total1 += hist[base + b * SV + 1u];
    }
  }
  let totalW = stat_of(total0, total1, G);
  let emptyW = totalW * 1e-12;
  var left0 = vec4<f32>(0.0);
  var left1 = vec4<f32>(0.0);
  for (var b = 0u; b + 1u < nb; b++) {
    if (totalW <= 0.0) {
      contrib[out + b] = vec2<f32>(0.0);
      continue;
    }
    left0 += hist[base + b * SV];
    if (SV == 2u) {
      left1 += hist[base + b * SV + 1u];
    }
    var gl = 0.0;
    var gr = 0.0;
    var sl = 0.0;
    var sr = 0.0;
    for (var d = 0u; d < G; d++) {
      let lv = stat_of(left0, left1, d);
      let rv = stat_of(total0, total1, d) - lv;
      gl += lv * lv;
      gr += rv * rv;
      sl += lv;
      sr += rv;
    }
    if (params.implicit_last == 1u) {
      gl += sl * sl;
      gr += sr * sr;
    }
    let wl = stat_of(left0, left1, G);
    let wr = totalW - wl;
    var num = 0.0;
    var den = 0.0;
    if (wl > emptyW) {
      let inv = 1.0 / (wl + lambda);
      num += gl * inv;
      den += wl * gl * inv * inv;
    }
    if (wr > emptyW) {
      let inv = 1.0 / (wr + lambda);
      num += gr * inv;
      den += wr * gr * inv * inv;
    }
    contrib[out + b] = vec2<f32>(num, den);
  }
}

// ------------------------------------------------------------------ score_borders
// Dispatch: (ceil(255 / 64), Fg, 1) with WG 64: invocation (b, f) sums the leaves' contributions
// of border b of feature f and adds its noise: border_scores[(feature_base + f)·255 + b], −∞ for
// borders the feature lacks. (One invocation per candidate and no barriers: a workgroup
// reduction here cost software adapters more than the whole histogram.)

@group(0) @binding(1) var<storage, read> contrib_in: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> border_nbins: array<u32>;
@group(0) @binding(3) var<storage, read> normal_table: array<f32>;
@group(0) @binding(4) var<storage, read> noise_sums: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> border_scores: array<f32>;

const NEG_INF: f32 = -3.4028234663852886e38;

@compute @workgroup_size(64, 1, 1)
fn score_borders(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  let f = gid.y;
  if (b >= MAX_BORDERS || f >= params.group_features) {
    return;
  }
  let L = level_leaves();
  var s = NEG_INF;
  if (b + 1u < border_nbins[f]) {
    var num = 0.0;
    var den = 0.0;
    for (var l = 0u; l < L; l++) {
      let c = contrib_in[(f * L + l) * BINS + b];
      num += c.x;
      den += c.y;
    }
    s = select(0.0, num / sqrt(den), den > 0.0);
    let scale = params.noise_strength * sqrt(noise_sums[0].y / f32(params.n));
    if (scale > 0.0) {
      let h = hash3(params.noise_key, params.iteration * 64u + params.level, (params.feature_base + f) * 256u + b);
      s += scale * normal_table[h >> 16u];
    }
  }
  border_scores[(params.feature_base + f) * MAX_BORDERS + b] = s;
}

// ------------------------------------------------------------------ choose_split
// Dispatch: (1, 1, 1) with WG 256: the best of all features' border scores — highest score,
// ties → the lower (feature, border), as the CPU trainer's sequential scan picks — stored as
// split (iteration, level) = (feature, border).

@group(0) @binding(1) var<storage, read> scores_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> splits: array<vec2<u32>>;

var<workgroup> best_score: array<f32, RED>;
var<workgroup> best_index: array<u32, RED>;

@compute @workgroup_size(256, 1, 1)
fn choose_split(@builtin(local_invocation_index) li: u32) {
  // Each invocation scans a contiguous range of candidates, keeping its first maximum.
  let total = params.features * MAX_BORDERS;
  let per = (total + RED - 1u) / RED;
  var s = NEG_INF;
  var idx = 0xffffffffu;
  for (var i = li * per; i < min(total, (li + 1u) * per); i++) {
    let v = scores_in[i];
    if (v > s) {
      s = v;
      idx = i;
    }
  }
  best_score[li] = s;
  best_index[li] = idx;
  workgroupBarrier();
  for (var step = RED / 2u; step > 0u; step = step / 2u) {
    if (li < step) {
      let sb = best_score[li + step];
      let sa = best_score[li];
      if (sb > sa || (sb == sa && best_index[li + step] < best_index[li])) {
        best_score[li] = sb;
        best_index[li] = best_index[li + step];
      }
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    let i = best_index[0];
    splits[params.iteration * params.depth + params.level] = vec2<u32>(i / MAX_BORDERS, i % MAX_BORDERS);
  }
}

// ------------------------------------------------------------------ partition
// Dispatch: (ceil(n / 256), 1, 1), once per feature group (only the group holding the chosen
// feature acts). Sets bit `level` of each row's leaf when its bin exceeds the chosen border and
// counts the rows of every leaf of the next level (counts zeroed by clear_counts).

@group(0) @binding(1) var<storage, read> part_bins: array<u32>;
@group(0) @binding(2) var<storage, read> split_in: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> part_leaf: array<u32>;
@group(0) @binding(4) var<storage, read_write> leaf_counts: array<atomic<u32>>;

var<workgroup> local_counts: array<atomic<u32>, 32>;

@compute @workgroup_size(256, 1, 1)
fn partition_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let split = split_in[params.iteration * params.depth + params.level];
  let f = split.x;
  if (f < params.feature_base || f >= params.feature_base + params.group_features) {
    return;
  }
  let counted = params.level + 1u < params.depth;
  // Up to 32 next-level leaves are counted in workgroup memory first (fewer global atomics).
  let next_leaves = 2u << params.level;
  let use_local = next_leaves <= 32u;
  if (li < 32u) {
    atomicStore(&local_counts[li], 0u);
  }
  workgroupBarrier();
  let r = gid.x;
  if (r < params.n) {
    let g = f - params.feature_base;
    let b = (part_bins[r * params.words + g / 4u] >> (8u * (g % 4u))) & 255u;
    let l = part_leaf[r] | (select(0u, 1u, b > split.y) << params.level);
    part_leaf[r] = l;
    if (counted) {
      if (use_local) {
        atomicAdd(&local_counts[l], 1u);
      } else {
        atomicAdd(&leaf_counts[l], 1u);
      }
    }
  }
  workgroupBarrier();
  if (counted && use_local && li < next_leaves) {
    atomicAdd(&leaf_counts[li], atomicLoad(&local_counts[li]));
  }
}

// Dispatch: (ceil(leaves / 32), 1, 1) with WG 32.
@compute @workgroup_size(32, 1, 1)
fn clear_counts(@builtin(global_invocation_id) gid: vec3<u32>) {
  atomicStore(&leaf_counts[gid.x], 0u);
}

// ------------------------------------------------------------------ leaf_sums
// Dispatch: (ceil(chunks / 64), 1, 1) with WG 64: invocation c owns the sums [2^depth, 2D] of the
// rows [c·chunk_rows, …) (zeroed first), added in row order.

@group(0) @binding(1) var<storage, read> newton: array<f32>;
@group(0) @binding(2) var<storage, read> final_leaf: array<u32>;
@group(0) @binding(3) var<storage, read_write> leaf_part: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn leaf_sums(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= params.chunks) {
    return;
  }
  let E = 2u * params.dims;
  let leaves = 1u << params.depth;
  let base = c * leaves * E;
  for (var i = 0u; i < leaves * E; i++) {
    leaf_part[base + i] = 0.0;
  }
  let r0 = c * params.chunk_rows;
  let r1 = min(params.n, r0 + params.chunk_rows);
  for (var r = r0; r < r1; r++) {
    let o = base + final_leaf[r] * E;
    for (var e = 0u; e < E; e++) {
      leaf_part[o + e] += newton[r * E + e];
    }
  }
}

// ------------------------------------------------------------------ leaf_values
// Dispatch: (ceil(2^depth · D / 64), 1, 1) with WG 64: one Newton step per (leaf, dimension),
// value = learning_rate · Σ w·der / (Σ w·hess + λ), λ = l2 · Σw / n (0 when the denominator is
// not positive), stored at leaf_values[(iteration · 2^depth + leaf) · D + d].

@group(0) @binding(1) var<storage, read> leaf_part_in: array<f32>;
@group(0) @binding(2) var<storage, read> value_sums: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> leaf_values: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn leaf_values_step(@builtin(global_invocation_id) gid: vec3<u32>) {
  let D = params.dims;
  let leaves = 1u << params.depth;
  let i = gid.x;
  if (i >= leaves * D) {
    return;
  }
  let l = i / D;
  let d = i % D;
  let E = 2u * D;
  var sd = 0.0;
  var sh = 0.0;
  for (var c = 0u; c < params.chunks; c++) {
    sd += leaf_part_in[(c * leaves + l) * E + d];
    sh += leaf_part_in[(c * leaves + l) * E + D + d];
  }
  let h = sh + params.l2 * (value_sums[0].x / f32(params.n));
  leaf_values[(params.iteration * leaves + l) * D + d] = select(0.0, params.learning_rate * sd / h, h > 0.0);
}

// ------------------------------------------------------------------ update_scores
// Dispatch: (ceil(n / 256), 1, 1): every row's raw scores move by its leaf's values.

@group(0) @binding(1) var<storage, read> values_in: array<f32>;
@group(0) @binding(2) var<storage, read> score_leaf: array<u32>;
@group(0) @binding(3) var<storage, read_write> score_out: array<f32>;

@compute @workgroup_size(256, 1, 1)
fn update_scores(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= params.n) {
    return;
  }
  let D = params.dims;
  let leaves = 1u << params.depth;
  let o = (params.iteration * leaves + score_leaf[r]) * D;
  for (var d = 0u; d < D; d++) {
    score_out[r * D + d] += values_in[o + d];
  }
}
