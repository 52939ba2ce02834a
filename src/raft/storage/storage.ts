import type { ConfState, Entry, HardState, Snapshot } from "../types.ts";

// Read side of the durable log the core consults (etcd-raft's Storage).
// Everything returned here must already be durable: the core treats it as
// the stable prefix of its log.
export class ErrCompacted extends Error {
  override name = "ErrCompacted";
}
export class ErrUnavailable extends Error {
  override name = "ErrUnavailable";
}
export class ErrSnapshotTemporarilyUnavailable extends Error {
  override name = "ErrSnapshotTemporarilyUnavailable";
}

export interface InitialState {
  hardState: HardState;
  confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  // Entries in [lo, hi), total size capped at maxSize (at least one entry).
  entries(lo: number, hi: number, maxSize: number): Entry[];
  // Term of entry i; throws ErrCompacted / ErrUnavailable. The term of
  // firstIndex()-1 is available (it is the snapshot's term).
  term(i: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}

// Write side used by hosts when handling a Ready.
export interface WritableStorage extends Storage {
  append(ents: Entry[]): void;
  setHardState(hs: HardState): void;
  applySnapshot(s: Snapshot): void;
  // Records a snapshot of the applied state at index (returns the current
  // snapshot instead if that is not older). Durable when it returns.
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot;
  // Same, with the writing and syncing off the event loop.
  createSnapshotAsync(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot>;
  compact(index: number): void;
  // Makes everything written so far durable (fsync for files).
  sync(): void;
  // Same, but waits for the disk off the event loop: the host keeps
  // stepping messages and collecting proposals meanwhile, and the next
  // Ready persists all of them with one sync (group commit).
  syncAsync(): Promise<void>;
}
