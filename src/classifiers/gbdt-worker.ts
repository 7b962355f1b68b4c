/**
 * The entry point of a GBDT worker (bundled into a string by scripts/bundle-workers.mjs, spawned by
 * gbdt-parallel.ts in a Node worker thread or a browser Web Worker). It owns the histograms of one
 * range of features: on `init` it views the rows' shared memory; on every `scan` it scans its
 * features for one level and answers with its best candidate. Nothing here allocates per level.
 */
import { gbdtNoise } from './gbdt.js';
import { FeatureScanner } from './oblivious-grower.js';
import type { LevelRows } from './oblivious-grower.js';
import type { ScanReply, WorkerInit, WorkerRequest } from './gbdt-protocol.js';
import { workerPort } from './worker-port.js';

function rowsOf(init: WorkerInit): LevelRows {
  return {
    n: init.n,
    nFeatures: init.nFeatures,
    bins: new Uint8Array(init.bins),
    binOffset: Uint32Array.from(init.binOffset),
    S: init.S,
    implicitLast: init.implicitLast,
    idx: new Uint32Array(init.idx),
    begin: new Uint32Array(init.begin),
    count: new Uint32Array(init.count),
    stats: new Float64Array(init.stats),
    leafTotals: new Float64Array(init.leafTotals),
  };
}

const channel = workerPort<WorkerRequest, ScanReply>();
let scanner: FeatureScanner | null = null;
let noiseKey = 0;

channel.listen((message) => {
  if (message.type === 'init') {
    scanner = new FeatureScanner(rowsOf(message), message.f0, message.f1, message.depth);
    noiseKey = message.noiseKey;
    return;
  }
  if (!scanner) throw new Error('GBDT worker: scan before init');
  const { it, level, lambda, noiseScale } = message;
  const best = scanner.scan(level, lambda, noiseScale, (l, f, b) => gbdtNoise(noiseKey, it, l, f, b));
  channel.post({ type: 'best', ...best });
});
