import { Encoder } from "@msgpack/msgpack";
import { assert } from "../assert.ts";
import type { SnapshotWriter } from "../node.ts";
import { writeU32 } from "../transport/framing.ts";
import { copyBytes, putStrHeader, strHeaderSize } from "../transport/msgpack_direct.ts";
import { ByteTable } from "./byte_table.ts";
import { decodeCommand, type KvCommand, type KvResult } from "./command.ts";
import { rawStringDecoder } from "./text.ts";
import { TupleReader } from "./tuple_reader.ts";

// Pairs encoded per SnapshotWriter.step(): a few milliseconds of event loop.
const SNAPSHOT_SLICE = 4096;
const snapEncoder = new Encoder();
const snapDecoder = rawStringDecoder();
const utf8In = new TextEncoder();
const utf8Out = new TextDecoder();

// A command as byte ranges: key k[ks, ke), value v[vs, ve), cas's expected
// value x[xs, xe) (xs = -1: the key must be absent). Read from the entry
// data in place (encodeCommand's shapes) or built from a decoded command.
interface CommandBytes {
  op: number; // OP_PUT, OP_GET, OP_CAS
  id: number;
  k: Uint8Array;
  ks: number;
  ke: number;
  v: Uint8Array;
  vs: number;
  ve: number;
  x: Uint8Array;
  xs: number;
  xe: number;
}
const OP_PUT = 1;
const OP_GET = 2;
const OP_CAS = 3;
const NONE = new Uint8Array(0);

const reader = new TupleReader();

// Deterministic KV state machine applied from the raft log. `get` through
// the log is supported for comparison; linearizable reads normally use
// ReadIndex plus read(). Keys and values are kept as their UTF-8 bytes
// (ByteTable) and applied from the entry's bytes without decoding them.
export class KvStateMachine {
  private table = new ByteTable();
  appliedIndex = 0;
  // While a snapshot writer is in progress: how many entries it writes, and
  // the value bytes each of those had when it began, recorded at the
  // entry's first change after.
  private writer: { count: number; preimages: Map<number, Uint8Array> } | null = null;
  private snapshotBytesPerKey = 32;
  private cmd: CommandBytes = { op: 0, id: 0, k: NONE, ks: 0, ke: 0, v: NONE, vs: 0, ve: 0, x: NONE, xs: -1, xe: 0 };
  private keyScratch = new Uint8Array(256);

  // The request id the entry carries and, if needResult, its result for the
  // client (as strings; a put's value is taken from `decoded`, the command
  // the entry encodes, if the caller still has it: the proposing node).
  applyEntry(index: number, data: Uint8Array, decoded?: KvCommand, needResult = true): { id: number; result?: KvResult } | undefined {
    this.appliedIndex = index;
    if (data.length === 0) return undefined; // leader no-op
    const c = this.cmd;
    if (!readCommandBytes(data, c)) commandBytes(decoded ?? decodeCommand(data), c);
    if (c.op === OP_GET) return { id: c.id, result: needResult ? { ok: true, value: this.readAt(this.table.find(c.k, c.ks, c.ke)) } : undefined };
    if (c.op === OP_CAS) {
      const i = this.table.find(c.k, c.ks, c.ke);
      if (!this.valueEquals(i, c.x, c.xs, c.xe)) return { id: c.id, result: needResult ? { ok: false, value: this.readAt(i) } : undefined };
    }
    this.set(c);
    if (!needResult) return { id: c.id };
    return { id: c.id, result: { ok: true, value: decoded && decoded.op !== "get" ? decoded.value : utf8Out.decode(c.v.subarray(c.vs, c.ve)) } };
  }

  // The value of entry i equals x[xs, xe) (xs = -1: i = -1, the key is absent).
  private valueEquals(i: number, x: Uint8Array, xs: number, xe: number): boolean {
    if (i < 0 || xs < 0) return i < 0 && xs < 0;
    const t = this.table;
    const vs = t.valueStart(i);
    if (t.valueEnd(i) - vs !== xe - xs) return false;
    const a = t.bytes;
    for (let p = vs, q = xs; q < xe; p++, q++) if (a[p] !== x[q]) return false;
    return true;
  }

  // Records the pre-image of an entry the snapshot writer has still to write.
  private set(c: CommandBytes): void {
    const w = this.writer;
    if (w) {
      const i = this.table.find(c.k, c.ks, c.ke);
      if (i >= 0 && i < w.count && !w.preimages.has(i)) w.preimages.set(i, this.table.bytes.slice(this.table.valueStart(i), this.table.valueEnd(i)));
    }
    this.table.set(c.k, c.ks, c.ke, c.v, c.vs, c.ve);
  }

  private readAt(i: number): string | null {
    return i < 0 ? null : utf8Out.decode(this.table.bytes.subarray(this.table.valueStart(i), this.table.valueEnd(i)));
  }

  read(key: string): string | null {
    if (this.keyScratch.length < 3 * key.length) this.keyScratch = new Uint8Array(3 * key.length);
    const n = utf8In.encodeInto(key, this.keyScratch).written;
    return this.readAt(this.table.find(this.keyScratch, 0, n));
  }

