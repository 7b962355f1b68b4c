/**
 * Writes a minimal `torch.save` zip checkpoint of a state dict (an OrderedDict of contiguous
 * tensors), as torch does: `archive/data.pkl` (pickle protocol 2: `_rebuild_tensor_v2` over
 * persistent storage ids), `archive/data/<key>` with each storage's raw little-endian bytes,
 * `archive/version`, all stored uncompressed. Tests use it to build checkpoints too large to
 * keep as fixtures (the full DINOv2 ViT-S) from data they already have. No CRCs: our reader,
 * like torch's, does not check them.
 */
export interface CheckpointTensorInput {
  name: string;
  dtype: 'float32' | 'float16';
  shape: number[];
  /** Raw little-endian element bytes. */
  bytes: Uint8Array;
}

class PickleWriter {
  private parts: number[] = [];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  private u32(v: number): void {
    this.parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58); // BINUNICODE
    this.u32(b.length);
    this.parts.push(...b);
    return this;
  }
  int(v: number): this {
    this.op(0x4a); // BININT
    this.u32(v >>> 0);
    return this;
  }
  global(module: string, name: string): this {
    this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  tupleOf(values: number[]): this {
    this.op(0x28); // MARK
    for (const v of values) this.int(v);
    return this.op(0x74); // TUPLE
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function dataPickle(tensors: readonly CheckpointTensorInput[]): Uint8Array {
  const p = new PickleWriter();
  p.op(0x80, 2); // PROTO 2
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  p.op(0x28); // MARK for SETITEMS
  tensors.forEach((t, i) => {
    p.str(t.name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK: the rebuild arguments
    // Persistent id ('storage', StorageClass, key, location, numel).
    p.op(0x28).str('storage').global('torch', t.dtype === 'float16' ? 'HalfStorage' : 'FloatStorage').str(String(i)).str('cpu');
    p.int(t.shape.reduce((a, b) => a * b, 1)).op(0x74, 0x51); // TUPLE, BINPERSID
    p.int(0); // storage offset
    p.tupleOf(t.shape);
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.tupleOf(strides);
    p.op(0x89); // requires_grad False
    p.global('collections', 'OrderedDict').op(0x29, 0x52); // backward hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
  });
  p.op(0x75, 0x2e); // SETITEMS, STOP
  return p.bytes();
}

/** A stored-only zip of `files` (names → bytes). */
function storedZip(files: ReadonlyArray<[string, Uint8Array]>): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const entry = new Uint8Array(46 + n.length);
    const cv = new DataView(entry.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    entry.set(n, 46);
    chunks.push(local, data);
    central.push(entry);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function writeTorchCheckpoint(tensors: readonly CheckpointTensorInput[]): Uint8Array {
  return storedZip([
    ['archive/data.pkl', dataPickle(tensors)],
    ['archive/byteorder', new TextEncoder().encode('little')],
    ...tensors.map((t, i) => [`archive/data/${i}`, t.bytes] as [string, Uint8Array]),
    ['archive/version', new TextEncoder().encode('3\n')],
  ]);
}
