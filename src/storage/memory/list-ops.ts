// Memory-engine implementation of the list primitives.

import type { ListOps } from "../list-ops.ts";
import type { MemoryDb } from "./memory-engine.ts";

export class MemoryListOps implements ListOps {
  constructor(readonly db: MemoryDb) {}
}