  size(): number {
    return this.table.size;
  }

  snapshot(): Uint8Array {
    const w = this.snapshotWriter();
    for (;;) {
      const data = w.step();
      if (data) return data;
    }
  }

  // The state as of now, encoded a slice at a time while entries keep being
  // applied (copy-on-write: an entry changed meanwhile is written with its
  // pre-image, one added meanwhile is not written; the table has no
  // deletes). The bytes are those of msgpack {applied, kv: [[key, value],
  // ...]} with an array32 header, so restore() decodes either. One writer at
  // a time; restore() abandons it.
  snapshotWriter(): SnapshotWriter {
    assert(this.writer === null, "one snapshot writer at a time");
    const w = { count: this.table.size, preimages: new Map<number, Uint8Array>() };
    this.writer = w;
    const head = [0x82, ...snapEncoder.encode("applied"), ...snapEncoder.encode(this.appliedIndex), ...snapEncoder.encode("kv"), 0xdd, 0, 0, 0, 0];
    // Sized from the last snapshot's bytes per key: growing copies it all.
    let buf = new Uint8Array(Math.max(1024, Math.ceil(w.count * this.snapshotBytesPerKey * 1.1)));
    buf.set(head);
    writeU32(buf, head.length - 4, w.count);
    let len = head.length;
    let i = 0;
    const put = (b: Uint8Array, s: number, e: number) => {
      putStrHeader(buf, len, e - s);
      len += strHeaderSize(e - s);
      copyBytes(buf, len, b, s, e);
      len += e - s;
    };
    return {
      step: () => {
        const t = this.table;
        for (const end = Math.min(w.count, i + SNAPSHOT_SLICE); i < end; i++) {
          const pre = w.preimages.get(i);
          const [v, vs, ve] = pre ? [pre, 0, pre.length] : [t.bytes, t.valueStart(i), t.valueEnd(i)];
          const max = 1 + 10 + (t.keyEnd(i) - t.keyStart(i)) + (ve - vs); // fixarray, two str headers
          if (len + max > buf.length) {
            const nb = new Uint8Array(Math.max(buf.length * 2, len + max));
            nb.set(buf.subarray(0, len));
            buf = nb;
          }
          buf[len++] = 0x92;
          put(t.bytes, t.keyStart(i), t.keyEnd(i));
          put(v, vs, ve);
        }
        if (i < w.count) return undefined;
        if (this.writer === w) this.writer = null;
        if (w.count > 0) this.snapshotBytesPerKey = len / w.count;
        return buf.subarray(0, len);
      },
    };
  }

  restore(data: Uint8Array): void {
    this.writer = null;
    this.table = new ByteTable();
    this.appliedIndex = 0;
    if (data.length === 0) return;
    const s = snapDecoder.decode(data) as { applied: number; kv: [Uint8Array, Uint8Array][] };
    for (const [k, v] of s.kv) this.table.set(k, 0, k.length, v, 0, v.length);
    this.appliedIndex = s.applied;
  }
}

// Reads the shapes encodeCommand writes (see TupleReader) into c without
// decoding the strings; false for anything else.
function readCommandBytes(b: Uint8Array, c: CommandBytes): boolean {
  const n = reader.start(b);
  const op = reader.uint();
  const id = reader.uint();
  const ks = reader.strBytes();
  if (id === undefined || typeof ks !== "number") return false;
  c.id = id;
  c.k = b;
  c.ks = ks;
  c.ke = reader.offset();
  c.x = NONE;
  c.xs = -1;
  if (op === OP_GET && n === 3) {
    c.op = OP_GET;
    c.v = NONE;
    return reader.done();
  }
  if (op === OP_CAS && n === 5) {
    const xs = reader.strBytes();
    if (xs === undefined) return false;
    if (xs !== null) {
      c.x = b;
      c.xs = xs;
      c.xe = reader.offset();
    }
  } else if (op !== OP_PUT || n !== 4) return false;
  const vs = reader.strBytes();
  if (typeof vs !== "number") return false;
  c.op = op;
  c.v = b;
  c.vs = vs;
  c.ve = reader.offset();
  return reader.done();
}

// A decoded command's strings as UTF-8 bytes.
function commandBytes(cmd: KvCommand, c: CommandBytes): void {
  const bytes = (s: string) => utf8In.encode(s);
  c.op = cmd.op === "put" ? OP_PUT : cmd.op === "get" ? OP_GET : OP_CAS;
  c.id = cmd.id;
  c.k = bytes(cmd.key);
  c.ks = 0;
  c.ke = c.k.length;
  c.v = cmd.op === "get" ? NONE : bytes(cmd.value);
  c.vs = 0;
  c.ve = c.v.length;
  c.x = cmd.op === "cas" && cmd.expect !== null ? bytes(cmd.expect) : NONE;
  c.xs = cmd.op === "cas" && cmd.expect !== null ? 0 : -1;
  c.xe = c.x.length;
}
