/**
 * Converts a torchvision VGG16 checkpoint (.pth, zip or legacy format) to safetensors holding its
 * conv layers, in TypeScript (no Python). The logic lives in src/weights/; `convpaint weights
 * convert` is the same thing installed into the cache directory.
 *
 *   npx tsx scripts/convert-weights.ts vgg16-397923af.pth [out.safetensors]
 *
 * Without an output path the result is installed where the vgg16 extractor looks for it
 * ($CONVPAINT_HOME or ~/.cache/convpaint-webgpu/vgg16-imagenet.safetensors).
 */
import { ConvpaintError } from '../src/errors.js';
import { installFromCheckpoint } from '../src/weights/install.js';

const [input, out] = process.argv.slice(2);
if (!input || input.startsWith('-')) {
  console.error('usage: npx tsx scripts/convert-weights.ts CHECKPOINT.pth [OUT.safetensors]');
  process.exit(2);
}
try {
  const result = await installFromCheckpoint(input, { out });
  for (const w of result.warnings) console.error(`warning: ${w}`);
  console.log(`${result.layers} conv layers, ${(result.bytes / 2 ** 20).toFixed(1)} MB → ${result.path}`);
} catch (error) {
  console.error(error instanceof ConvpaintError ? `${error.name}: ${error.message}` : error);
  process.exit(1);
}
