/** The messages between the parallel GBDT trainer (gbdt-parallel.ts) and its workers (gbdt-worker.ts). */

/** Sets a worker up: the rows' shared memory and its feature range [f0, f1). */
export interface WorkerInit {
  type: 'init';
  n: number;
  nFeatures: number;
  S: number;
  implicitLast: boolean;
  depth: number;
  f0: number;
  f1: number;
  noiseKey: number;
  binOffset: Uint32Array;
  bins: SharedArrayBuffer;
  idx: SharedArrayBuffer;
  begin: SharedArrayBuffer;
  count: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  leafTotals: SharedArrayBuffer;
}

/** Scans the worker's features for one level of tree `it` (the shared partition and leaf totals are current). */
export interface ScanRequest {
  type: 'scan';
  it: number;
  level: number;
  lambda: number;
  noiseScale: number;
}

export type WorkerRequest = WorkerInit | ScanRequest;

/** A worker's best candidate (feature −1: none). */
export interface ScanReply {
  type: 'best';
  score: number;
  feature: number;
  border: number;
}
