/**
 * Worker threads for the CPU trainers: starting one from bundled source in Node (worker_threads)
 * or a browser (Web Worker), a request/reply channel to it, and typed arrays in shared memory that
 * workers and this thread read and write alike.
 */

function isError(m: unknown): m is { type: 'error'; message: string } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'error';
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

/** One worker behind a promise-based request/reply channel (replies in order). */
export interface WorkerChannel<Req, Rep> {
  send(message: Req): void;
  reply(): Promise<Rep>;
  close(): void;
}

/**
 * Starts a worker from bundled source (workers.generated.ts): a Node worker thread, or a Web
 * Worker from a Blob URL. A worker answers `{ type: 'error', message }` when a request fails.
 */
export async function startWorker<Req, Rep>(source: string, name: string): Promise<WorkerChannel<Req, Rep>> {
  // Replies that arrive before anyone waits for them (a worker may finish its scan before this
  // thread finishes its own) are queued, as are waiters before their reply.
  const arrived: Rep[] = [];
  const waiting: Array<{ resolve: (r: Rep) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  const onMessage = (m: Rep | { type: 'error'; message: string }) => {
    if (isError(m)) return fail(new Error(`${name}: ${m.message}`));
    const w = waiting.shift();
    if (w) w.resolve(m);
    else arrived.push(m);
  };
  const onError = (e: unknown) => fail(e instanceof Error ? e : new Error(String(e)));
  const reply = (): Promise<Rep> => {
    const ready = arrived.shift();
    if (ready) return Promise.resolve(ready);
    if (failure) return Promise.reject(failure);
    return new Promise<Rep>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  if (typeof process !== 'undefined' && process.versions?.node) {
    const specifier = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
    const worker = new Worker(source, { eval: true });
    let closing = false;
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', (code) => closing || fail(new Error(`${name} exited (code ${code})`)));
    return {
      send: (m) => worker.postMessage(m),
      reply,
      close: () => {
        closing = true;
        void worker.terminate();
      },
    };
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
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

/** Makers of typed arrays in shared memory, with each array's buffer kept to hand to workers. */
export function sharedArrays(): { u8: (n: number) => Uint8Array; u32: (n: number) => Uint32Array; f64: (n: number) => Float64Array; f32: (n: number) => Float32Array } & { buffers: Map<ArrayBufferView, SharedArrayBuffer> } {
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
    f32: (n) => make(Float32Array, 4, n),
  };
}

