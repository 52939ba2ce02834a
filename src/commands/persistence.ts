// SAVE and BGSAVE (LASTSAVE is in server.ts). On a persistent engine both
// make a checkpoint of the data (the engine's checkpoint(): for the LSM
// engine hard links under <dir>/checkpoints/, see lsm-engine/checkpoints.ts)
// without blocking other clients: SAVE answers its caller when the
// checkpoint is complete, BGSAVE at once. INFO persistence reports the state
// (saveStatus below). The memory engine keeps nothing on disk: both fail.

import type { Client } from "../net/client.ts";
import { argIs } from "../net/bytes.ts";
import type { Server, ShutdownOptions } from "../server.ts";
import { fail, SYNTAX } from "./errors.ts";
import type { CommandDef } from "./table.ts";

export interface SaveStatus {
  /** The running checkpoint, or null. */
  running: Promise<void> | null;
  /** BGSAVE SCHEDULE while one runs: another starts when it ends. */
  scheduled: boolean;
  startedAt: number;
  lastOk: boolean;
  /** Seconds the last checkpoint took, -1 before the first. */
  lastSeconds: number;
  saves: number;
}

const statuses = new WeakMap<Server, SaveStatus>();

export function saveStatus(server: Server): SaveStatus {
  let s = statuses.get(server);
  if (s === undefined) statuses.set(server, (s = { running: null, scheduled: false, startedAt: 0, lastOk: true, lastSeconds: -1, saves: 0 }));
  return s;
}

const IN_PROGRESS = "ERR Background save already in progress";

/** Starts a checkpoint; the promise settles when it is complete (or failed). */
function startSave(server: Server): Promise<void> {
  const checkpoint = server.engine.checkpoint;
  if (checkpoint === undefined) fail(`ERR The ${server.engine.name} engine keeps no data on disk: start with --engine lsm to persist`);
  const status = saveStatus(server);
  const dirtyBefore = server.keyspace.dirty;
  status.startedAt = Date.now();
  const run = (async () => {
    // Out of the running command first (its writes form one atomic group in the engine).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const { path, at } = await checkpoint.call(server.engine);
      server.lastSaveAt = at;
      server.keyspace.dirty -= dirtyBefore;
      status.lastOk = true;
      status.saves++;
      server.log("notice", `DB saved on disk (checkpoint ${path})`);
    } catch (e) {
      status.lastOk = false;
      server.log("warning", `Checkpoint failed: ${(e as Error).message}`);
      throw e;
    } finally {
      status.lastSeconds = Math.round((Date.now() - status.startedAt) / 1000);
      status.running = null;
      if (status.scheduled) {
        status.scheduled = false;
        startSave(server).catch(() => {});
      }
    }
  })();
  status.running = run;
  return run;
}

/**
 * The shutdown hook (SHUTDOWN, SIGTERM/SIGINT): a checkpoint when SAVE was
 * given, or when save points are configured and NOSAVE was not, as Redis's
 * finishShutdown. A failed save aborts the shutdown unless FORCE.
 */
export async function saveOnShutdown(server: Server, opts: ShutdownOptions): Promise<void> {
  if (!(opts.save ?? server.config.str("save") !== "")) return;
  if (server.engine.checkpoint === undefined) {
    server.log("notice", `The ${server.engine.name} engine keeps no data on disk: nothing to save before exiting`);
    return;
  }
  server.log("warning", "Saving the final checkpoint before exiting.");
  const status = saveStatus(server);
  while (status.running !== null) await status.running.catch(() => {});
  try {
    await startSave(server);
  } catch (e) {
    if (opts.force) return server.log("warning", "Error trying to save the DB. Exit anyway.");
    server.log("warning", "Error trying to save the DB, can't exit.");
    throw e;
  }
}

/** SAVE: replies when the checkpoint is on disk; the caller waits, other clients don't. */
function save(c: Client): void {
  const server = c.server;
  if (saveStatus(server).running !== null) fail(IN_PROGRESS);
  const done = startSave(server);
  c.blocked = true;
  const reply = (write: (c: Client) => void) => {
    c.blocked = false;
    if (!c.closed) server.deliver(c, () => write(c));
    server.resumeClient(c);
  };
  done.then(
    () => reply((cl) => cl.out.simple("OK")),
    (e: Error) => reply((cl) => cl.out.error(`ERR ${e.message}`)),
  );
}

function bgsave(c: Client, argv: Uint8Array[]): void {
  if (argv.length > 2 || (argv.length === 2 && !argIs(argv[1], "schedule"))) fail(SYNTAX);
  const status = saveStatus(c.server);
  if (status.running !== null) {
    if (argv.length === 1) fail(IN_PROGRESS);
    status.scheduled = true;
    return c.out.simple("Background saving scheduled");
  }
  startSave(c.server).catch(() => {}); // reported by INFO (rdb_last_bgsave_status) and the log
  c.out.simple("Background saving started");
}

export const persistenceCommands: CommandDef[] = [
  { name: "save", summary: "Synchronously saves the database(s) to disk.", run: save },
  { name: "bgsave", summary: "Asynchronously saves the database(s) to disk.", run: bgsave },
];
