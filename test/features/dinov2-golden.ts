/**
 * The DINOv2 golden data (../shared/golden/dinov2, README there): the seeded random ViT-S/14-reg4
 * weights and the tensors the reference computed with them, each loaded once per test process.
 */
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { SafetensorsFile } from '../../src/io/safetensors.js';
import { readDinov2Weights } from '../../src/weights/dinov2-weights.js';
import type { Dinov2Params } from '../../src/weights/dinov2-weights.js';
import { sharedPath } from '../helpers/data.js';

const WEIGHTS = 'golden/dinov2/dinov2_vits14_reg_test_random.safetensors';
const GOLDEN = 'golden/dinov2/dinov2_golden.safetensors';
export const DINOV2_TEST_WEIGHTS = sharedPath(WEIGHTS);

/**
 * The README's tolerance for an f32 port: max-abs 2e-4 on features, tokens and block outputs —
 * above the f64/f32 gap (≤ 3e-6) and below the smallest plausible mistake (f16 subnormals
 * flushed, 7.2e-4; tanh-GELU, 8.1e-4).
 */
export const DINOV2_TOLERANCE = { atol: 2e-4, rtol: 0 };

let weights: Dinov2Params | null = null;
let golden: SafetensorsFile | null = null;

/** The test weights (F16 in the file, widened exactly to f32). */
export function dinov2TestWeights(): Dinov2Params {
  weights ??= readDinov2Weights(readFileSync(sharedPath(WEIGHTS)), WEIGHTS);
  return weights;
}

/** A golden tensor's values (F32) by name, e.g. `backbone/block0/qkv`. */
export function dinov2Golden(name: string): Float32Array {
  golden ??= readSafetensors(readFileSync(sharedPath(GOLDEN)));
  return golden.getFloat32(name);
}

/** A golden tensor's shape. */
export function dinov2GoldenShape(name: string): number[] {
  golden ??= readSafetensors(readFileSync(sharedPath(GOLDEN)));
  return [...golden.info(name).shape];
}

/** max |a − b| (for reporting how close a comparison came). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return a.length === b.length ? worst : Infinity;
}

/** A golden tensor as f32 values with its shape. */
export function goldenTensor(name: string): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(dinov2Golden(name)), shape: dinov2GoldenShape(name) };
}
