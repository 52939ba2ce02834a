// The sizes up to which the memory engine reports a collection's compact
// encoding (OBJECT ENCODING listpack/intset), from Redis's tuning parameters.
// CONFIG SET changes them for later writes, as in Redis: a collection converts
// when a write takes it past a limit, and never back (Redis 7.0).
//
// One value per process (a process runs one server): the per-type ops read it
// directly instead of threading the engine through every primitive.

import type { EncodingLimits } from "../engine.ts";

/** Redis 7.0's defaults, replaced by the server's configuration at start-up (setEncodingLimits). */
export const encodingLimits: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  streamNodeMaxBytes: 4096,
  streamNodeMaxEntries: 100,
};
