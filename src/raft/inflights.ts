// Sliding window of in-flight MsgApp batches to one follower, bounded both
// by message count and by bytes (flow control). Each slot remembers the last
// index of a batch; acks free every slot at or below the acked index.
export class Inflights {
  private idx: number[] = [];
  private sizes: number[] = [];
  private bytes = 0;

  constructor(readonly maxCount: number, readonly maxBytes: number) {}

  add(index: number, bytes: number): void {
    this.idx.push(index);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  freeLE(index: number): void {
    let n = 0;
    while (n < this.idx.length && this.idx[n]! <= index) {
      this.bytes -= this.sizes[n]!;
      n++;
    }
    if (n > 0) {
      this.idx.splice(0, n);
      this.sizes.splice(0, n);
    }
  }

  full(): boolean {
    return this.idx.length >= this.maxCount || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  count(): number {
    return this.idx.length;
  }

  reset(): void {
    this.idx = [];
    this.sizes = [];
    this.bytes = 0;
  }
}
