// Memory-engine implementation of the set primitives.

import type { SetOps } from "../set-ops.ts";
import type { MemoryDb } from "./memory-engine.ts";

export class MemorySetOps implements SetOps {
  constructor(readonly db: MemoryDb) {}
}
