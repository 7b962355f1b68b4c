/**
 * The DINOv2 golden files (../shared/golden/dinov2/, README there): the seeded random test
 * weights and the reference's tensors, loaded once per test file.
 */
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { SafetensorsFile } from '../../src/io/safetensors.js';
import { readDinov2Weights } from '../../src/weights/dinov2-weights.js';
import type { Dinov2Params } from '../../src/weights/dinov2-weights.js';
import { sharedPath } from '../helpers/data.js';

export const DINOV2_TEST_WEIGHTS = sharedPath('golden/dinov2/dinov2_vits14_reg_test_random.safetensors');
const GOLDEN = sharedPath('golden/dinov2/dinov2_golden.safetensors');

/**
 * The README's tolerance for an f32 port: max-abs 2e-4 on features, tokens and block outputs —
 * above the f64/f32 gap (≤ 3e-6) and below the smallest plausible mistake (f16 subnormals
 * flushed, 7.2e-4; tanh-GELU, 8.1e-4).
 */
export const DINOV2_TOLERANCE = { atol: 2e-4, rtol: 0 };

let weights: Dinov2Params | null = null;
let golden: SafetensorsFile | null = null;

export function dinov2TestWeights(): Dinov2Params {
  weights ??= readDinov2Weights(readFileSync(DINOV2_TEST_WEIGHTS), DINOV2_TEST_WEIGHTS);
  return weights;
}

export function dinov2Golden(): SafetensorsFile {
  golden ??= readSafetensors(readFileSync(GOLDEN));
  return golden;
}

/** A golden tensor as f32 values with its shape. */
export function goldenTensor(name: string): { data: Float32Array; shape: number[] } {
  const g = dinov2Golden();
  return { data: Float32Array.from(g.getFloat32(name)), shape: [...g.info(name).shape] };
}
