// gpu-check.mjs — ask Dawn (the `webgpu` package) for an adapter and print what it is.
// Used by scripts/setup-gpu.sh and `npm run gpu:check`. Exit code 1 when no adapter is found.
// Honours VK_ICD_FILENAMES, so `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`
// checks SwiftShader instead of lavapipe.
import { create } from 'webgpu';

const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.error(
    'gpu-check: no WebGPU adapter found. On Debian bookworm run `sudo bash scripts/setup-gpu.sh` ' +
      '(installs lavapipe from bookworm-backports and SwiftShader with chromium).',
  );
  process.exit(1);
}
const info = adapter.info ?? {};
const device = await adapter.requestDevice();
console.log(
  `gpu-check: adapter "${info.description || info.device || 'unknown'}" vendor "${info.vendor || '?'}" ` +
    `architecture "${info.architecture || '?'}" (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'default'})`,
);
device.destroy();
process.exit(0);
