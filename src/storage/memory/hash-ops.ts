// Memory-engine implementation of the hash primitives.

import type { HashOps } from "../hash-ops.ts";
import type { MemoryDb } from "./memory-engine.ts";

export class MemoryHashOps implements HashOps {
  constructor(readonly db: MemoryDb) {}
}
