import { describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../../src/errors.js';
import { StorageType, unpickle } from '../../src/weights/pickle.js';

/** Assembles a pickle from opcode strings and raw bytes. */
function pkl(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];
const binunicode = (s: string) => ['X', u32(s.length), s] as const;

describe('restricted unpickler', () => {
  it('reads the containers, numbers and strings of a protocol-2 state dict, with the memo', () => {
    // {'a': (1, 300, -2, 'é'), 'b': [True, None, 1.5], 'c': <memo of 'a' value>}
    const bytes = pkl(
      [0x80, 2], '}', 'q', [0], '(',
      ...binunicode('a'), '(', 'K', [1], 'M', [44, 1], 'J', u32(-2 >>> 0), [0x8c, 2, 0xc3, 0xa9], 't', 'q', [1],
      'U', [1], 'b', ']', '(', [0x88], 'N', 'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 'e',
      ...binunicode('c'), 'h', [1],
      'u', '.',
    );
    const { value, end } = unpickle(bytes);
    expect(end).toBe(bytes.length);
    const map = value as Map<string, unknown>;
    expect([...map.keys()]).toEqual(['a', 'b', 'c']);
    expect(map.get('a')).toEqual([1, 300, -2, 'é']);
    expect(Object.isFrozen(map.get('a'))).toBe(true);
    expect(map.get('b')).toEqual([true, null, 1.5]);
    expect(map.get('c')).toBe(map.get('a'));
  });

  it('LONG1 decodes two\'s complement, beyond 2^53 as bigint', () => {
    expect(unpickle(pkl([0x80, 2, 0x8a, 1, 0xff], '.')).value).toBe(-1);
    expect(unpickle(pkl([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], '.')).value).toBe(0x1950a86a20f9469cfc6cn);
  });

  it('accepts the whitelisted globals: OrderedDict (Python 2 and 3 forms) and storage classes', () => {
    const od3 = unpickle(pkl([0x80, 2], 'ccollections\nOrderedDict\n', ')', 'R', '(', ...binunicode('k'), 'K', [7], 'u', '.')).value as Map<string, number>;
    expect([...od3]).toEqual([['k', 7]]);
    const od2 = unpickle(pkl([0x80, 2], 'ccollections\nOrderedDict\n', ']', ']', 'U', [1], 'x', 'a', 'K', [9], 'a', 'a', [0x85], 'R', '.')).value as Map<string, number>;
    expect([...od2]).toEqual([['x', 9]]);
    const st = unpickle(pkl([0x80, 2], 'ctorch.cuda\nHalfStorage\n', '.')).value;
    expect(st).toBeInstanceOf(StorageType);
    expect((st as StorageType).dtype).toBe('float16');
  });

  it('refuses any other global with a typed error naming it — nothing is executed', () => {
    const evil = pkl([0x80, 2], 'cos\nsystem\n', ...binunicode('echo pwned'), [0x85], 'R', '.');
    expect(() => unpickle(evil)).toThrow(CheckpointFormatError);
    expect(() => unpickle(evil)).toThrow(/refusing global os\.system/);
    expect(() => unpickle(pkl([0x80, 4], [0x8c, 8], 'builtins', [0x8c, 4], 'eval', [0x93], '.'))).toThrow(/refusing global builtins\.eval/);
  });

  it('refuses opcodes outside the subset (INST, OBJ, NEWOBJ, EXT1, …) naming them', () => {
    expect(() => unpickle(pkl([0x80, 2], '(', 'ios\nsystem\n', '.'))).toThrow(/opcode 0x69 \(INST\) is not allowed/);
    expect(() => unpickle(pkl([0x80, 2], [0x81], '.'))).toThrow(/NEWOBJ/);
    expect(() => unpickle(pkl([0x80, 2], [0x82, 1], '.'))).toThrow(/EXT1/);
    expect(() => unpickle(pkl([0xff]))).toThrow(CheckpointFormatError);
  });

  it('reports truncation, stack underflow and a missing persistent loader as CheckpointFormatError', () => {
    expect(() => unpickle(pkl([0x80, 2], 'X', u32(100), 'abc'))).toThrow(/truncated/);
    expect(() => unpickle(pkl([0x80, 2], 't'))).toThrow(/MARK expected/);
    expect(() => unpickle(pkl([0x80, 2], '.'))).toThrow(/stack underflow/);
    expect(() => unpickle(pkl([0x80, 2], 'N', 'Q', '.'))).toThrow(/persistent id/);
    expect(() => unpickle(pkl([0x80, 2], 'h', [5], '.'))).toThrow(/unknown memo key 5/);
    expect(() => unpickle(pkl([0x80, 2], 'K', [1]))).toThrow(/truncated/);
  });

  it('rebuilds tensor references from _rebuild_tensor_v2 with a persistent storage', () => {
    const bytes = pkl(
      [0x80, 2], 'ctorch._utils\n_rebuild_tensor_v2\n', '(', 'N', 'Q', 'K', [2], 'K', [3], 'K', [4], [0x86], 'K', [4], 'K', [1], [0x86], [0x89], 'N', 't', 'R', '.',
    );
    const { value } = unpickle(bytes, 0, { persistentLoad: () => 'the storage' });
    expect(value).toEqual({ kind: 'tensor', storage: 'the storage', offset: 2, shape: [3, 4], stride: [4, 1] });
  });
});
