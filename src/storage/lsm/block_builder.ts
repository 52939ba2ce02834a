/**
 * Builds a data/index block: prefix-compressed entries with a restart point
 * every `restartInterval` keys (full key stored) so lookups binary search
 * restarts, then scan at most `restartInterval` entries.
 *   entry: varint shared | varint unshared | varint vlen | key[shared:] | value
 *   tail:  restart offsets fixed32[] | num restarts fixed32
 */
import { ByteWriter, copyRange, putVarint } from './coding.ts';
import { assert } from './assert.ts';

export class BlockBuilder {
  private readonly buf = new ByteWriter(8192);
  /**
   * Restart offsets: restarts[0, restartCount), the first always 0. An
   * Int32Array kept across blocks: a fresh `[0]` per block (a copy-on-write
   * literal until its first push) changed the array's shape, and the JIT's
   * code for currentSizeEstimate exited on it.
   */
  private restarts = new Int32Array(64);
  private restartCount = 1;
  private counter = 0;
  private lastKey = new Uint8Array(64);
  private lastKeyLen = 0;
  entries = 0;

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.entries === 0;
  }

  /** Size of the block if finished now. */
  currentSizeEstimate(): number {
    return this.buf.len + this.restartCount * 4 + 4;
  }

  /** key[0, klen) must sort after the previous key (caller guarantees); the value is value[valueStart, valueEnd). */
  add(key: Uint8Array, klen: number, value: Uint8Array, valueStart = 0, valueEnd = value.length): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(klen, this.lastKeyLen);
      while (shared < n && key[shared] === this.lastKey[shared]) shared++;
    } else {
      this.addRestart();
    }
    const w = this.buf;
    w.varint(shared);
    w.varint(klen - shared);
    w.varint(valueEnd - valueStart);
    w.bytes(key, shared, klen);
    w.bytes(value, valueStart, valueEnd);
    if (this.lastKey.length < klen) this.lastKey = new Uint8Array(klen * 2);
    const lk = this.lastKey;
    for (let i = shared; i < klen; i++) lk[i] = key[i];
    this.lastKeyLen = klen;
    this.counter++;
    this.entries++;
  }

  /**
   * add() for a caller that knows how many first bytes `shared` the key
   * shares with the previous one (TableBuilder finds it while checking the
   * order): no compare and no copy of the key here. A builder is fed by
   * add() or by this, not both (this keeps no last key).
   */
  addShared(key: Uint8Array, klen: number, shared: number, value: Uint8Array, valueStart: number, valueEnd: number): void {
    if (this.entries === 0) shared = 0;
    else if (this.counter >= this.restartInterval) {
      this.addRestart();
      shared = 0;
    }
    const w = this.buf;
    const vlen = valueEnd - valueStart;
    // Three varints of at most 5 bytes each (lengths below 2^32), then the bytes: one growth check.
    w.ensure(15 + klen - shared + vlen);
    const buf = w.buf;
    let at = putVarint(buf, putVarint(buf, putVarint(buf, w.len, shared), klen - shared), vlen);
    for (let i = shared; i < klen; i++) buf[at++] = key[i];
    copyRange(buf, at, value, valueStart, valueEnd);
    w.len = at + vlen;
    this.counter++;
    this.entries++;
  }

  /** A restart point at the next entry (its key stored in full). */
  private addRestart(): void {
    if (this.restartCount === this.restarts.length) {
      const grown = new Int32Array(2 * this.restartCount);
      grown.set(this.restarts);
      this.restarts = grown;
    }
    this.restarts[this.restartCount++] = this.buf.len;
    this.counter = 0;
  }

  /** Returns the block contents (a view valid until reset). */
  finish(): Uint8Array {
    const n = this.restartCount;
    assert(n >= 1 && this.restarts[0] === 0);
    for (let i = 0; i < n; i++) this.buf.fixed32(this.restarts[i]);
    this.buf.fixed32(n);
    return this.buf.view();
  }

  reset(): void {
    this.buf.reset();
    this.restartCount = 1;
    this.counter = 0;
    this.lastKeyLen = 0;
    this.entries = 0;
  }
}
