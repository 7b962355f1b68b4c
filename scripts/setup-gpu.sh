#!/usr/bin/env bash
# setup-gpu.sh — make WebGPU work on a Debian bookworm machine that has no GPU.
#
# Installs two independent software Vulkan drivers that Dawn (the `webgpu` npm package) accepts:
#   * lavapipe, from Mesa in bookworm-backports (bookworm's own Mesa 22.3 is rejected by Dawn:
#     "shaderUniform*ArrayDynamicIndexing required");
#   * SwiftShader, which ships inside Debian's `chromium` package (also our test browser).
# Idempotent; run as root. Exits non-zero with a message when no adapter can be obtained.
# Set SKIP_ADAPTER_CHECK=1 to install only (the check needs `npm ci` to have run).
set -euo pipefail

log() { printf '[setup-gpu] %s\n' "$*"; }
die() { printf '[setup-gpu] ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  die "must run as root (it installs Debian packages); try: sudo bash scripts/setup-gpu.sh"
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
  log "warning: this script targets Debian bookworm; found '${VERSION_CODENAME:-unknown}'. Continuing."
fi

export DEBIAN_FRONTEND=noninteractive
backports_list=/etc/apt/sources.list.d/bookworm-backports.sources

if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "bookworm-backports already configured"
else
  log "adding the bookworm-backports suite ($backports_list)"
  cat >"$backports_list" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

# Packages we need, and the minimum Mesa major version Dawn accepts.
need_mesa_major=24
mesa_version() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

current=$(mesa_version)
mesa_major=${current%%.*}
mesa_major=${mesa_major##*:}
if [ -n "$current" ] && [ "${mesa_major:-0}" -ge "$need_mesa_major" ] 2>/dev/null && have_pkg chromium; then
  log "mesa-vulkan-drivers $current and chromium already installed"
else
  log "apt-get update"
  # A third-party list that cannot be reached must not stop us; Debian's own must work.
  apt-get update -q || log "warning: apt-get update reported errors (continuing; install will tell)"
  log "installing mesa-vulkan-drivers (lavapipe) from bookworm-backports"
  apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers libvulkan1
  log "installing chromium (browser + SwiftShader Vulkan driver)"
  apt-get install -y -q chromium
fi

log "mesa-vulkan-drivers: $(mesa_version)"
log "chromium: $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo missing)"

lvp_icd=$(ls /usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null | head -n 1 || true)
swiftshader_icd=/usr/lib/chromium/vk_swiftshader_icd.json
[ -n "$lvp_icd" ] || die "lavapipe ICD file not found under /usr/share/vulkan/icd.d after install"
[ -f "$swiftshader_icd" ] || die "SwiftShader ICD not found at $swiftshader_icd after installing chromium"
log "lavapipe ICD:    $lvp_icd"
log "SwiftShader ICD: $swiftshader_icd"

if [ "${SKIP_ADAPTER_CHECK:-0}" = "1" ]; then
  log "adapter check skipped (SKIP_ADAPTER_CHECK=1)"
  exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -d "$here/node_modules/webgpu" ]; then
  log "node_modules/webgpu not installed yet: run 'npm ci' and then 'npm run gpu:check' to verify adapters"
  exit 0
fi
for icd in "$lvp_icd" "$swiftshader_icd"; do
  if ! (cd "$here" && VK_ICD_FILENAMES="$icd" node scripts/gpu-check.mjs); then
    die "no WebGPU adapter with VK_ICD_FILENAMES=$icd. Check that mesa-vulkan-drivers >= $need_mesa_major comes from bookworm-backports and that libvulkan1 is installed."
  fi
done
log "done: WebGPU adapters available on lavapipe and SwiftShader"
