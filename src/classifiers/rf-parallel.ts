/**
 * The random forest on every core: the trees of `trainRandomForest` (random-forest.ts) grown by
 * worker threads and this one, tree t on thread t mod T — each tree has its own random stream
 * (seed, t), so the forest is the sequential one, tree for tree. The ranked rows are made once, in
 * shared memory. Without shared memory or with one core it is `trainRandomForest`.
 */
import type { TreeEnsemble } from '../core/tree-ensemble.js';
import { assembleForest, growRandomTree, rankRows, resolveForestOptions, scratchFor, trainRandomForest } from './random-forest.js';
import type { GrownNodeTree, RandomForestOptions } from './random-forest.js';
import type { RfReply, RfRequest } from './rf-protocol.js';
import { checkTrainingRows } from './rows.js';
import { availableCores, sharedArrays, sharedMemoryAvailable, startWorker } from './worker-channel.js';
import type { WorkerChannel } from './worker-channel.js';
import { RF_WORKER_SOURCE } from './workers.generated.js';

/** Rows below which one thread is faster than starting workers. */
export const RF_PARALLEL_MIN_ROWS = 500;

/** Options of `trainRandomForestParallel`: the forest's, and how many threads (this one included). */
export interface ParallelForestOptions extends RandomForestOptions {
  /** Threads including this one; default: the machine's cores (at most 8). 1 = `trainRandomForest`. */
  threads?: number;
}

/** Trains a random forest on every core (see the module comment). */
export async function trainRandomForestParallel(x: Float32Array, y: ArrayLike<number>, nFeatures: number, options: ParallelForestOptions = {}): Promise<TreeEnsemble> {
  const { nEstimators, seed, mtry } = resolveForestOptions(options, nFeatures);
  const threads = Math.max(1, Math.min(options.threads ?? Math.min(8, await availableCores()), nEstimators));
  if (threads < 2 || !sharedMemoryAvailable() || y.length < RF_PARALLEL_MIN_ROWS) return trainRandomForest(x, y, nFeatures, options);
  const { classes, index } = checkTrainingRows(x, y, nFeatures);
  const arrays = sharedArrays();
  const data = rankRows(x, index, nFeatures, classes.length, arrays);
  const target = arrays.u32(index.length);
  target.set(index);
  const valueOffset = new Uint32Array(nFeatures + 1);
  data.values.forEach((v, f) => (valueOffset[f + 1] = valueOffset[f] + v.length));
  const flatValues = data.values[0].buffer as SharedArrayBuffer;
  const workers: Array<WorkerChannel<RfRequest, RfReply>> = [];
  try {
    for (let t = 1; t < threads; t++) workers.push(await startWorker<RfRequest, RfReply>(RF_WORKER_SOURCE, 'random-forest worker'));
    for (const w of workers) {
      w.send({
        type: 'init',
        n: data.n,
        nFeatures,
        nClasses: classes.length,
        seed,
        mtry,
        rank: arrays.buffers.get(data.rank)!,
        values: flatValues,
        valueOffset,
        target: arrays.buffers.get(target)!,
      });
    }
    // Tree t on thread t mod T: queue the workers' trees first, then grow this thread's.
    for (let t = 0; t < nEstimators; t++) if (t % threads !== 0) workers[(t % threads) - 1].send({ type: 'grow', index: t });
    const trees: GrownNodeTree[] = new Array(nEstimators);
    const scratch = scratchFor(data);
    let done = 0;
    const report = () => options.onProgress?.({ stage: 'random-forest', done: ++done, total: nEstimators });
    for (let t = 0; t < nEstimators; t += threads) {
      trees[t] = growRandomTree(data, seed, t, mtry, scratch);
      report();
    }
    for (let t = 0; t < nEstimators; t++) {
      if (t % threads === 0) continue;
      const reply = await workers[(t % threads) - 1].reply();
      trees[reply.index] = reply.tree;
      report();
    }
    return assembleForest(trees, classes, nFeatures);
  } finally {
    for (const w of workers) w.close();
  }
}
