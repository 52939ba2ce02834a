// Errors a command raises; the dispatcher turns them into error replies.

/** An error reply. `message` includes the error code, e.g. "ERR syntax error". */
export class CommandError extends Error {}

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
export const SYNTAX = "ERR syntax error";
export const NOT_INTEGER = "ERR value is not an integer or out of range";
export const NOT_FLOAT = "ERR value is not a valid float";
export const NO_SUCH_KEY = "ERR no such key";
export const OVERFLOW = "ERR increment or decrement would overflow";

export function fail(message: string): never {
  throw new CommandError(message);
}
