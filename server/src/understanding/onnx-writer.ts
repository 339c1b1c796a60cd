/**
 * A minimal ONNX writer: the protobuf wire format of ModelProto written by hand, for the few operators the project's
 * own models use. No dependency, byte-for-byte deterministic (fields in a fixed order, no timestamps), so training
 * twice gives identical files.
 *
 * Field numbers from onnx/onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
 */

class Writer {
  private parts: Buffer[] = [];

  private varint(n: number | bigint) {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n; // two's complement, 10 bytes, as protobuf encodes negative int64
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    this.parts.push(Buffer.from(out));
  }

  private key(field: number, wire: 0 | 1 | 2 | 5) {
    this.varint((field << 3) | wire);
  }

  int(field: number, n: number | bigint) {
    this.key(field, 0);
    this.varint(n);
    return this;
  }

  bytes(field: number, b: Buffer | Uint8Array) {
    this.key(field, 2);
    this.varint(b.length);
    this.parts.push(Buffer.from(b));
    return this;
  }

  string(field: number, s: string) {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  float(field: number, f: number) {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(f);
    this.parts.push(b);
    return this;
  }

  message(field: number, build: (w: Writer) => void) {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.done());
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const DTYPE = { float: 1, int32: 6, int64: 7, float16: 10 } as const;
export type DType = keyof typeof DTYPE;

export interface Tensor {
  name: string;
  dtype: DType;
  dims: number[];
  /** float16 tensors hold their IEEE half-precision bit patterns (see `toFloat16`) */
  data: Float32Array | Int32Array | BigInt64Array | Uint16Array;
}

export type Attribute = { name: string } & ({ i: number } | { f: number } | { ints: number[] } | { s: string });

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Attribute[];
}

export interface ValueInfo {
  name: string;
  dtype: DType;
  /** a number, or a symbolic name such as "batch" */
  shape: Array<number | string>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function tensor(w: Writer, t: Tensor) {
  for (const d of t.dims) w.int(1, d);
  w.int(2, DTYPE[t.dtype]);
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(w: Writer, v: ValueInfo) {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tt) => {
      tt.int(1, DTYPE[v.dtype]);
      tt.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function attribute(w: Writer, a: Attribute) {
  w.string(1, a.name);
  if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('s' in a) w.bytes(4, Buffer.from(a.s, 'utf8')).int(20, 3);
  else {
    for (const x of a.ints) w.int(8, x);
    w.int(20, 7);
  }
}

/** Serialises a model (opset 17, IR version 8) with the given graph and metadata. */
export function writeModel(graph: Graph, meta: { producer: string; version: string; docString?: string }): Buffer {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, meta.producer);
  w.string(3, meta.version);
  if (meta.docString) w.string(6, meta.docString);
  w.message(7, (g) => {
    for (const n of graph.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        if (n.name) nw.string(3, n.name);
        nw.string(4, n.op);
        for (const a of n.attributes ?? []) nw.message(5, (aw) => attribute(aw, a));
      });
    }
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (tw) => tensor(tw, t));
    for (const v of graph.inputs) g.message(11, (vw) => valueInfo(vw, v));
    for (const v of graph.outputs) g.message(12, (vw) => valueInfo(vw, v));
  });
  w.message(8, (o) => o.string(1, '').int(2, 17));
  return w.done();
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE 754 half precision bits, rounded to nearest even (overflow → ±infinity, NaN kept). */
export function toFloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is the right result
  return sign | h;
}

/** IEEE 754 half precision bits → number. */
export function fromFloat16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
