/**
 * Keeps weights bytes in the browser's IndexedDB, so the page asks for the VGG16 or DINOv2 weights
 * (a file or URL) only once. One object store of ArrayBuffers by key; no Node imports.
 *
 *   await saveWeightsBytes(bytes);            // after the user picked a file
 *   const bytes = await loadWeightsBytes();   // later visits: null if never saved
 */

const DB_NAME = 'convpaint-webgpu';
const STORE = 'weights';
const DB_VERSION = 1;
/** Key of the VGG16 ImageNet weights (converted safetensors). */
export const IMAGENET_WEIGHTS_KEY = 'vgg16-imagenet.safetensors';
/** Key of the DINOv2 ViT-S/14-reg4 weights (converted safetensors). */
export const DINOV2_WEIGHTS_KEY = 'dinov2-vits14-reg4.safetensors';

function idb(): IDBFactory {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!factory) throw new Error('IndexedDB is not available here (not a browser, or storage is disabled)');
  return factory;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  const req = idb().open(DB_NAME, DB_VERSION);
  req.onupgradeneeded = () => {
    if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
  };
  return request(req);
}

async function withStore<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    const tx = db.transaction(STORE, mode);
    const result = await request(work(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  } finally {
    db.close();
  }
}

/** The stored bytes under `key`, or null when nothing was saved. */
export async function loadWeightsBytes(key: string = IMAGENET_WEIGHTS_KEY): Promise<Uint8Array | null> {
  const value = await withStore<unknown>('readonly', (s) => s.get(key));
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array) return value;
  return null;
}

/** Whether bytes are stored under `key` (without reading them: the DINOv2 file is 88 MB). */
export async function hasWeightsBytes(key: string = IMAGENET_WEIGHTS_KEY): Promise<boolean> {
  return (await withStore<number>('readonly', (s) => s.count(key))) > 0;
}

/** Stores a copy of `bytes` under `key` (replacing what was there). */
export async function saveWeightsBytes(bytes: Uint8Array | ArrayBuffer, key: string = IMAGENET_WEIGHTS_KEY): Promise<void> {
  const copy = bytes instanceof ArrayBuffer ? bytes.slice(0) : bytes.slice().buffer;
  await withStore('readwrite', (s) => s.put(copy, key));
}

/** Removes the bytes under `key` (no error if absent). */
export async function deleteWeightsBytes(key: string = IMAGENET_WEIGHTS_KEY): Promise<void> {
  await withStore('readwrite', (s) => s.delete(key));
}
