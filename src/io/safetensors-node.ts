/**
 * Safetensors files on disk (Node only; the format itself is handled in `safetensors.ts`, which
 * stays free of Node imports for the browser build).
 */

import { readFile } from 'node:fs/promises';

import { writeFileAtomic } from './atomic-write.js';

import {
  readSafetensors,
  writeSafetensors,
  type NamedTensorInput,
  type SafetensorsFile,
  type TensorInput,
} from './safetensors.js';

/**
 * Reads and validates a safetensors file. The whole file is loaded into memory; tensors are then
 * decoded lazily by the returned object.
 *
 * @throws SafetensorsFormatError if the file is malformed; the usual Node errors (ENOENT, …) if it
 *   cannot be read.
 */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  return readSafetensors(await readFile(path));
}

/**
 * Writes tensors to `path` as a safetensors file (see `writeSafetensors` for the arguments).
 *
 * The bytes go to a temporary file in the same directory, which is flushed to disk and then
 * renamed over `path`: readers see either the old file or the complete new one, never a partial
 * write, and a failure leaves any previous file untouched and no temporary file behind.
 *
 * @throws ShapeError / ValueError for invalid tensors (before anything is written); the usual
 *   Node errors if the file cannot be written.
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, TensorInput>> | readonly NamedTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, writeSafetensors(tensors, metadata));
}
