/**
 * The CPU GBDT trainer on every core: the sequential trainer's run (gbdt.ts) with each level's
 * split search spread over worker threads — Node worker_threads or browser Web Workers, started
 * from the bundled source of gbdt-worker.ts. Each worker owns the histograms of one range of
 * features (ranges balanced by bins); the rows' state lives in shared memory (SharedArrayBuffer):
 * the bins once, and per tree the statistics, per level the partition and leaf totals, which this
 * thread writes before it asks the workers to scan. This thread scans the first range itself and
 * partitions the rows. Every worker returns its best candidate and the lowest feature wins ties,
 * so the trees are those of `trainGbdt`, bit for bit.
 *
 * Without shared memory (a browser page that is not cross-origin isolated), with one core, or for
 * tables too small to repay starting workers, it is `trainGbdt`.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { GbdtRun, trainGbdt } from './gbdt.js';
import type { GbdtOptions, RunArrays } from './gbdt.js';
import type { ScanReply, WorkerInit, WorkerRequest } from './gbdt-protocol.js';
import { availableCores, sharedArrays, sharedMemoryAvailable, startWorker } from './worker-channel.js';
import type { WorkerChannel } from './worker-channel.js';
import { betterSplit, FeatureScanner, leafTotals, leavesOfRows, partition, startTree } from './oblivious-grower.js';
import type { BestSplit, GrownTree } from './oblivious-grower.js';
import { GBDT_WORKER_SOURCE } from './workers.generated.js';

/** Rows × features below which one thread is faster than starting workers (about 10 ms of work per tree). */
export const PARALLEL_MIN_CELLS = 200_000;

/** Options of `trainGbdtParallel`: the GBDT's, and how many threads (this one included) to use. */
export interface ParallelGbdtOptions extends GbdtOptions {
  /** Threads including this one; default: the machine's cores (at most 8). 1 = `trainGbdt`. */
  threads?: number;
}

/** Feature ranges [f0, f1) of about equal bins (the histogram work), one per thread. */
export function featureRanges(binOffset: Uint32Array, nFeatures: number, threads: number): Array<[number, number]> {
  const total = binOffset[nFeatures];
  const ranges: Array<[number, number]> = [];
  let f0 = 0;
  for (let t = 0; t < threads && f0 < nFeatures; t++) {
    const goal = ((t + 1) * total) / threads;
    let f1 = f0 + 1;
    while (f1 < nFeatures && (t === threads - 1 || binOffset[f1] < goal)) f1++;
    ranges.push([f0, f1]);
    f0 = f1;
  }
  return ranges;
}

/**
 * Trains a GBDT on every core (see the module comment); the same model as `trainGbdt` with the
 * same rows and options.
 */
export async function trainGbdtParallel(x: Float32Array, y: ArrayLike<number>, nFeatures: number, options: ParallelGbdtOptions = {}): Promise<TreeEnsemble> {
  const threads = Math.max(1, Math.min(options.threads ?? Math.min(8, await availableCores()), nFeatures));
  if (threads < 2 || !sharedMemoryAvailable() || y.length * nFeatures < PARALLEL_MIN_CELLS) return trainGbdt(x, y, nFeatures, options);
  const arrays = sharedArrays();
  const run = new GbdtRun(x, y, nFeatures, options, arrays);
  const { rows, opts } = run;
  const ranges = featureRanges(rows.binOffset, nFeatures, threads);
  const workers: Array<WorkerChannel<WorkerRequest, ScanReply>> = [];
  try {
    for (let t = 1; t < ranges.length; t++) workers.push(await startWorker<WorkerRequest, ScanReply>(GBDT_WORKER_SOURCE, 'GBDT worker'));
    const buffer = (view: ArrayBufferView) => arrays.buffers.get(view)!;
    workers.forEach((w, i) => {
      const init: WorkerInit = {
        type: 'init',
        n: rows.n,
        nFeatures,
        S: rows.S,
        implicitLast: rows.implicitLast,
        depth: opts.depth,
        f0: ranges[i + 1][0],
        f1: ranges[i + 1][1],
        noiseKey: run.keys.noise,
        binOffset: rows.binOffset,
        bins: buffer(rows.bins),
        idx: buffer(rows.idx),
        begin: buffer(rows.begin),
        count: buffer(rows.count),
        stats: buffer(rows.stats),
        leafTotals: buffer(rows.leafTotals),
      };
      w.send(init);
    });
    const own = new FeatureScanner(rows, ranges[0][0], ranges[0][1], opts.depth);
    for (let it = 0; it < opts.iterations; it++) {
      const { lambda, noiseScale } = run.derivatives(it);
      const noise = run.noise(it);
      startTree(rows);
      const tree: GrownTree = { features: [], borders: [], leafOf: new Uint32Array(0) };
      for (let level = 0; level < opts.depth; level++) {
        leafTotals(rows, 2 ** level);
        for (const w of workers) w.send({ type: 'scan', it, level, lambda, noiseScale });
        let best: BestSplit = own.scan(level, lambda, noiseScale, noise);
        for (const w of workers) best = betterSplit(best, await w.reply());
        if (best.feature < 0) break;
        tree.features.push(best.feature);
        tree.borders.push(best.border);
        partition(rows, run.tmp, best.feature, best.border, level);
      }
      tree.leafOf = leavesOfRows(rows, tree.features.length);
      run.finishTree(it, tree, lambda);
    }
    return run.model();
  } finally {
    for (const w of workers) w.close();
  }
}
