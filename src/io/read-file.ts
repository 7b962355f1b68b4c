/**
 * Reading a whole file in Node with a typed error: a missing or unreadable file is a
 * `FileReadError` that names the path and the reason, not Node's bare ENOENT.
 */
import { FileReadError } from '../errors.js';

/** Why a file read failed, in words. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/** The bytes of `path` (Node). `what` names the file for the message (e.g. "model file"). */
export async function readFileBytes(path: string, what: string): Promise<Uint8Array> {
  // A variable specifier keeps browser bundlers away from the Node-only module.
  const specifier = 'node:fs/promises';
  const { readFile } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new FileReadError(`${what} ${path}: cannot read (${readFailure(error)})`, { cause: error });
  }
}
