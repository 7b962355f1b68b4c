/**
 * A verified, resumable download (Node only). Bytes go to `<dest>.part`; an existing part file is
 * continued with an HTTP Range request (a server that ignores it restarts the file). The whole
 * file's SHA-256 must start with the hex digits after the last '-' of its name (torchvision's
 * convention, e.g. vgg16-397923af.pth), else the part file is deleted and `DownloadError` thrown;
 * only a verified file is renamed to `dest`. Files published without a checksum are verified by
 * their content by the caller (`checksum: 'content'`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { DownloadError } from '../errors.js';

export interface DownloadProgress {
  /** Bytes on disk so far (including a resumed part). */
  loaded: number;
  /** Total size when the server says, else null. */
  total: number | null;
  /** Bytes that were already there when this download started. */
  resumedFrom: number;
}

/** The SHA-256 prefix a file name promises: `name-<hex>.ext` → `<hex>`; null if none. */
export function hashPrefixOf(fileName: string): string | null {
  const m = /-([0-9a-f]{6,64})\.[A-Za-z0-9]+$/.exec(fileName);
  return m ? m[1] : null;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

export interface DownloadOptions {
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /**
   * How the file is verified: `name` (default) — its SHA-256 must start with the prefix in its
   * name; `content` — the publisher gives no checksum, and the caller verifies what it holds
   * (the DINOv2 conversion checks every tensor), so only completeness is checked here.
   */
  checksum?: 'name' | 'content';
}

export async function downloadVerified(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const name = basename(new URL(url).pathname);
  const expected = options.checksum === 'content' ? '' : hashPrefixOf(name);
  if (expected === null) {
    throw new DownloadError(`cannot verify ${name}: its name carries no SHA-256 prefix (expected name-<hex>.ext, like vgg16-397923af.pth)`);
  }
  const part = `${dest}.part`;
  let start = await sizeOf(part);
  const doFetch = options.fetchImpl ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { headers: start > 0 ? { Range: `bytes=${start}-` } : {} });
  } catch (error) {
    throw new DownloadError(`could not download ${url}: ${(error as Error).message}`, { cause: error });
  }
  let total: number | null = null;
  if (response.status === 416 && start > 0) {
    // Nothing left to fetch: the part file is already complete (verified below).
    await response.body?.cancel();
    total = start;
  } else if (response.status === 206 && start > 0) {
    const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
    total = range ? Number(range[1]) : null;
  } else if (response.ok) {
    start = 0; // a full response: start over
    const length = response.headers.get('content-length');
    total = length ? Number(length) : null;
  } else {
    await response.body?.cancel();
    throw new DownloadError(`could not download ${url}: HTTP ${response.status} ${response.statusText}`);
  }

  const hash = createHash('sha256');
  if (start > 0) await hashFile(part, hash);
  const resumedFrom = start;
  if (response.status !== 416 && response.body) {
    const file = createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
    let loaded = start;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
        loaded += chunk.length;
        options.onProgress?.({ loaded, total, resumedFrom });
      }
    } catch (error) {
      // Keep the part file: the next attempt resumes from it.
      await new Promise<void>((resolve) => file.end(() => resolve()));
      throw new DownloadError(`download of ${url} was interrupted after ${loaded} bytes (run the command again to resume): ${(error as Error).message}`, { cause: error });
    }
    await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (total !== null && loaded !== total) {
      throw new DownloadError(`download of ${url} ended after ${loaded} of ${total} bytes (run the command again to resume)`);
    }
  }
  const digest = hash.digest('hex');
  if (!digest.startsWith(expected)) {
    await rm(part, { force: true });
    throw new DownloadError(
      `${name} is corrupt: its SHA-256 is ${digest}, which does not start with ${expected} as its name promises. The partial file was deleted; run the command again.`,
    );
  }
  await rename(part, dest);
}
