/** The messages between the parallel random-forest trainer (rf-parallel.ts) and its workers (rf-worker.ts). */
import type { GrownNodeTree } from './random-forest.js';

/** Sets a worker up: the ranked rows in shared memory, the seed and the candidate count. */
export interface RfWorkerInit {
  type: 'init';
  n: number;
  nFeatures: number;
  nClasses: number;
  seed: number;
  mtry: number;
  rank: SharedArrayBuffer;
  /** All features' distinct values, feature f's at [valueOffset[f], valueOffset[f + 1]). */
  values: SharedArrayBuffer;
  valueOffset: Uint32Array;
  target: SharedArrayBuffer;
}

/** Grows tree `index`. */
export interface RfGrow {
  type: 'grow';
  index: number;
}

export type RfRequest = RfWorkerInit | RfGrow;

export interface RfReply {
  type: 'tree';
  index: number;
  tree: GrownNodeTree;
}
