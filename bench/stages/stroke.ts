/**
 * One more stroke (issue 17): the cost of the interactive loop's step, as a user of the API meets
 * it. On the bundled RGB sample (512×384) a model is trained in memory mode on every scribble
 * but one stroke (the connected scribble component closest to 837 pixels, the size the issue
 * measured with) and segments the image — then that stroke is added and the timed step is
 * `train(memoryMode)` + `segment` of the whole image, through ConvpaintModel with its defaults
 * (feature cache on, trainer `auto`).
 *
 * The reference tool's figures for the same step are the ones issue 17 measured on this machine
 * class (napari-convpaint, CPU torch); the Python tool is not installed here, so they are quoted,
 * not re-measured in the same run — the report says so next to the ratio.
 */
import { fileURLToPath } from 'node:url';
import { labelComponents } from '../../src/engine/components.js';
import { readImageFile, readLabelsFile } from '../../src/io/image-read.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import type { BenchEnv } from '../lib/env.js';
import { summary } from '../lib/timing.js';
import type { Timing } from '../lib/timing.js';

/** Issue 17: the reference tool's `train(memoryMode)` + `segment` for one more 837-px stroke on this image. */
export const REFERENCE_STROKE_S: Record<string, number> = { vgg: 4.7, gaussian: 1.8 };
export const STROKE_ALIASES = ['gaussian', 'vgg'] as const;

export interface StrokeResult {
  alias: string;
  strokePixels: number;
  rows: number;
  total: Timing;
  train: Timing;
  segment: Timing;
  /** The step before (all scribbles but the stroke, cold model): train + segment. */
  first: Timing;
  referenceS: number | null;
}

const SAMPLE = new URL('../../sample/', import.meta.url);

async function loadSample() {
  const image = await readImageFile(fileURLToPath(new URL('0000_img.png', SAMPLE)));
  const labels = await readLabelsFile(fileURLToPath(new URL('0000_scribbles_all_01500_w3.png', SAMPLE)));
  const [h, w] = labels.shape.slice(-2);
  const all = Int32Array.from(labels.data as ArrayLike<number>);
  const { ids, boxes } = labelComponents(all, h, w);
  const sizes = new Array(boxes.length + 1).fill(0);
  for (const id of ids) if (id > 0) sizes[id]++;
  let stroke = 1;
  for (let id = 1; id <= boxes.length; id++) if (Math.abs(sizes[id] - 837) < Math.abs(sizes[stroke] - 837)) stroke = id;
  const before = Uint8Array.from(all, (v, i) => (ids[i] === stroke ? 0 : v));
  return { image, before: { data: before, shape: [h, w] }, after: { data: Uint8Array.from(all), shape: [h, w] }, strokePixels: sizes[stroke] };
}

export async function strokeStage(env: BenchEnv): Promise<StrokeResult[]> {
  const sample = await loadSample();
  const out: StrokeResult[] = [];
  for (const alias of STROKE_ALIASES) {
    const first: number[] = [];
    const train: number[] = [];
    const segment: number[] = [];
    let rows = 0;
    // One extra round first: pipelines, JIT and worker threads start there.
    for (let round = 0; round <= env.runs; round++) {
      const m = await ConvpaintModel.create({ alias }, { device: env.ctx, weights: env.weights, onWarning: () => undefined });
      try {
        m.setParam('channel_mode', 'rgb');
        const t0 = performance.now();
        await m.train(sample.image, sample.before, { memoryMode: true, imgIds: 'sample' });
        await m.segment(sample.image);
        const t1 = performance.now();
        await m.train(sample.image, sample.after, { memoryMode: true, imgIds: 'sample' });
        const t2 = performance.now();
        await m.segment(sample.image);
        const t3 = performance.now();
        rows = m.memoryRows;
        if (round === 0) continue;
        first.push(t1 - t0);
        train.push(t2 - t1);
        segment.push(t3 - t2);
      } finally {
        m.dispose();
      }
    }
    const total = train.map((t, i) => t + segment[i]);
    const r: StrokeResult = { alias, strokePixels: sample.strokePixels, rows, total: summary(total), train: summary(train), segment: summary(segment), first: summary(first), referenceS: REFERENCE_STROKE_S[alias] ?? null };
    env.log(`one more stroke, ${alias}: ${(r.total.medianMs / 1000).toFixed(2)} s (train ${(r.train.medianMs / 1000).toFixed(2)} · segment ${(r.segment.medianMs / 1000).toFixed(2)})${r.referenceS ? `, reference ${r.referenceS} s → ${(r.referenceS / (r.total.medianMs / 1000)).toFixed(1)}×` : ''}`);
    out.push(r);
  }
  return out;
}
