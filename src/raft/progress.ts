import { Inflights } from "./inflights.ts";

// Leader's view of one follower (etcd-raft tracker.Progress).
//  probe:     we don't know the follower's log; send one MsgApp per
//             heartbeat interval until an ack tells us where it is.
//  replicate: optimistic pipelining: next advances as soon as we send,
//             bounded by the inflight window.
//  snapshot:  the follower needs a snapshot; appends are paused while the
//             chunks are transferred.
export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  pendingSnapshot = 0;
  snapOffset = 0; // bytes of the pending snapshot acked so far
  recentActive = false;
  // Leader tick at which the latest heartbeat this follower acked was sent
  // (-1: none in this term). Drives the leader lease.
  leaseAckTick = -1;
  probeSent = false;
  isLearner: boolean;
  inflights: Inflights;

  constructor(next: number, maxInflight: number, maxInflightBytes: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
    this.isLearner = isLearner;
  }

  private resetState(s: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapOffset = 0;
    this.state = s;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least pendingSnapshot.
    if (this.state === "snapshot") {
      const ps = this.pendingSnapshot;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, ps + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapIndex;
  }

  // Ack of index n. Returns false for stale acks.
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  // A rejection of an append at `rejected`; matchHint is the follower's
  // guess of where our logs may match. Returns false for stale rejections.
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
