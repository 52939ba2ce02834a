import { copyBytes } from "../transport/msgpack_direct.ts";

// The KV state machine's table: keys and values as UTF-8 bytes in one arena,
// found by open addressing over an Int32Array; no JS object per key or
// value. With a JS Map of strings, every new key cost a key string, a value
// string and the Map's growth, all kept alive until the next full
// collection: under a load of new keys the nodes spent ~30 % of their CPU
// per write on it (bench.ts at 256 in flight with the Map's set disabled:
// node CPU per write 31-32 -> 19-24 us). No deletes (the KV has none).
export class ByteTable {
  private arena = new Uint8Array(64 * 1024);
  private used = 0; // arena bytes in use, dead ones included
  private dead = 0; // bytes of values since replaced by values of another length
  // Per entry (numbered in insertion order): key start, key length, value
  // start, value length in the arena.
  private ents = new Int32Array(4 * 1024);
  private hashes = new Int32Array(1024);
  private count = 0;
  private slots = new Int32Array(2048); // entry number + 1; 0: empty
  private mask = 2047;

  get size(): number {
    return this.count;
  }

  // The arena: entries' bytes are at the offsets below, valid until the
  // next set().
  get bytes(): Uint8Array {
    return this.arena;
  }

  keyStart(i: number): number {
    return this.ents[4 * i]!;
  }
  keyEnd(i: number): number {
    return this.ents[4 * i]! + this.ents[4 * i + 1]!;
  }
  valueStart(i: number): number {
    return this.ents[4 * i + 2]!;
  }
  valueEnd(i: number): number {
    return this.ents[4 * i + 2]! + this.ents[4 * i + 3]!;
  }

  // The entry of key k[ks, ke), or -1.
  find(k: Uint8Array, ks: number, ke: number): number {
    const h = hashBytes(k, ks, ke);
    for (let s = h & this.mask, e = this.slots[s]!; e !== 0; s = (s + 1) & this.mask, e = this.slots[s]!) {
      if (this.hashes[e - 1] === h && this.keyEquals(e - 1, k, ks, ke)) return e - 1;
    }
    return -1;
  }

  // Sets key k[ks, ke) to v[vs, ve) (neither may be the arena); a value of
  // the stored one's length is written over it. Returns the entry.
  set(k: Uint8Array, ks: number, ke: number, v: Uint8Array, vs: number, ve: number): number {
    const h = hashBytes(k, ks, ke);
    let s = h & this.mask;
    for (let e = this.slots[s]!; e !== 0; s = (s + 1) & this.mask, e = this.slots[s]!) {
      const i = e - 1;
      if (this.hashes[i] !== h || !this.keyEquals(i, k, ks, ke)) continue;
      if (ve - vs === this.ents[4 * i + 3]) copyBytes(this.arena, this.ents[4 * i + 2]!, v, vs, ve);
      else {
        this.dead += this.ents[4 * i + 3]!;
        this.ents[4 * i + 2] = this.append(v, vs, ve);
        this.ents[4 * i + 3] = ve - vs;
        if (this.dead > 1 << 20 && this.dead * 2 > this.used) this.compactArena();
      }
      return i;
    }
    const i = this.count++;
    if (4 * this.count > this.ents.length) {
      const ents = new Int32Array(this.ents.length * 2);
      ents.set(this.ents);
      this.ents = ents;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.ents[4 * i] = this.append(k, ks, ke);
    this.ents[4 * i + 1] = ke - ks;
    this.ents[4 * i + 2] = this.append(v, vs, ve);
    this.ents[4 * i + 3] = ve - vs;
    this.hashes[i] = h;
    this.slots[s] = i + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return i;
  }

  private keyEquals(i: number, k: Uint8Array, ks: number, ke: number): boolean {
    if (this.ents[4 * i + 1] !== ke - ks) return false;
    const a = this.arena;
    for (let p = this.ents[4 * i]!, q = ks; q < ke; p++, q++) if (a[p] !== k[q]) return false;
    return true;
  }

  private append(b: Uint8Array, s: number, e: number): number {
    const at = this.used;
    if (at + (e - s) > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, at + (e - s)));
      arena.set(this.arena.subarray(0, at));
      this.arena = arena;
    }
    copyBytes(this.arena, at, b, s, e);
    this.used = at + (e - s);
    return at;
  }

  // Copies the live keys and values into a new arena (values replaced by
  // ones of another length left their old bytes behind).
  private compactArena(): void {
    const old = this.arena;
    this.arena = new Uint8Array(Math.max(64 * 1024, this.used - this.dead));
    this.used = 0;
    this.dead = 0;
    for (let i = 0; i < this.count; i++) {
      const ks = this.ents[4 * i]!;
      const vs = this.ents[4 * i + 2]!;
      this.ents[4 * i] = this.append(old, ks, ks + this.ents[4 * i + 1]!);
      this.ents[4 * i + 2] = this.append(old, vs, vs + this.ents[4 * i + 3]!);
    }
  }

  // Doubles the slots (load factor at most 1/2), placing every entry again
  // from its stored hash.
  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.count; i++) {
      let s = this.hashes[i]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

// FNV-1a with a final avalanche, so that the low bits (the slot) depend on
// every byte.
function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
