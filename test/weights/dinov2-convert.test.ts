/**
 * Installing DINOv2 weights from a hub-style checkpoint: a `torch.save` zip of the golden test
 * weights (F16 storages, as a half-precision state dict; the real hub file is F32) is converted,
 * told apart from VGG16 by its tensors, installed atomically under $CONVPAINT_HOME, and reads
 * back to exactly the parameters of the golden safetensors. A checkpoint with a missing or
 * misshapen tensor is refused, naming the tensor.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../../src/errors.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { convertDinov2Checkpoint } from '../../src/weights/convert-dinov2.js';
import { DINOV2_WEIGHTS_FILE, readDinov2Weights } from '../../src/weights/dinov2-weights.js';
import { installFromCheckpoint } from '../../src/weights/install.js';
import { DINOV2_TEST_WEIGHTS, dinov2TestWeights } from '../features/dinov2-golden.js';
import { writeTorchCheckpoint } from '../helpers/torch-checkpoint.js';
import type { CheckpointTensorInput } from '../helpers/torch-checkpoint.js';

const golden = readSafetensors(readFileSync(DINOV2_TEST_WEIGHTS));

function hubTensors(): CheckpointTensorInput[] {
  return golden.names().map((name) => ({ name, dtype: 'float16' as const, shape: [...golden.info(name).shape], bytes: golden.raw(name) }));
}

const dir = mkdtempSync(join(tmpdir(), 'convpaint-dinov2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('DINOv2 checkpoint conversion', () => {
  it('installs a hub-style checkpoint that reads back to the same parameters', async () => {
    const file = join(dir, 'dinov2_vits14_reg4_pretrain.pth');
    writeFileSync(file, writeTorchCheckpoint(hubTensors()));
    const result = await installFromCheckpoint(file, { home: dir });
    expect(result.network).toBe('dinov2');
    expect(result.path).toBe(join(dir, DINOV2_WEIGHTS_FILE));
    expect(existsSync(`${result.path}.tmp`)).toBe(false);
    const installed = readSafetensors(readFileSync(result.path));
    expect(installed.has('mask_token')).toBe(false);
    expect(installed.metadata.source).toBe('dinov2_vits14_reg4_pretrain.pth');
    const back = readDinov2Weights(readFileSync(result.path), result.path);
    const want = dinov2TestWeights();
    expect(back.posEmbed).toEqual(want.posEmbed);
    expect(back.blocks[11].fc2Weight).toEqual(want.blocks[11].fc2Weight);
    expect(back.norm.bias).toEqual(want.norm.bias);
  });

  it('refuses a checkpoint with a missing or misshapen tensor, naming it', () => {
    const missing = hubTensors().filter((t) => t.name !== 'blocks.7.ls2.gamma');
    expect(() => convertDinov2Checkpoint(writeTorchCheckpoint(missing))).toThrow(CheckpointFormatError);
    expect(() => convertDinov2Checkpoint(writeTorchCheckpoint(missing))).toThrow(/blocks\.7\.ls2\.gamma/);
    const wrong = hubTensors().map((t) => (t.name === 'pos_embed' ? { ...t, shape: [1, 257, 384], bytes: t.bytes.subarray(0, 257 * 384 * 2) } : t));
    expect(() => convertDinov2Checkpoint(writeTorchCheckpoint(wrong))).toThrow(/pos_embed.*\[1, 257, 384\]/);
    const vgg = [{ name: 'features.0.weight', dtype: 'float32' as const, shape: [2], bytes: new Uint8Array(8) }];
    expect(() => convertDinov2Checkpoint(writeTorchCheckpoint(vgg))).toThrow(/not a DINOv2 checkpoint/);
  });
});
