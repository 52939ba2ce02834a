import { assert } from "../assert.ts";
import {
  emptyHardState,
  limitSize,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from "../types.ts";
import { ErrCompacted, ErrUnavailable, type InitialState, type WritableStorage } from "./storage.ts";

// In-memory storage. ents[0] is a dummy entry carrying the index/term of
// the last compacted entry (the snapshot point), which makes term(firstIndex-1)
// answerable without special cases.
export class MemoryStorage implements WritableStorage {
  hardState: HardState = emptyHardState();
  snap: Snapshot;
  ents: Entry[];

  constructor(conf?: ConfState) {
    this.snap = {
      meta: { index: 0, term: 0, conf: conf ?? { voters: [], learners: [] } },
      data: new Uint8Array(0),
    };
    this.ents = [{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }];
  }

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, confState: this.snap.meta.conf };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private offset(): number {
    return this.ents[0]!.index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new ErrUnavailable(`hi ${hi} > last ${this.lastIndex()}`);
    if (this.ents.length === 1) throw new ErrUnavailable("only dummy entry");
    return limitSize(this.ents.slice(lo - off, hi - off), maxSize);
  }

  term(i: number): number {
    const off = this.offset();
    if (i < off) throw new ErrCompacted();
    if (i - off >= this.ents.length) throw new ErrUnavailable();
    return this.ents[i - off]!.term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  applySnapshot(s: Snapshot): void {
    if (s.meta.index <= this.snap.meta.index) return; // stale
    this.snap = s;
    this.ents = [{ term: s.meta.term, index: s.meta.index, type: "normal", data: new Uint8Array(0) }];
  }

  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) return this.snap;
    assert(index <= this.lastIndex(), `snapshot ${index} beyond last ${this.lastIndex()}`);
    const off = this.offset();
    this.snap = { meta: { index, term: this.ents[index - off]!.term, conf }, data };
    return this.snap;
  }

  createSnapshotAsync(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot> {
    return Promise.resolve(this.createSnapshot(index, conf, data));
  }

  compact(index: number): void {
    const off = this.offset();
    if (index <= off) return;
    assert(index <= this.lastIndex(), `compact ${index} beyond last ${this.lastIndex()}`);
    const i = index - off;
    const dummy: Entry = { term: this.ents[i]!.term, index, type: "normal", data: new Uint8Array(0) };
    this.ents = [dummy, ...this.ents.slice(i + 1)];
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all compacted already
    if (first > entries[0]!.index) entries = entries.slice(first - entries[0]!.index);
    const off = entries[0]!.index - this.offset();
    assert(off <= this.ents.length, `missing log entry: last ${this.lastIndex()}, append at ${entries[0]!.index}`);
    // Truncate any conflicting suffix, then append in place (appends at the
    // end are the common case and must stay O(batch), not O(log)).
    if (off < this.ents.length) this.ents.length = off;
    for (const e of entries) this.ents.push(e);
  }

  sync(): void {}

  syncAsync(): Promise<void> {
    this.sync(); // subclasses (the simulation's crash model) override sync
    return Promise.resolve();
  }
}
