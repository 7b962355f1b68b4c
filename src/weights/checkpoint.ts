/**
 * Reads a PyTorch checkpoint (`torch.save` of a state dict) without Python and without executing
 * anything: the zip format (torch ≥ 1.6: `<archive>/data.pkl` + raw storages in
 * `<archive>/data/<key>`) and the legacy format (before 1.6, and torchvision's 2017 ImageNet files:
 * a run of pickles — magic number, protocol, system info, the object, the storage keys — followed by
 * each storage's element count and raw bytes). Browser-safe.
 *
 * Tensors are materialised lazily (`tensorValues`), so reading a 528 MB VGG16 checkpoint to take
 * its 59 MB of conv weights converts nothing else.
 */
import { CheckpointFormatError } from '../errors.js';
import { decodeBfloat16, decodeFloat16 } from '../io/half-float.js';
import { isTensorRef, StorageType, TORCH_DTYPE_BYTES, unpickle } from './pickle.js';
import type { TensorRef, TorchDtype } from './pickle.js';
import { looksLikeZip, ZipArchive } from './zip.js';

/** A storage's raw little-endian bytes and element type. */
export interface Storage {
  dtype: TorchDtype;
  /** Elements in the storage. */
  numel: number;
  bytes: () => Uint8Array;
}

/** One tensor of a state dict: its dtype, shape, and a way to get its values as float32. */
export interface CheckpointTensor {
  name: string;
  dtype: TorchDtype;
  shape: number[];
  ref: TensorRef;
}

export interface Checkpoint {
  format: 'zip' | 'legacy';
  /** Tensors by state-dict key, in the checkpoint's order. Non-tensor entries are skipped. */
  tensors: Map<string, CheckpointTensor>;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function storageFromPid(pid: unknown, lookup: (key: string, type: StorageType, numel: number) => Storage): Storage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new CheckpointFormatError(`persistent id ${JSON.stringify(pid)} is not a storage reference`);
  }
  const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
  if (!(type instanceof StorageType)) throw new CheckpointFormatError('storage reference without a storage class');
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isInteger(numel) || numel < 0) {
    throw new CheckpointFormatError(`storage reference ${JSON.stringify(key)} has a bad key or size`);
  }
  return lookup(key, type, numel);
}

function collectTensors(root: unknown): Map<string, CheckpointTensor> {
  let dict = root;
  // Some training scripts wrap the weights: {"state_dict": {...}}.
  if (dict instanceof Map && !([...dict.values()].some(isTensorRef)) && dict.get('state_dict') instanceof Map) dict = dict.get('state_dict');
  if (!(dict instanceof Map)) throw new CheckpointFormatError('the checkpoint does not hold a state dict (a dict of tensors)');
  const tensors = new Map<string, CheckpointTensor>();
  for (const [key, value] of dict) {
    if (typeof key !== 'string' || !isTensorRef(value)) continue;
    const storage = value.storage as Storage;
    tensors.set(key, { name: key, dtype: storage.dtype, shape: value.shape, ref: value });
  }
  return tensors;
}

function readZipCheckpoint(bytes: Uint8Array): Checkpoint {
  const zip = new ZipArchive(bytes);
  const pklName = [...zip.entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pklName) throw new CheckpointFormatError('zip checkpoint without a data.pkl (not a torch.save file?)');
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const order = zip.entries.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(zip.read(order.name)).trim() !== 'little') {
    throw new CheckpointFormatError('big-endian checkpoints are not supported');
  }
  const storages = new Map<string, Storage>();
  const { value } = unpickle(zip.read(pklName), 0, {
    what: pklName,
    persistentLoad: (pid) =>
      storageFromPid(pid, (key, type, numel) => {
        let s = storages.get(key);
        if (!s) {
          const entry = `${prefix}data/${key}`;
          if (!zip.entries.has(entry)) throw new CheckpointFormatError(`storage "${key}" is missing from the archive (${entry})`);
          const size = zip.entries.get(entry)!.size;
          if (size < numel * TORCH_DTYPE_BYTES[type.dtype]) throw new CheckpointFormatError(`storage "${key}" holds ${size} bytes, fewer than ${numel} × ${type.dtype}`);
          s = { dtype: type.dtype, numel, bytes: () => zip.read(entry) };
          storages.set(key, s);
        }
        return s;
      }),
  });
  return { format: 'zip', tensors: collectTensors(value) };
}

