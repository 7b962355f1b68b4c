/**
 * Training: the rows of the annotated pixels (all of them, or in memory mode only the pixels
 * whose label changed, added to the remembered table) and the classifier fitted on them. Rows
 * are sorted lexicographically before fitting, as the reference does (REFERENCE.md §5).
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { trainGbdtParallel } from '../classifiers/gbdt-parallel.js';
import { gpuGbdtUnsupported, trainGbdtGpu } from '../classifiers/gbdt-gpu.js';
import type { GpuContext } from '../gpu/context.js';
import { trainRandomForestParallel } from '../classifiers/rf-parallel.js';
import { sortRowsLexicographic } from '../classifiers/rows.js';
import type { Engine, ProgressSink, TrainingRows } from '../engine/engine.js';
import { ValueError } from '../errors.js';
import type { FeatureExtractor } from '../features/extractor.js';
import type { PyramidOptions } from '../features/plan.js';
import type { Labels3D } from '../prepare/dims.js';
import type { PreparedImage } from '../prepare/prepare.js';
import { MemoryTable } from './memory.js';
import type { Settings } from './settings.js';

/** What the rows of one training call are collected from. */
export interface RowSource {
  engine: Engine;
  fe: FeatureExtractor;
  images: PreparedImage[];
  labels: Labels3D[];
  pyramid: PyramidOptions;
  settings: Settings;
  nFeatures: number;
  progress: ProgressSink;
}

/** Rows of every labelled pixel of every image, in image order. */
export async function annotatedRows(src: RowSource): Promise<{ x: Float32Array; y: Int32Array }> {
  const parts: TrainingRows[] = [];
  for (const [i, img] of src.images.entries()) {
    if (!src.labels[i].data.some((v) => v > 0)) continue;
    parts.push(await src.engine.trainingRows(src.fe, img, src.labels[i], src.pyramid, src.settings.tileAnnotations, src.progress));
  }
  return concatXY(parts, src.nFeatures);
}

/** Memory mode: extracts the changed pixels into `memory`, returns every remembered row and how many are new. */
export async function rememberedRows(src: RowSource, memory: MemoryTable, ids: readonly string[]): Promise<{ x: Float32Array; y: Int32Array; fresh: number }> {
  if (memory.size > 0 && memory.nFeatures !== src.nFeatures) {
    throw new ValueError(`memory mode: the remembered rows have ${memory.nFeatures} features but the current settings give ${src.nFeatures}; call resetTraining() after changing the extractor or channels`);
  }
  let fresh = 0;
  for (const [i, img] of src.images.entries()) {
    const key = MemoryTable.imageKey(ids[i], src.settings.imageDownsample);
    const changed = memory.changes(key, src.labels[i]);
    if (!changed.data.some((v) => v > 0)) continue;
    const rows = await src.engine.trainingRows(src.fe, img, changed, src.pyramid, src.settings.tileAnnotations, src.progress);
    memory.add(key, rows.x, rows.y, rows.coords, rows.nFeatures);
    fresh += rows.y.length;
  }
  return { ...memory.toArrays(), fresh };
}

/** Concatenates the rows of several parts ([n_i, F] each). */
export function concatXY(parts: ReadonlyArray<{ x: Float32Array; y: Int32Array }>, nFeatures: number): { x: Float32Array; y: Int32Array } {
  const n = parts.reduce((a, p) => a + p.y.length, 0);
  const x = new Float32Array(n * nFeatures);
  const y = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * nFeatures);
    y.set(p.y, at);
    at += p.y.length;
  }
  return { x, y };
}

/** Where a GBDT is trained: on this GPU context, or on the CPU. */
export type TrainerPlace = { kind: 'gpu'; ctx: GpuContext } | { kind: 'cpu' };

/**
 * The trainer for `choice` (CreateOptions.trainer) on an engine's context: `auto` takes the GPU
 * only on hardware adapters — on software adapters the WGSL trainer runs on the same cores as
 * the TypeScript one and measured no faster (bench/RESULTS.md) — and `gpu` without a context is
 * refused.
 */
export function trainerPlace(choice: 'auto' | 'gpu' | 'cpu', ctx: GpuContext | null): TrainerPlace {
  if (choice === 'gpu') {
    if (!ctx) throw new ValueError('trainer "gpu" needs a WebGPU device; this model runs on the CPU engine');
    return { kind: 'gpu', ctx };
  }
  if (choice === 'auto' && ctx && !ctx.isSoftwareAdapter) return { kind: 'gpu', ctx };
  return { kind: 'cpu' };
}

/** Fits the classifier (GBDT by default, random forest with `useRf`) on sorted rows; checks there is something to learn. */
export async function fitClassifier(x: Float32Array, y: Int32Array, nFeatures: number, settings: Settings, useRf: boolean, place: TrainerPlace, report: ProgressSink): Promise<TreeEnsemble> {
  if (y.length === 0) throw new ValueError('No features or targets found: the annotations hold no labelled pixels (0 = unlabelled, classes are 1, 2, …).');
  const distinct = new Set(y);
  if (distinct.size < 2) throw new ValueError(`Not enough classes found in the targets: only class ${[...distinct][0]} is annotated; at least two classes are needed.`);
  const sorted = sortRowsLexicographic(x, y, nFeatures);
  const onProgress = (p: { stage: string; done: number; total: number }) => report(p.stage, p.done, p.total);
  if (useRf) return trainRandomForestParallel(sorted.x, sorted.y, nFeatures, { nEstimators: 100, seed: 0, onProgress });
  const options = { iterations: settings.iterations, learningRate: settings.learningRate, depth: settings.depth, seed: 0, onProgress };
  if (place.kind === 'gpu' && gpuGbdtUnsupported(distinct.size, settings.depth) === null) return trainGbdtGpu(place.ctx, sorted.x, sorted.y, nFeatures, options);
  return trainGbdtParallel(sorted.x, sorted.y, nFeatures, options);
}
