// Versions of collection keys (FORMAT.md): unique forever, also across
// restarts with a clock that stepped back, because the compaction filter
// treats a sub-key whose version is not the live one as garbage. A floor is
// persisted ahead of use: every version handed out is below the stored floor,
// which is written (in WAL order) before any batch using such a version, and
// a reopened engine starts above it.

import type { DB } from "../lsm/index.ts";

/** Engine-column key of the version floor (u64). */
export const VERSION_FLOOR_KEY = new Uint8Array([0x00, ...new TextEncoder().encode("version-floor")]);
/** How far ahead the floor is reserved: ten minutes of versions at 1000 per millisecond (one write per ten minutes). */
const RESERVE = 600_000 * 1000;

function encodeFloor(floor: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(floor / 2 ** 32));
  view.setUint32(4, floor >>> 0);
  return out;
}

function decodeFloor(raw: Uint8Array): number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

export class VersionClock {
  private last: number;
  private reservedUpTo: number;

  constructor(private readonly lsm: DB) {
    const stored = lsm.get(VERSION_FLOOR_KEY);
    this.last = this.reservedUpTo = stored === undefined ? 0 : decodeFloor(stored);
  }

  /** max(last + 1, now in microsecond-like units): increasing, and above every version of earlier runs. */
  next(): number {
    this.last = Math.max(this.last + 1, Date.now() * 1000);
    if (this.last >= this.reservedUpTo) {
      this.reservedUpTo = this.last + RESERVE;
      this.lsm.put(VERSION_FLOOR_KEY, encodeFloor(this.reservedUpTo));
    }
    return this.last;
  }
}
