#!/usr/bin/env bash
# The benchmark suite on a machine with a real GPU and no network (the device machine of a
# session that has one). That machine has neither Node nor our node_modules, and `npm ci` cannot
# run there, so everything travels from here in .bench-remote/ (an ignored folder, ≤ 64 MiB):
#
#   here:   bash scripts/bench-remote.sh pack
#             → .bench-remote/node.xz            this machine's node binary (x86-64 Linux)
#               .bench-remote/node_modules.tar.xz runtime deps + tsx, Dawn for linux-x64 only
#               .bench-remote/*.deb               the Vulkan loader (libvulkan1), in case it is missing
#             and adds /.bench-remote/ to .git/info/exclude.
#   there:  run `bash scripts/bench-remote.sh run` with carry [".bench-remote"] (device tool).
#             Unpacks the above, finds NVIDIA's Vulkan driver, regenerates the shader bundle and
#             runs the same suite as `npm run bench -- --quick --drivers=system` (node is called
#             directly: the carried binary comes without npm). Results go to $OUT:
#             <date>-<adapter>-quick.json, report.md (the RESULTS.md section), bench.log.
#
# Extra arguments after `run` are passed to bench/run.ts (e.g. `run --sizes=1024,2048,4096`).
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.bench-remote

pack() {
  [ -d node_modules ] || { echo "bench-remote: no node_modules here; run npm ci first" >&2; exit 2; }
  rm -rf "$PACK"
  mkdir -p "$PACK"
  local exclude
  if exclude=$(git rev-parse --git-path info/exclude 2>/dev/null); then
    mkdir -p "$(dirname "$exclude")"
    grep -qx '/.bench-remote/' "$exclude" 2>/dev/null || echo '/.bench-remote/' >>"$exclude"
  fi
  echo "packing node $(node --version) …"
  xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$PACK/node.xz"
  echo "packing node_modules (runtime + tsx; Dawn for linux-x64) …"
  tar -c \
    --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
    --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/typescript' \
    --exclude='node_modules/playwright-core' --exclude='node_modules/vite' --exclude='node_modules/vitest' \
    --exclude='node_modules/@vitest' --exclude='node_modules/rollup' --exclude='node_modules/@rollup' \
    --exclude='node_modules/.cache' --exclude='node_modules/.vite' node_modules | xz -T0 -6 >"$PACK/node_modules.tar.xz"
  (cd "$PACK" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "bench-remote: could not download libvulkan1 (fine if the GPU machine has a Vulkan loader)" >&2
  local mib
  mib=$(du -sm "$PACK" | cut -f1)
  echo "packed $PACK: ${mib} MiB (the device tool carries at most 64 MiB, working tree included)"
  [ "$mib" -lt 60 ] || { echo "bench-remote: $PACK is too large to carry" >&2; exit 1; }
}

run() {
  [ -d "$PACK" ] || { echo "bench-remote: no $PACK here: run 'bash scripts/bench-remote.sh pack' on the machine with node_modules and carry .bench-remote" >&2; exit 2; }
  local out="${OUT:-/tmp/bench-out}"
  mkdir -p "$out"
  if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    mkdir -p /tmp/bench-node/bin
    xz -dc "$PACK/node.xz" >/tmp/bench-node/bin/node
    chmod +x /tmp/bench-node/bin/node
    export PATH="/tmp/bench-node/bin:$PATH"
  fi
  [ -d node_modules ] || tar -xJf "$PACK/node_modules.tar.xz"
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then
    for f in "$PACK"/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
    ldconfig
  fi
  # NVIDIA's ICD lives outside the loader's default search path on these machines.
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
  echo "node $(node --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-<default>}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  node scripts/bundle-shaders.mjs
  node --expose-gc --import tsx bench/run.ts --quick --drivers=system --out="$out" --no-results-md --md="$out/report.md" "$@" 2>&1 | tee "$out/bench.log"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) echo "usage: bash scripts/bench-remote.sh pack | run [bench options]" >&2; exit 2 ;;
esac
