/**
 * A restricted Python unpickler for PyTorch state dicts (browser-safe). It understands only the
 * opcodes torch checkpoints use (protocols 2–5: containers, strings, numbers, memo, persistent
 * ids, GLOBAL/STACK_GLOBAL + REDUCE/BUILD) and only a whitelist of globals — OrderedDict, the
 * tensor rebuild functions and the storage classes. It never executes code: a whitelisted global
 * maps to a small TypeScript function building a plain value; any other opcode or global is a
 * `CheckpointFormatError` naming it.
 *
 * Values: str → string, int → number (bigint beyond 2^53), float → number, bool, None → null,
 * list/tuple → array, dict/OrderedDict → Map, tensors → `TensorRef`, storages → whatever the
 * caller's `persistentLoad` returns.
 */
import { CheckpointFormatError } from '../errors.js';

/** A storage class named in a checkpoint (`torch.FloatStorage`, `torch.cuda.HalfStorage`, …). */
export class StorageType {
  constructor(
    readonly name: string,
    /** Element dtype as torch names it: float32, float16, … */
    readonly dtype: TorchDtype,
  ) {}
}

export type TorchDtype = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const TORCH_DTYPE_BYTES: Record<TorchDtype, number> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const STORAGE_DTYPES: Record<string, TorchDtype> = {
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** A tensor as the pickle describes it: a view (offset, shape, strides in elements) of a storage. */
export interface TensorRef {
  kind: 'tensor';
  storage: unknown;
  offset: number;
  shape: number[];
  stride: number[];
}

class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The result of REDUCE on OrderedDict etc. is a plain value; of a whitelisted callable too. */
type Callable = (args: unknown[]) => unknown;

function ints(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new CheckpointFormatError(`pickle: ${what} must be a tuple of non-negative integers`);
  }
  return value as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  // _rebuild_tensor(storage, offset, size, stride) and
  // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
  if (args.length < 4) throw new CheckpointFormatError(`pickle: tensor rebuild with ${args.length} arguments`);
  const [storage, offset, size, stride] = args;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new CheckpointFormatError('pickle: tensor storage offset must be a non-negative integer');
  const shape = ints(size, 'tensor size');
  const strides = ints(stride, 'tensor stride');
  if (shape.length !== strides.length) throw new CheckpointFormatError(`pickle: tensor size [${shape}] and stride [${strides}] differ in length`);
  return { kind: 'tensor', storage, offset, shape: [...shape], stride: [...strides] };
}

function orderedDict(args: unknown[]): Map<unknown, unknown> {
  const map = new Map<unknown, unknown>();
  // Python 2's OrderedDict.__reduce__ passes its items as [[key, value], …].
  if (args.length === 1 && Array.isArray(args[0])) {
    for (const pair of args[0]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointFormatError('pickle: OrderedDict items must be [key, value] pairs');
      map.set(pair[0], pair[1]);
    }
  } else if (args.length !== 0) {
    throw new CheckpointFormatError(`pickle: OrderedDict called with ${args.length} arguments`);
  }
  return map;
}

function resolveGlobal(module: string, name: string): PyGlobal | StorageType {
  if ((module === 'torch' || module === 'torch.cuda') && name in STORAGE_DTYPES) {
    return new StorageType(`${module}.${name}`, STORAGE_DTYPES[name]);
  }
  const g = new PyGlobal(module, name);
  if (!(g.qualified in CALLABLES)) {
    throw new CheckpointFormatError(
      `pickle: refusing global ${g.qualified} — only ${Object.keys(CALLABLES).join(', ')} and torch storage classes are allowed in a weights checkpoint`,
    );
  }
  return g;
}

const CALLABLES: Record<string, Callable> = {
  'collections.OrderedDict': orderedDict,
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  // A Parameter is its data.
  'torch._utils._rebuild_parameter': (args) => args[0],
};

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4c: 'LONG',
  0x50: 'PERSID', 0x53: 'STRING', 0x56: 'UNICODE', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x69: 'INST',
  0x6c: 'LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x67: 'GET', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x8b: 'LONG4', 0x90: 'EMPTY_SET', 0x91: 'ADDITEMS', 0x92: 'FROZENSET', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8e: 'BINBYTES8',
};

const MARK = Symbol('mark');

export interface UnpickleOptions {
  /** Resolves a persistent id (BINPERSID) — in torch checkpoints, the storage tuples. */
  persistentLoad?: (pid: unknown) => unknown;
  /** For messages: which pickle this is. */
  what?: string;
}

/** Result of `unpickle`: the value and where the pickle ended (legacy files hold several). */
export interface Unpickled {
  value: unknown;
  end: number;
}

/** Unpickles one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, start = 0, options: UnpickleOptions = {}): Unpickled {
  const what = options.what ?? 'pickle';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;

  const fail = (message: string): never => {
    throw new CheckpointFormatError(`${what}: ${message} (at byte ${pos})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated: ${n} more bytes needed`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the file`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const pop = () => (stack.length === 0 ? fail('stack underflow') : stack.pop());
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('MARK expected');
    return stack.splice(m!);
  };
  const top = () => (stack.length === 0 ? fail('stack underflow') : stack[stack.length - 1]);
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated line');
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const text = (raw: Uint8Array) => {
    try {
      return utf8.decode(raw);
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target) || Object.isFrozen(target)) fail('APPEND(S) on something that is not a list');
    (target as unknown[]).push(...items);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const proto = u8();
        if (proto > 5) fail(`pickle protocol ${proto} is newer than 5`);
        break;
      }
      case 0x95: // FRAME: a length prefix only, the frame's opcodes follow inline
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: { // DICT
        const items = popMark();
        const dict = new Map<unknown, unknown>();
        setItems(dict, items);
        stack.push(dict);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(text(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(take(u64())));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x54: { // BINSTRING (Python 2 str)
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: { // LONG1: little-endian two's complement
        const raw = take(u8());
        let v = 0n;
        for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
        if (raw.length > 0 && raw[raw.length - 1] & 0x80) v -= 1n << BigInt(8 * raw.length);
        const small = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER);
        stack.push(small ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail(`REDUCE on ${fn instanceof StorageType ? fn.name : typeof fn}, which is not an allowed callable`);
        if (!Array.isArray(args)) fail('REDUCE arguments must be a tuple');
        stack.push(CALLABLES[(fn as PyGlobal).qualified](args as unknown[]));
        break;
      }
      case 0x62: { // BUILD: state for the object below; OrderedDict attributes (_metadata) are dropped
        const state = pop();
        const target = top();
        if (!(target instanceof Map)) fail('BUILD on an object other than a dict');
        if (state !== null && !(state instanceof Map) && !Array.isArray(state)) fail('BUILD state must be a dict');
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: { // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: { // BINGET
        const k = u8();
        if (!memo.has(k)) fail(`BINGET of unknown memo key ${k}`);
        stack.push(memo.get(k));
        break;
      }
      case 0x6a: { // LONG_BINGET
        const k = u32();
        if (!memo.has(k)) fail(`LONG_BINGET of unknown memo key ${k}`);
        stack.push(memo.get(k));
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent id (BINPERSID) in a pickle that allows none');
        stack.push(options.persistentLoad!(pid));
        break;
      }
      default: {
        const name = OPCODE_NAMES[op];
        pos = at;
        fail(`opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} is not allowed in a weights checkpoint`);
      }
    }
  }
}

/** For messages: is this a `TensorRef`? */
export function isTensorRef(value: unknown): value is TensorRef {
  return typeof value === 'object' && value !== null && (value as TensorRef).kind === 'tensor';
}
