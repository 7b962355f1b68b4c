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

/** The machine's logical cores (Node's availableParallelism, a browser's hardwareConcurrency), 1 if unknown. */
export async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as typeof import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return nav?.hardwareConcurrency ?? 1;
}

/** Whether this runtime can share memory with workers. */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

/** One worker behind a promise-based request/reply channel. */
interface Channel {
  send(message: WorkerRequest): void;
  reply(): Promise<ScanReply>;
  close(): void;
}

async function startWorker(): Promise<Channel> {
  // Replies that arrive before anyone waits for them (a worker may finish its scan before this
  // thread finishes its own) are queued, as are waiters before their reply.
  const arrived: ScanReply[] = [];
  const waiting: Array<{ resolve: (r: ScanReply) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  const onMessage = (m: ScanReply | { type: 'error'; message: string }) => {
    if (m.type === 'error') return fail(new Error(`GBDT worker: ${m.message}`));
    const w = waiting.shift();
    if (w) w.resolve(m);
    else arrived.push(m);
  };
  const onError = (e: unknown) => fail(e instanceof Error ? e : new Error(String(e)));
  const reply = (): Promise<ScanReply> => {
    const ready = arrived.shift();
    if (ready) return Promise.resolve(ready);
    if (failure) return Promise.reject(failure);
    return new Promise<ScanReply>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  if (typeof process !== 'undefined' && process.versions?.node) {
    const specifier = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
    const worker = new Worker(GBDT_WORKER_SOURCE, { eval: true });
    let closing = false;
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', (code) => closing || fail(new Error(`GBDT worker exited (code ${code})`)));
    return {
      send: (m) => worker.postMessage(m),
      reply,
      close: () => {
        closing = true;
        void worker.terminate();
      },
    };
  }
  const url = URL.createObjectURL(new Blob([GBDT_WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  worker.onmessage = (e: MessageEvent) => onMessage(e.data);
  worker.onerror = (e: ErrorEvent) => onError(new Error(e.message));
  return {
    send: (m) => worker.postMessage(m),
    reply,
    close: () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
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

/** Typed arrays in shared memory, with their buffers kept for the workers. */
function sharedArrays(): RunArrays & { buffers: Map<ArrayBufferView, SharedArrayBuffer> } {
  const buffers = new Map<ArrayBufferView, SharedArrayBuffer>();
  const make = <T extends ArrayBufferView>(Kind: new (b: SharedArrayBuffer) => T, bytes: number, length: number): T => {
    const sab = new SharedArrayBuffer(Math.max(8, length * bytes));
    const view = new Kind(sab);
    buffers.set(view, sab);
    return view;
  };
  return {
    buffers,
    u8: (n) => make(Uint8Array, 1, n),
    u32: (n) => make(Uint32Array, 4, n),
    f64: (n) => make(Float64Array, 8, n),
  };
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
  const workers: Channel[] = [];
  try {
    for (let t = 1; t < ranges.length; t++) workers.push(await startWorker());
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
