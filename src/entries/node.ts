/**
 * convpaint-webgpu/node — what needs a file system: reading images and labels from files,
 * writing segmentations, safetensors files, atomic writes, and the VGG weights cache
 * (`convpaint weights fetch` / `convert` as functions). Node only.
 */
export { readImageFile, readLabelsFile } from '../io/image-read.js';
export { encodeLabels, encodeFloatStack, encodeRgbPng } from '../io/image-write.js';
export type { EncodedFile } from '../io/image-write.js';
export { readSafetensorsFile, writeSafetensorsFile } from '../io/safetensors-node.js';
export { writeFileAtomic } from '../io/atomic-write.js';
export { convpaintHome, imagenetWeightsPath } from '../weights/cache-dir.js';
export { installFromCheckpoint, fetchAndInstall, DEFAULT_WEIGHTS_URL } from '../weights/install.js';
export type { InstallResult, InstallOptions, FetchOptions } from '../weights/install.js';
export { overlayPicture, displayPlanes, CLASS_COLOURS } from '../postprocess/overlay.js';
export type { RgbPicture, OverlayOptions } from '../postprocess/overlay.js';
