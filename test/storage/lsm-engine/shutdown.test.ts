import { expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rawConnect, startAikv, type RunningServer } from "../../helpers/server.ts";

// The final save on the lsm engine, with Redis's SHUTDOWN semantics: SAVE
// makes a checkpoint even without save points, NOSAVE never, no argument (and
// SIGTERM) when save points are configured; a failed save aborts the
// shutdown unless FORCE.

function checkpoints(srv: RunningServer): string[] {
  const root = join(srv.dir, "checkpoints");
  return existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, "CURRENT"))) : [];
}

async function shutdownWith(srv: RunningServer, command: string): Promise<number> {
  const conn = await rawConnect(srv.port);
  conn.send(`${command}\r\n`);
  return srv.proc.exited;
}

test("SHUTDOWN SAVE checkpoints without save points, SHUTDOWN NOSAVE never; the checkpoint holds the data", async () => {
  const saved = await startAikv(["--engine", "lsm", "--save", ""]);
  const nosave = await startAikv(["--engine", "lsm"]); // Redis's default save points
  try {
    await saved.client().set("k", "v");
    await nosave.client().set("k", "v");
    expect(await shutdownWith(saved, "SHUTDOWN SAVE")).toBe(0);
    expect(await shutdownWith(nosave, "SHUTDOWN NOSAVE")).toBe(0);
    expect(checkpoints(saved).length).toBe(1);
    expect(saved.output()).toContain("Saving the final checkpoint before exiting.");
    expect(saved.output()).toMatch(/DB saved on disk \(checkpoint .*checkpoints/);
    expect(checkpoints(nosave)).toEqual([]);
    const restored = await startAikv(["--engine", "lsm"], { dir: join(saved.dir, "checkpoints", checkpoints(saved)[0]) });
    try {
      expect(await restored.client().get("k")).toBe("v");
    } finally {
      await restored.stop();
    }
  } finally {
    await saved.stop();
    await nosave.stop();
  }
}, 60_000);

test("SIGTERM checkpoints when save points are configured (shutdown-on-sigterm default), not with save ''", async () => {
  const withSavePoints = await startAikv(["--engine", "lsm"]);
  const without = await startAikv(["--engine", "lsm", "--save", ""]);
  try {
    for (const srv of [withSavePoints, without]) {
      await srv.client().set("k", "v");
      srv.proc.kill("SIGTERM");
      expect(await srv.proc.exited).toBe(0);
    }
    expect(checkpoints(withSavePoints).length).toBe(1);
    expect(checkpoints(without)).toEqual([]);
  } finally {
    await withSavePoints.stop();
    await without.stop();
  }
}, 60_000);

test("a failed final save aborts SHUTDOWN (the server goes on) unless FORCE", async () => {
  const srv = await startAikv(["--engine", "lsm"]);
  try {
    writeFileSync(join(srv.dir, "checkpoints"), "not a directory");
    const r = srv.client();
    await expect(r.shutdown("SAVE")).rejects.toThrow("ERR Errors trying to SHUTDOWN. Check logs.");
    await expect(r.call("SHUTDOWN")).rejects.toThrow("ERR Errors trying to SHUTDOWN. Check logs.");
    expect(await r.set("still", "serving")).toBe("OK");
    expect(srv.output()).toContain("Error trying to save the DB, can't exit.");
    expect(await shutdownWith(srv, "SHUTDOWN SAVE FORCE")).toBe(0);
    expect(srv.output()).toContain("Error trying to save the DB. Exit anyway.");
  } finally {
    await srv.stop();
  }
}, 60_000);
