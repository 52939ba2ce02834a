import { decode, encode } from "@msgpack/msgpack";
import { decodeCommand, type KvCommand, type KvResult } from "./command.ts";

// Deterministic KV state machine applied from the raft log. `get` through
// the log is supported for comparison; linearizable reads normally use
// ReadIndex plus read().
export class KvStateMachine {
  private map = new Map<string, string>();
  appliedIndex = 0;

  applyEntry(index: number, data: Uint8Array): { cmd: KvCommand; result: KvResult } | undefined {
    this.appliedIndex = index;
    if (data.length === 0) return undefined; // leader no-op
    const cmd = decodeCommand(data);
    return { cmd, result: this.apply(cmd) };
  }

  apply(c: KvCommand): KvResult {
    const cur = this.map.get(c.key) ?? null;
    switch (c.op) {
      case "get":
        return { ok: true, value: cur };
      case "put":
        this.map.set(c.key, c.value);
        return { ok: true, value: c.value };
      case "cas":
        if (cur === c.expect) {
          this.map.set(c.key, c.value);
          return { ok: true, value: c.value };
        }
        return { ok: false, value: cur };
    }
  }

  read(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  size(): number {
    return this.map.size;
  }

  snapshot(): Uint8Array {
    return encode({ applied: this.appliedIndex, kv: [...this.map.entries()] });
  }

  restore(data: Uint8Array): void {
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
