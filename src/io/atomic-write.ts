/**
 * Atomic file writes (Node): the bytes go to a temporary file in the same directory, which is
 * flushed to disk and renamed over the target. Readers see the old file or the complete new one,
 * never a partial write; a failure leaves the old file untouched and no temporary file behind.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader never sees a half-written file, and a failed write leaves the old one intact. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  // Same directory, so the rename cannot cross file systems; pid and random suffix so concurrent
  // writers (threads, processes) never share a temporary file.
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    // 'wx' refuses to follow or reuse anything already at that name.
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
