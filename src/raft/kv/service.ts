import type { TCPSocketListener } from "bun";
import { CorkedWriter } from "../transport/corked.ts";
import { NotLeaderError, RaftNode, TimeoutError, type RaftNodeOptions, type SnapshotWriter, type StateMachine } from "../node.ts";
import type { RaftConfig } from "../raft.ts";
import type { WritableStorage } from "../storage/storage.ts";
import { FrameDecoder } from "../transport/framing.ts";
import { TcpTransport, type PeerAddr } from "../transport/tcp.ts";
import type { Entry, Message, Snapshot } from "../types.ts";
import { encodeCommand, encodePut, type KvCommand, type KvResult } from "./command.ts";
import { decodeRequest, encodePutResponse, encodeResponse, readPut, type KvRequest, type KvResponse } from "./protocol.ts";
import { KvStateMachine } from "./state_machine.ts";

class KvSm implements StateMachine {
  kv = new KvStateMachine();
  // Commands other than puts this node proposed, by their entry data (the
  // same object reaches apply on the proposer): their results are decoded
  // for the client from these.
  proposed = new WeakMap<Uint8Array, KvCommand>();
  // Only the proposer answers a client, and it has the command: no result
  // (no value decoded) elsewhere.
  apply(e: Entry): { id?: number; result?: unknown } {
    const cmd = this.proposed.get(e.data);
    return this.kv.applyEntry(e.index, e.data, cmd, cmd !== undefined) ?? {};
  }
  snapshot(): Uint8Array {
    return this.kv.snapshot();
  }
  snapshotWriter(): SnapshotWriter {
    return this.kv.snapshotWriter();
  }
  restore(s: Snapshot): void {
    this.kv.restore(s.data);
    this.kv.appliedIndex = s.meta.index;
  }
  appliedIndex(): number {
    return this.kv.appliedIndex;
  }
}

export interface KvServiceOptions {
  id: number;
  storage: WritableStorage;
  raftPort: number;
  clientPort: number;
  peers: Map<number, PeerAddr>;
  tickMs?: number;
  raft?: Partial<RaftConfig>; // overrides of RaftNode's core settings
  syncOnPool?: RaftNodeOptions["syncOnPool"];
  holdProposalsDuringSync?: boolean;
  trace?: RaftNodeOptions["trace"];
  log?: (ev: Record<string, unknown>) => void;
}

function reply(out: CorkedWriter, resp: KvResponse): void {
  out.writeFrame(encodeResponse(resp));
}

function fail(out: CorkedWriter, id: number, err: Error): void {
  if (err instanceof NotLeaderError) reply(out, { id, ok: false, value: null, err: "not_leader", leader: err.leader });
  else if (err instanceof TimeoutError) reply(out, { id, ok: false, value: null, err: "timeout" });
  else reply(out, { id, ok: false, value: null, err: "error" });
}

interface ConnState {
  dec: FrameDecoder;
  out: CorkedWriter;
}

export class KvService {
  readonly node: RaftNode;
  readonly transport: TcpTransport;
  private sm = new KvSm();
  private server: TCPSocketListener<ConnState> | null = null;
  // Request ids: a random 32-bit incarnation number times 2^21 plus a
  // sequence. Node id + sequence alone is not enough: after a restart the
  // sequence starts over while entries proposed by the previous incarnation
  // may still be applied (log replay, or committed by the next no-op), and
  // would answer the new waiters with their results. Any node applying an
  // entry looks its id up among its own waiters, so ids must also differ
  // across nodes: two incarnations collide with probability 2^-32. The
  // sequence wraps after 2^21 requests, far more than can be waiting
  // within the request timeout.
  private readonly incarnation = crypto.getRandomValues(new Uint32Array(1))[0]!;
  private seq = 0;

  constructor(private o: KvServiceOptions) {
    let node: RaftNode | undefined;
    this.transport = new TcpTransport({
      id: o.id,
      port: o.raftPort,
      peers: o.peers,
      onMessage: (m: Message) => node?.step(m),
      onUnreachable: (p) => node?.raw.reportUnreachable(p),
    });
    node = new RaftNode({
      id: o.id,
      storage: o.storage,
      sm: this.sm,
      send: (msgs) => this.transport.send(msgs),
      tickMs: o.tickMs ?? 20,
      electionTick: 10,
      heartbeatTick: 2,
      snapshotEvery: 20000,
      keepEntries: 5000,
      raft: o.raft,
      syncOnPool: o.syncOnPool,
      holdProposalsDuringSync: o.holdProposalsDuringSync,
      trace: o.trace,
      onLeaderChange: (lead, term) => o.log?.({ event: "leader", id: o.id, lead, term }),
    });
    this.node = node;
  }

  start(): { raftPort: number; clientPort: number } {
    const raftPort = this.transport.listen();
    const self = this;
    this.server = Bun.listen<ConnState>({
      hostname: "127.0.0.1",
      port: this.o.clientPort,
      socket: {
        open(s) {
          s.data = { dec: new FrameDecoder(false), out: new CorkedWriter(s) };
          s.setNoDelay?.(true);
        },
        data(s, chunk) {
          s.data.dec.push(chunk, (p) => {
            const put = readPut(p);
            if (put) self.put(s.data.out, put.id, put.keyValue, put.valueAt);
            else self.handle(s.data.out, decodeRequest(p));
          });
        },
        drain(s) {
          s.data.out.drain();
        },
      },
    });
    this.node.start();
    return { raftPort, clientPort: this.server.port };
  }

  // A put's key and value stay msgpack-encoded from the request to the log
  // entry (keyValue, see encodePut) and back into the reply (the value at
  // valueAt in keyValue): no strings decoded, no command kept to answer it
  // (the state machine applies entries from their bytes). One closure per
  // request (the waiter's callback); reply and fail are plain functions.
  private put(out: CorkedWriter, id: number, keyValue: Uint8Array, valueAt: number): void {
    const rid = this.nextRequestId();
    const data = encodePut(rid, keyValue);
    const replyAt = data.length - keyValue.length + valueAt;
    this.node.propose(data, rid, (err) => (err ? fail(out, id, err) : out.writeFrame(encodePutResponse(id, data, replyAt))));
  }

  private nextRequestId(): number {
    return this.incarnation * 2 ** 21 + (++this.seq % 2 ** 21);
  }

  private handle(out: CorkedWriter, req: KvRequest): void {
    const id = req.id;
    if (req.op === "get") {
      this.node.readBarrier((err) => (err ? fail(out, id, err) : reply(out, { id, ok: true, value: this.sm.kv.read(req.key) })));
      return;
    }
    const rid = this.nextRequestId();
    const cmd: KvCommand =
      req.op === "put"
        ? { op: "put", id: rid, key: req.key, value: req.value ?? "" }
        : { op: "cas", id: rid, key: req.key, expect: req.expect ?? null, value: req.value ?? "" };
    const data = encodeCommand(cmd, req.keyValue);
    this.sm.proposed.set(data, cmd);
    this.node.propose(data, rid, (err, result) => {
      if (err) return fail(out, id, err);
      const r = result as KvResult;
      reply(out, { id, ok: r.ok, value: r.value });
    });
  }

  stop(): void {
    this.node.stop();
    this.server?.stop(true);
    this.transport.close();
  }
}
