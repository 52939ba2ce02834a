// Per-entry CPU of each component of the KV write path alone (codecs, state
// machine apply, WAL record), in-process on one thread, from process.cpuUsage:
// what a write costs before any I/O.
//   bun bench/raft/components.ts
import { encodeCommand } from "../../src/raft/kv/command.ts";
import { KvStateMachine } from "../../src/raft/kv/state_machine.ts";
import { encodeRequest, decodeRequest, encodeResponse, decodeResponse } from "../../src/raft/kv/protocol.ts";
import { encodeBatchPayload, decodeBatchPayload } from "../../src/raft/transport/codec.ts";
import { encodeWalRecord } from "../../src/raft/storage/wal_record.ts";
import { msg, type Entry } from "../../src/raft/types.ts";
const N = 200_000;
const value = "x".repeat(64);
function time(name: string, f: (i: number) => void, per = 1) {
  for (let i = 0; i < 20000; i++) f(i);
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) f(i);
  const u = process.cpuUsage(t0);
  console.log(`${name.padEnd(44)} ${(((u.user + u.system) / N) * 1000 / per).toFixed(0).padStart(6)} ns/entry`);
}
const req = encodeRequest({ op: "put", key: "k12-345", value }, 1).slice();
time("client: encodeRequest", (i) => encodeRequest({ op: "put", key: `k12-${i % 1000}`, value }, i));
time("leader: decodeRequest", () => decodeRequest(req));
time("leader: encodeCommand", (i) => encodeCommand({ op: "put", id: i, key: "k12-345", value }));
const { keyValue } = decodeRequest(req);
time("leader: encodeCommand from the request's bytes", (i) => encodeCommand({ op: "put", id: i, key: "k12-345", value }, keyValue));
const cmd = encodeCommand({ op: "put", id: 7, key: "k12-345", value });
const sm = new KvStateMachine();
time("all nodes: apply (a put to one key)", (i) => sm.applyEntry(i + 1, cmd, undefined, false));
// A load of new keys, as bench.ts's: each put inserts one.
const puts = Array.from({ length: N + 20000 }, (_, i) => encodeCommand({ op: "put", id: i, key: `k${i % 256}-${i >> 8}`, value }));
const fresh = new KvStateMachine();
time("all nodes: apply (a put of a new key)", (i) => fresh.applyEntry(i + 1, puts[i]!, undefined, false));
time("leader: encodeResponse", (i) => encodeResponse({ id: i, ok: true, value }));
const resp = encodeResponse({ id: 1, ok: true, value }).slice();
time("client: decodeResponse", () => decodeResponse(resp));
const ents: Entry[] = Array.from({ length: 128 }, (_, i) => ({ term: 3, index: 1000 + i, type: "normal", data: cmd }));
const app = msg({ type: "app", from: 1, to: 2, term: 3, index: 999, logTerm: 3, commit: 990, entries: ents });
time("leader: encodeBatchPayload (append of 128)", () => encodeBatchPayload([app]), 128);
const frame = encodeBatchPayload([app]).slice();
time("follower: decodeBatchPayload (append of 128)", () => decodeBatchPayload(frame), 128);
time("all nodes: encodeWalRecord (128 entries)", () => encodeWalRecord({ k: "e", e: ents }), 128);
