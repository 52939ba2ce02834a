// The LSM engine's compaction filter (runs in the LSM's compaction/flush
// worker; see FORMAT.md "Reclaiming stale sub-keys"). A sub-key is removed
// when its version is provably dead: the main thread, asked once per window
// of entries and user key, answers with the versions a reader can still
// reach (the live metadata's, and the ones seen at open snapshots); versions
// are never reused, so a version that is not among them never comes back.
// Everything else, and anything the main thread could not answer, is kept.

import type { CompactionFilterHost, PreparedCompactionFilter } from "../lsm/index.ts";
import { bytesToStr } from "../../net/bytes.ts";
import { COL_META, COL_SUBKEY } from "./encoding.ts";

/** The main thread's answer per metadata key asked: reachable versions, or null = unknown (keep). */
export type ReachableVersions = (number[] | null)[];

/** Length of the sub-key buf[off, off+len)'s `0x02 slot len(userKey) userKey version` head, or 0 if it is not a well-formed sub-key. */
function versionedPrefixLength(buf: Uint8Array, off: number, len: number): number {
  if (buf[off] !== COL_SUBKEY || len < 9) return 0;
  const userKeyLength = ((buf[off + 5] << 24) | (buf[off + 6] << 16) | (buf[off + 7] << 8) | buf[off + 8]) >>> 0;
  const end = 9 + userKeyLength + 8;
  return len >= end ? end : 0;
}

/** `0x01 slot userKey` of a well-formed sub-key whose head is `prefixLength` long. */
function metaKeyOfSubKey(key: Uint8Array, prefixLength: number): Uint8Array {
  const out = new Uint8Array(prefixLength - 8 - 4);
  out[0] = COL_META;
  out.set(key.subarray(1, 5), 1);
  out.set(key.subarray(9, prefixLength - 8), 5);
  return out;
}

function versionOfSubKey(key: Uint8Array, prefixLength: number): number {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return view.getUint32(prefixLength - 8) * 2 ** 32 + view.getUint32(prefixLength - 4);
}

const SUBKEY_PREFIX = Uint8Array.of(COL_SUBKEY);

export function createCompactionFilter(_options: unknown, host: CompactionFilterHost): PreparedCompactionFilter {
  // Answers for the user keys of the last two windows, by latin1 metadata
  // key: the next window is prepared while the current one is decided.
  let reachable = new Map<string, number[] | null>();
  let previous = new Map<string, number[] | null>();

  return {
    // Only sub-keys are ever removed: the merge passes no other key.
    keyPrefix: SUBKEY_PREFIX,
    // One key's sub-keys of one version share their head and its answer: the merge shows one of a run.
    groupLength: versionedPrefixLength,

    async prepare(keys) {
      const next = new Map<string, number[] | null>();
      const ask: Uint8Array[] = [];
      const askIds: string[] = [];
      for (const key of keys) {
        const headLength = versionedPrefixLength(key, 0, key.length);
        if (headLength === 0) continue;
        const metaKey = metaKeyOfSubKey(key, headLength);
        const id = bytesToStr(metaKey);
        if (next.has(id)) continue;
        const known = reachable.get(id) ?? previous.get(id);
        next.set(id, known ?? null);
        if (known === undefined) {
          ask.push(metaKey);
          askIds.push(id);
        }
      }
      if (ask.length > 0) {
        let answers: ReachableVersions;
        try {
          answers = (await host.query(ask)) as ReachableVersions;
        } catch {
          answers = []; // unanswered: keep everything of this window
        }
        askIds.forEach((id, i) => next.set(id, answers[i] ?? null));
      }
      previous = reachable;
      reachable = next;
    },

    decide(key) {
      const headLength = versionedPrefixLength(key, 0, key.length);
      if (headLength === 0) return "keep";
      const id = bytesToStr(metaKeyOfSubKey(key, headLength));
      const versions = reachable.get(id) ?? previous.get(id);
      return versions == null || versions.includes(versionOfSubKey(key, headLength)) ? "keep" : "remove";
    },
  };
}
