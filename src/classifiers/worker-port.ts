/**
 * The worker side of worker-channel.ts: the port a bundled worker entry talks through — the
 * browser worker's global scope, or Node's parentPort — with failures answered as
 * `{ type: 'error', message }` so the trainer's pending request fails instead of waiting.
 */
export interface WorkerPort<Req, Rep> {
  post(message: Rep): void;
  /** Calls `handler` for every request; an exception it throws is sent back as an error reply. */
  listen(handler: (message: Req) => void): void;
}

declare const require: (id: string) => { parentPort: { postMessage(m: unknown): void; on(event: 'message', h: (m: unknown) => void): void } };

export function workerPort<Req, Rep>(): WorkerPort<Req, Rep> {
  const g = globalThis as unknown as { process?: unknown; postMessage?: (m: unknown) => void; onmessage?: unknown };
  let post: (m: unknown) => void;
  let subscribe: (h: (m: unknown) => void) => void;
  if (g.process === undefined && typeof g.postMessage === 'function') {
    post = (m) => g.postMessage!(m);
    subscribe = (h) => {
      g.onmessage = (e: { data: unknown }) => h(e.data);
    };
  } else {
    const { parentPort } = require('node:worker_threads');
    post = (m) => parentPort.postMessage(m);
    subscribe = (h) => parentPort.on('message', h);
  }
  return {
    post: (m) => post(m),
    listen: (handler) =>
      subscribe((m) => {
        try {
          handler(m as Req);
        } catch (error) {
          post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
        }
      }),
  };
}
