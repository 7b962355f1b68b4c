/**
 * How the `convpaint` command fails: one line on stderr that says what went wrong and what to do,
 * and an exit code a script can branch on. Stack traces are for bugs only (exit code 1).
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | success |
 * | 1 | unexpected failure (a bug: please report it with the printed stack) |
 * | 2 | usage: bad or conflicting options, no inputs |
 * | 3 | input: a file cannot be read, is not PNG/TIFF, or does not fit (image/scribble sizes) |
 * | 4 | model: model or weights file unusable, parameters invalid, feature count differs from training |
 * | 5 | GPU: no WebGPU adapter, device lost, GPU error |
 * | 6 | batch: some inputs failed (listed at the end); the others were written |
 */
import {
  CheckpointFormatError,
  ConvpaintError,
  DeviceLostError,
  FileReadError,
  GpuUnavailableError,
  GpuValidationError,
  ModelFormatError,
  SafetensorsFormatError,
  ShapeError,
  ValueError,
  WeightsFormatError,
  WeightsNotFoundError,
} from '../errors.js';
import { ImageFormatError } from '../io/image-read.js';

export const EXIT = { ok: 0, bug: 1, usage: 2, input: 3, model: 4, gpu: 5, batch: 6 } as const;

/** An error the command reports as one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an error thrown by the engine or the command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ImageFormatError || error instanceof ShapeError || error instanceof FileReadError) return EXIT.input;
  if (error instanceof GpuUnavailableError || error instanceof DeviceLostError || error instanceof GpuValidationError) return EXIT.gpu;
  if (
    error instanceof ValueError ||
    error instanceof ModelFormatError ||
    error instanceof SafetensorsFormatError ||
    error instanceof WeightsNotFoundError ||
    error instanceof WeightsFormatError ||
    error instanceof CheckpointFormatError
  ) {
    return EXIT.model;
  }
  if (error instanceof ConvpaintError) return EXIT.bug;
  // Node's own file errors (e.g. an output folder we may not write to) are about the inputs/outputs.
  if ((error as NodeJS.ErrnoException)?.code && typeof (error as NodeJS.ErrnoException).code === 'string') return EXIT.input;
  return EXIT.bug;
}

/** The message of an error, on one line, with the CLI's hint where the engine's speaks of the API. */
export function errorMessage(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  if (error instanceof GpuUnavailableError) {
    return `${text.replace(/ Or use device "cpu"\.?$/, '')} Or run on the CPU with --device cpu (slow).`;
  }
  return text;
}

/**
 * Runs a command's action: an error becomes one line on stderr and the process exit code. Only
 * errors we did not anticipate (exit code 1) print their stack, because that is a bug.
 */
export async function runAction(action: () => Promise<number | void>): Promise<void> {
  try {
    const code = await action();
    if (code) process.exitCode = code;
  } catch (error) {
    const code = exitCodeFor(error);
    console.error(`convpaint: error: ${errorMessage(error)}`);
    if (code === EXIT.bug && error instanceof Error && error.stack) console.error(error.stack);
    process.exitCode = code;
  }
}