function readLegacyCheckpoint(bytes: Uint8Array): Checkpoint {
  const magic = unpickle(bytes, 0, { what: 'legacy checkpoint header' });
  if (magic.value !== LEGACY_MAGIC) {
    throw new CheckpointFormatError('not a PyTorch checkpoint: the legacy magic number is missing (and it is not a zip file)');
  }
  const protocol = unpickle(bytes, magic.end, { what: 'legacy checkpoint header' });
  if (protocol.value !== LEGACY_PROTOCOL) throw new CheckpointFormatError(`legacy checkpoint protocol ${String(protocol.value)} is not ${LEGACY_PROTOCOL}`);
  const sysInfo = unpickle(bytes, protocol.end, { what: 'legacy checkpoint header' });
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new CheckpointFormatError('big-endian checkpoints are not supported');
  }
  const roots = new Map<string, { type: StorageType; numel: number; data: Uint8Array | null }>();
  const object = unpickle(bytes, sysInfo.end, {
    what: 'legacy checkpoint',
    persistentLoad: (pid) =>
      storageFromPid(pid, (key, type, numel) => {
        if (!roots.has(key)) roots.set(key, { type, numel, data: null });
        const root = roots.get(key)!;
        const viewMeta = (pid as unknown[])[5];
        let offset = 0;
        let size = root.numel;
        if (Array.isArray(viewMeta)) {
          // (view_key, offset, size): a storage view of an older torch
          [, offset, size] = viewMeta as [unknown, number, number];
        }
        return {
          dtype: type.dtype,
          numel: size,
          bytes: () => {
            const data = roots.get(key)!.data;
            if (!data) throw new CheckpointFormatError(`storage "${key}" has no data in the file`);
            const b = TORCH_DTYPE_BYTES[type.dtype];
            return data.subarray(offset * b, (offset + size) * b);
          },
        } satisfies Storage;
      }),
  });
  const keys = unpickle(bytes, object.end, { what: 'legacy checkpoint storage keys' });
  if (!Array.isArray(keys.value)) throw new CheckpointFormatError('legacy checkpoint: storage key list missing');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value) {
    const root = roots.get(String(key));
    if (!root) throw new CheckpointFormatError(`legacy checkpoint: data for unknown storage "${String(key)}"`);
    if (pos + 8 > bytes.length) throw new CheckpointFormatError('legacy checkpoint: truncated storage data (incomplete download?)');
    const numel = Number(view.getBigInt64(pos, true));
    const nbytes = numel * TORCH_DTYPE_BYTES[root.type.dtype];
    pos += 8;
    if (numel !== root.numel || pos + nbytes > bytes.length) {
      throw new CheckpointFormatError(`legacy checkpoint: storage "${String(key)}" is truncated or has ${numel} elements instead of ${root.numel}`);
    }
    root.data = bytes.subarray(pos, pos + nbytes);
    pos += nbytes;
  }
  return { format: 'legacy', tensors: collectTensors(object.value) };
}

/** Parses a checkpoint's structure (no tensor data is converted yet). */
export function readTorchCheckpoint(bytes: Uint8Array): Checkpoint {
  if (looksLikeZip(bytes)) return readZipCheckpoint(bytes);
  // ustar at byte 257: the pre-0.1.10 tar format
  if (bytes.length > 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new CheckpointFormatError('this is a pre-2017 tar-format PyTorch checkpoint; re-save it with a current torch.save');
  }
  if (bytes.length < 2 || bytes[0] !== 0x80) throw new CheckpointFormatError('not a PyTorch checkpoint (neither a zip file nor a pickle)');
  return readLegacyCheckpoint(bytes);
}

/** A tensor's values in row-major order of its shape, as float32 (floating dtypes only). */
export function tensorValues(t: CheckpointTensor): Float32Array {
  const { ref } = t;
  const storage = ref.storage as Storage;
  const n = t.shape.reduce((a, b) => a * b, 1);
  // Highest storage index the view touches must lie inside the storage.
  let last = ref.offset;
  for (let d = 0; d < t.shape.length; d++) if (t.shape[d] > 0) last += (t.shape[d] - 1) * ref.stride[d];
  if (n > 0 && last >= storage.numel) throw new CheckpointFormatError(`tensor "${t.name}" reaches element ${last} of a ${storage.numel}-element storage`);
  // Only the span the view touches is decoded: [offset, last].
  const elementBytes = TORCH_DTYPE_BYTES[t.dtype];
  const span = n > 0 ? last - ref.offset + 1 : 0;
  const raw = storage.bytes().subarray(ref.offset * elementBytes, (ref.offset + span) * elementBytes);
  const aligned = new Uint8Array(raw); // a copy: storages need not be aligned for typed views
  let all: Float32Array;
  switch (t.dtype) {
    case 'float32':
      all = new Float32Array(aligned.buffer);
      break;
    case 'float16':
      all = decodeFloat16(new Uint16Array(aligned.buffer));
      break;
    case 'bfloat16':
      all = decodeBfloat16(new Uint16Array(aligned.buffer));
      break;
    case 'float64':
      all = Float32Array.from(new Float64Array(aligned.buffer));
      break;
    default:
      throw new CheckpointFormatError(`tensor "${t.name}" is ${t.dtype}; only floating-point weights can be converted`);
  }
  // Gather the strided view in row-major order (a contiguous tensor is a plain slice).
  const out = new Float32Array(n);
  const rank = t.shape.length;
  const contiguous = ref.stride.every((s, d) => t.shape[d] === 1 || s === t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  if (contiguous) {
    out.set(all.subarray(0, n));
    return out;
  }
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += index[d] * ref.stride[d];
    out[i] = all[at];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
