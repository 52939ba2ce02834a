// Invariant checks. A violated invariant in a consensus core means the
// safety argument no longer holds, so we fail loudly instead of limping on
// with a corrupted log.
export class RaftInvariantError extends Error {
  override name = "RaftInvariantError";
}

export function assert(cond: unknown, msg: string | (() => string)): asserts cond {
  if (!cond) throw new RaftInvariantError(typeof msg === "function" ? msg() : msg);
}
