/**
 * The typed errors the engine throws. Every error a user can provoke (bad input, corrupt files,
 * a lost GPU) is one of these, with a message that names the problem and, where possible, what
 * to do about it. Catch `ConvpaintError` to catch them all.
 */

/** Base class of every error thrown on purpose by convpaint-webgpu. */
export class ConvpaintError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value outside what a parameter or argument allows (the reference raises ValueError). */
export class ValueError extends ConvpaintError {}

/**
 * An array has the wrong number of dimensions, or two arrays that must agree do not. A kind of
 * ValueError, as in the reference (which raises ValueError for these).
 */
export class ShapeError extends ValueError {}

/** A safetensors file that does not follow the format; the message says which tensor and why. */
export class SafetensorsFormatError extends ConvpaintError {}

/** No WebGPU adapter or device could be obtained. */
export class GpuUnavailableError extends ConvpaintError {}

/** The GPU device was lost (destroyed, driver reset): pending and later calls fail with this. */
export class DeviceLostError extends ConvpaintError {}

/** WebGPU reported a validation or out-of-memory error; the message names the kernel or batch. */
export class GpuValidationError extends ConvpaintError {}

/** A GPU object (tensor, context) was used after `dispose()`. */
export class DisposedError extends ConvpaintError {}

/** A buffer larger than the device allows (`maxBufferSize` / `maxStorageBufferBindingSize`). */
export class BufferTooLargeError extends ConvpaintError {}

/** A result (features, probabilities) larger than this JavaScript engine holds in one array. */
export class HostMemoryError extends ConvpaintError {}

/** A shader and the TypeScript that dispatches it disagree (binding or uniform names). */
export class KernelDescriptorError extends ConvpaintError {}

/** A trained-model file or in-memory model whose arrays are inconsistent (wrong sizes, bad indices, unknown version). */
export class ModelFormatError extends ConvpaintError {}

/**
 * The VGG16 ImageNet weights are not installed (and no weights were given). The message says how
 * to install them and where they would go.
 */
export class WeightsNotFoundError extends ConvpaintError {}

/** A weights file whose tensors do not fit the network (missing names, wrong shapes or dtypes). */
export class WeightsFormatError extends ConvpaintError {}

/**
 * A PyTorch checkpoint (.pth) we cannot or will not read: not a zip/pickle, a truncated archive,
 * or a pickle using an opcode or global outside the small set torch state dicts need (the reader
 * never executes code).
 */
export class CheckpointFormatError extends ConvpaintError {}

/** A file that cannot be read: missing, a directory, not permitted. The message names the path and why. */
export class FileReadError extends ConvpaintError {}

/** Work stopped because the caller's AbortSignal fired (e.g. a newer stroke superseded a prediction). */
export class CancelledError extends ConvpaintError {}

/** A download failed, or its bytes do not match the checksum its name promises. */
export class DownloadError extends ConvpaintError {}
