/**
 * A lost device must not hang a call or lose the trained model: `segment` rejects with
 * DeviceLostError, later calls throw it, and the classifier (CPU-side) carries over to a model on
 * a new device through the bundle.
 */
import { describe, expect, it } from 'vitest';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { LabelImage } from '../../src/model/convpaint-model.js';
import { GpuContext } from '../../src/gpu/context.js';
import { DeviceLostError } from '../../src/errors.js';
import { useGpu } from '../helpers/gpu.js';
import { squareScene } from '../helpers/synthetic.js';

const gpu = useGpu();

describe('device loss during segment', () => {
  it('rejects the pending call with DeviceLostError; the model continues on a new device', async () => {
    const doomed = await GpuContext.create();
    const s = squareScene(96, 12);
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, { device: doomed });
    await m.train(s.image, s.annotations);
    const before = (await m.segment(s.image)) as LabelImage;

    const pending = m.segment(s.image);
    doomed.device.destroy();
    await expect(pending).rejects.toThrow(DeviceLostError);
    await expect(m.segment(s.image)).rejects.toThrow(/device was lost/);

    const revived = await ConvpaintModel.create({ bundle: m.toBundle() }, { device: gpu() });
    const after = (await revived.segment(s.image)) as LabelImage;
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
    m.dispose();
    revived.dispose();
    doomed.dispose();
  });
});
