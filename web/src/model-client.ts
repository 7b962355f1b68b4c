/**
 * The page's side of the worker: request/response pairing by id, progress and warnings routed
 * to callbacks. Errors come back as Error objects with the worker-side name (e.g. NeedWeights).
 */
import type { PartialResult, Reply, Request } from './protocol';

export class ModelClient {
  onProgress: (gen: number, stage: string, done: number, total: number) => void = () => undefined;
  onWarning: (message: string) => void = () => undefined;
  /** The visible region's result of an update, before the update's own reply. */
  onPartial: (result: PartialResult) => void = () => undefined;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'convpaint-model' });
    this.worker.onmessage = (event: MessageEvent<Reply>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      // An error outside any job (e.g. the worker failed to load): fail everything waiting.
      const error = new Error(`model worker failed: ${event.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
  }

  call<T>(req: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  private receive(msg: Reply): void {
    if (msg.type === 'progress') return this.onProgress(msg.gen, msg.stage, msg.done, msg.total);
    if (msg.type === 'warning') return this.onWarning(msg.message);
    if (msg.type === 'partial') return this.onPartial(msg);
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) {
      p.resolve(msg.value);
    } else {
      const error = new Error(msg.error);
      error.name = msg.errorName;
      p.reject(error);
    }
  }
}
