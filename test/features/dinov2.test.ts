/**
 * The CPU reference of DINOv2 against the reference tool's tensors (golden README §6, tolerance
 * §7): weights decoding, the position-embedding interpolation for several grids, the token
 * sequence, block 0's internals, every block's output and the normalised patch tokens.
 */
import { describe, expect, it } from 'vitest';
import { antialiasedBicubicWeights, interpolatePosEmbed } from '../../src/core/dinov2-pos-embed.js';
import { dinov2BlockCpu, dinov2PatchTokensCpu, dinov2TokensCpu } from '../../src/features/dinov2-backbone-cpu.js';
import { WeightsFormatError } from '../../src/errors.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { selfAttention } from '../../src/reference/attention.js';
import { layerNorm } from '../../src/reference/layer-norm.js';
import { erfApprox, gelu, linear } from '../../src/reference/linear.js';
import { patchify } from '../../src/reference/patchify.js';
import { DINOV2_SMALL, readDinov2Weights } from '../../src/weights/dinov2-weights.js';
import { expectClose } from '../helpers/tolerance.js';
import { DINOV2_TOLERANCE, dinov2TestWeights, goldenTensor } from './dinov2-golden.js';

const { dim } = DINOV2_SMALL;

describe('DINOv2 position embedding', () => {
  it('keeps weights normalised and covers the grid', () => {
    for (const out of [1, 2, 5, 37, 45]) {
      for (const t of antialiasedBicubicWeights(37, out)) {
        expect(Math.abs(t.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        expect(t.start).toBeGreaterThanOrEqual(0);
        expect(t.start + t.weights.length).toBeLessThanOrEqual(37);
      }
    }
  });

  for (const grid of ['4x5', '5x7', '6x8', '3x2', '40x45']) {
    it(`matches torch's antialiased bicubic for a ${grid} grid`, () => {
      const [hp, wp] = grid.split('x').map(Number);
      const expected = goldenTensor(`pos_embed_interp/${grid}`);
      const got = interpolatePosEmbed(dinov2TestWeights().posEmbed, 37, dim, hp, wp);
      expectClose(got, expected.data, { atol: 1e-5, rtol: 0 }, expected.shape);
    });
  }
});

describe('DINOv2 CPU reference against the golden backbone record', () => {
  const params = () => dinov2TestWeights();
  const input = () => goldenTensor('backbone/input');

  it('decodes the F16 test weights exactly (subnormals included)', () => {
    const p = params();
    expect(p.blocks).toHaveLength(12);
    // The README counts 37,578 subnormal values: a flushing decoder would turn them into zeros.
    let subnormal = 0;
    const all = [p.patchWeight, p.posEmbed, ...p.blocks.flatMap((b) => [b.qkvWeight, b.projWeight, b.fc1Weight, b.fc2Weight, b.qkvBias, b.projBias, b.fc1Bias, b.fc2Bias])];
    for (const a of all) for (const v of a) if (v !== 0 && Math.abs(v) < 2 ** -14) subnormal++;
    expect(subnormal).toBeGreaterThan(30_000);
  });

  it('builds the token sequence (patch embedding, cls, registers, positions)', () => {
    const x = input();
    const { data, grid } = patchify(x, 14);
    const embedded = linear(data, grid[0] * grid[1], 588, params().patchWeight, dim, params().patchBias);
    expectClose(embedded, goldenTensor('backbone/patch_embed').data, DINOV2_TOLERANCE);
    expectClose(dinov2TokensCpu(params(), data, grid[0], grid[1]), goldenTensor('backbone/tokens_in').data, DINOV2_TOLERANCE);
  });

  it("reproduces block 0's internals stage by stage", () => {
    const b = params().blocks[0];
    const x = goldenTensor('backbone/tokens_in').data;
    const n = 25;
    const g = (name: string) => goldenTensor(`backbone/block0/${name}`).data;
    const n1 = layerNorm(x, n, dim, b.norm1.weight, b.norm1.bias, 1e-6);
    expectClose(n1, g('norm1'), DINOV2_TOLERANCE);
    const qkv = linear(g('norm1'), n, dim, b.qkvWeight, 3 * dim, b.qkvBias);
    expectClose(qkv, g('qkv'), DINOV2_TOLERANCE);
    expectClose(selfAttention(g('qkv'), n, 6, 64), g('attn_context'), DINOV2_TOLERANCE);
    const fc1 = linear(g('norm2'), n, dim, b.fc1Weight, 4 * dim, b.fc1Bias);
    expectClose(fc1, g('fc1'), DINOV2_TOLERANCE);
    expectClose(linear(g('norm2'), n, dim, b.fc1Weight, 4 * dim, b.fc1Bias, { kind: 'gelu' }), g('gelu'), DINOV2_TOLERANCE);
    expectClose(dinov2BlockCpu(b, x, n), g('out'), DINOV2_TOLERANCE);
  });

  it('gives every block output and the normalised patch tokens', () => {
    const outputs = goldenTensor('backbone/block_outputs').data;
    let x = goldenTensor('backbone/tokens_in').data;
    params().blocks.forEach((b, i) => {
      x = dinov2BlockCpu(b, x, 25);
      expectClose(x, outputs.subarray(i * 25 * dim, (i + 1) * 25 * dim), DINOV2_TOLERANCE);
    });
    const tokens = dinov2PatchTokensCpu(params(), input());
    expect(tokens.shape).toEqual([1, dim, 4, 5]);
    const expected = goldenTensor('backbone/x_norm_patchtokens').data; // [1, 20, 384] token-major
    const transposed = new Float32Array(dim * 20);
    for (let t = 0; t < 20; t++) for (let c = 0; c < dim; c++) transposed[c * 20 + t] = expected[t * dim + c];
    expectClose(tokens.data, transposed, DINOV2_TOLERANCE);
  });

  it('gives the reference patch features of the grey and RGB crops', () => {
    for (const name of ['grey', 'rgb']) {
      const expected = goldenTensor(`${name}/patch_features`);
      const got = dinov2PatchTokensCpu(params(), goldenTensor(`${name}/model_input`));
      expectClose(got.data, expected.data, DINOV2_TOLERANCE, expected.shape);
    }
  });
});

describe('DINOv2 reference kernels', () => {
  it('erf and GELU are accurate to the README bound', () => {
    // Known values of erf (to 1e-9).
    for (const [x, e] of [[0, 0], [0.5, 0.520499878], [1, 0.842700793], [2, 0.995322265], [-1.5, -0.966105146]]) {
      expect(Math.abs(erfApprox(x) - e)).toBeLessThan(2e-7);
    }
    expect(gelu(0)).toBe(0);
    expect(Math.abs(gelu(1) - 0.841344746)).toBeLessThan(2e-7);
  });

  it('rejects weights files that are not DINOv2', () => {
    const bytes = writeSafetensors({ 'features.0.weight': { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    expect(() => readDinov2Weights(bytes, 'vgg.safetensors')).toThrow(WeightsFormatError);
    expect(() => readDinov2Weights(bytes, 'vgg.safetensors')).toThrow(/no tensor "blocks.0.norm1.weight"|no tensor/);
    expect(() => readDinov2Weights(new Uint8Array([1, 2, 3]), 'x')).toThrow(WeightsFormatError);
  });
});
