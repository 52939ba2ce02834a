// Memory-engine implementation of the zset primitives.

import type { ZSetOps } from "../zset-ops.ts";
import type { MemoryDb } from "./memory-engine.ts";

export class MemoryZSetOps implements ZSetOps {
  constructor(readonly db: MemoryDb) {}
}
