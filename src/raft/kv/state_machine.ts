import { decode, Encoder } from "@msgpack/msgpack";
import { assert } from "../assert.ts";
import type { SnapshotWriter } from "../node.ts";
import { writeU32 } from "../transport/framing.ts";
import { decodeCommand, type KvCommand, type KvResult } from "./command.ts";
import { putStr } from "./tuple_writer.ts";

// Pairs encoded per SnapshotWriter.step(): a few milliseconds of event loop.
const SNAPSHOT_SLICE = 4096;
const snapEncoder = new Encoder();

// Deterministic KV state machine applied from the raft log. `get` through
// the log is supported for comparison; linearizable reads normally use
// ReadIndex plus read().
export class KvStateMachine {
  private map = new Map<string, string>();
  appliedIndex = 0;
  // While a snapshot writer is in progress: the value each key had when it
  // began (null: absent then), recorded at the key's first change after.
  private preimages: Map<string, string | null> | null = null;
  private snapshotBytesPerKey = 32;

  // `decoded`: the command data encodes, if the caller still has it (the
  // proposing node), which saves decoding it again.
  applyEntry(index: number, data: Uint8Array, decoded?: KvCommand): { cmd: KvCommand; result: KvResult } | undefined {
    this.appliedIndex = index;
    if (data.length === 0) return undefined; // leader no-op
    const cmd = decoded ?? decodeCommand(data);
    return { cmd, result: this.apply(cmd) };
  }

  apply(c: KvCommand): KvResult {
    switch (c.op) {
      case "get":
        return { ok: true, value: this.read(c.key) };
      case "put":
        this.set(c.key, c.value);
        return { ok: true, value: c.value };
      case "cas": {
        const cur = this.read(c.key);
        if (cur !== c.expect) return { ok: false, value: cur };
        this.set(c.key, c.value);
        return { ok: true, value: c.value };
      }
    }
  }

  // A put looks the key up only while a snapshot writer needs its pre-image.
  private set(key: string, value: string): void {
    if (this.preimages && !this.preimages.has(key)) this.preimages.set(key, this.read(key));
    this.map.set(key, value);
  }

  read(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  size(): number {
    return this.map.size;
  }

  snapshot(): Uint8Array {
    const w = this.snapshotWriter();
    for (;;) {
      const data = w.step();
      if (data) return data;
    }
  }

  // The state as of now, encoded a slice at a time while entries keep being
  // applied (copy-on-write: a key changed meanwhile is written with its
  // pre-image, a key added meanwhile is skipped; the map has no deletes).
  // The bytes are those of msgpack {applied, kv: [[key, value], ...]} with
  // an array32 header, so restore() decodes either. One writer at a time;
  // restore() abandons it.
  snapshotWriter(): SnapshotWriter {
    assert(this.preimages === null, "one snapshot writer at a time");
    const pre = new Map<string, string | null>();
    this.preimages = pre;
    const count = this.map.size;
    const it = this.map.entries();
    const head = [0x82, ...snapEncoder.encode("applied"), ...snapEncoder.encode(this.appliedIndex), ...snapEncoder.encode("kv"), 0xdd, 0, 0, 0, 0];
    // Sized from the last snapshot's bytes per key: growing copies it all.
    let buf = new Uint8Array(Math.max(1024, Math.ceil(count * this.snapshotBytesPerKey * 1.1)));
    buf.set(head);
    writeU32(buf, head.length - 4, count);
    let len = head.length;
    let written = 0;
    return {
      step: () => {
        for (let i = 0; i < SNAPSHOT_SLICE; i++) {
          const r = it.next();
          if (r.done) {
            assert(written === count, `snapshot wrote ${written} of ${count} keys`);
            if (this.preimages === pre) this.preimages = null;
            if (count > 0) this.snapshotBytesPerKey = len / count;
            return buf.subarray(0, len);
          }
          const [key, value] = r.value;
          const old = pre.get(key);
          if (old === null) continue; // added after the writer began
          const v = old ?? value;
          const max = 1 + 10 + 3 * (key.length + v.length); // fixarray, two str headers, UTF-8 bound
          if (len + max > buf.length) {
            const nb = new Uint8Array(Math.max(buf.length * 2, len + max));
            nb.set(buf.subarray(0, len));
            buf = nb;
          }
          buf[len] = 0x92;
          len = putStr(buf, putStr(buf, len + 1, key), v);
          written++;
        }
        return undefined;
      },
    };
  }

  restore(data: Uint8Array): void {
    this.preimages = null;
    if (data.length === 0) {
      this.map = new Map();
      this.appliedIndex = 0;
      return;
    }
    const s = decode(data) as { applied: number; kv: [string, string][] };
    this.map = new Map(s.kv);
    this.appliedIndex = s.applied;
  }
}
