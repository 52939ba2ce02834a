// aikv: the server executable.

import { unlinkSync, writeFileSync } from "node:fs";
import { parseCommandLine } from "./config/cli.ts";
import { type Config, ineffectiveParams } from "./config/config.ts";
import { type LogLevel, writeLog } from "./observability/log.ts";
import type { StorageEngine } from "./storage/engine.ts";
import { lowerCompilerThreadPriority } from "./util/thread-priority.ts";
import { VERSION } from "./version.ts";

const cli = parseCommandLine(process.argv.slice(2), VERSION);
if (cli.kind === "exit") {
  (cli.code === 0 ? process.stdout : process.stderr).write(cli.output);
  process.exit(cli.code);
}
const config = cli.config;
// Loaded only now, so that --help and configuration errors answer fast.
const { Server } = await import("./server.ts");
const { MemoryEngine } = await import("./storage/memory/memory-engine.ts");

function fatal(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

async function openEngine(config: Config): Promise<StorageEngine> {
  const name = config.str("engine");
  if (name === "memory") return new MemoryEngine(config.num("databases"));
  if (name === "lsm") {
    const { LsmEngine } = await import("./storage/lsm-engine/lsm-engine.ts");
    const appendfsync = config.str("appendfsync");
    const syncPolicy = appendfsync === "always" || appendfsync === "no" ? appendfsync : "everysec";
    try {
      const log = (level: LogLevel, msg: string) => writeLog(config, level, msg);
      const engine = await LsmEngine.open({ dir: config.str("dir"), dbCount: config.num("databases"), syncPolicy, log });
      (await import("./storage/lsm-engine/cache-budget.ts")).followMaxmemory(config, engine);
      return engine;
    } catch (e) {
      return fatal(`Failed opening the lsm storage engine: ${(e as Error).message}`);
    }
  }
  return fatal(`The '${name}' storage engine is not available in this build.`);
}

const server = new Server(config, await openEngine(config));
// First hook: the final save (SHUTDOWN SAVE, or save points configured).
const { saveOnShutdown } = await import("./commands/persistence.ts");
server.shutdownHooks.push((opts) => saveOnShutdown(server, opts));
// Scripting's Lua runtime is a WebAssembly module: loaded (asynchronously) before serving.
await (await import("./scripting/lua-runtime.ts")).loadLuaRuntime();
try {
  server.listen();
} catch (e) {
  fatal(`Failed listening on ${config.str("bind")} port ${config.num("port")}: ${(e as Error).message}`);
}

const pidfile = config.str("pidfile");
if (pidfile !== "") {
  try {
    writeFileSync(pidfile, `${process.pid}\n`);
  } catch (e) {
    server.log("warning", `Failed to write PID file ${pidfile}: ${(e as Error).message}`);
  }
  server.shutdownHooks.push(() => unlinkSync(pidfile));
}

const ineffective = ineffectiveParams(config);
if (ineffective.length > 0) {
  server.log("warning", `These parameters are set but have no effect in AiKv: ${ineffective.join(", ")}`);
}
if (config.file !== null) server.log("notice", `Configuration loaded from ${config.file}`);

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    server.log("warning", `Received ${sig}, shutting down`);
    // shutdown-on-sigterm / shutdown-on-sigint: "default", or save|nosave, now, force.
    const flags = config.str(`shutdown-on-${sig.toLowerCase()}`).split(" ");
    const save = flags.includes("save") ? true : flags.includes("nosave") ? false : undefined;
    server.shutdown({ save, force: flags.includes("force") }).then(
      () => process.exit(0),
      () => server.log("warning", `${sig} received but errors trying to shut down the server, check the logs for more information`),
    );
  });
}
// The JIT's compiler threads exist by now (start-up code was compiled): they yield to the event loop and the clients.
server.log("debug", `JIT compiler threads lowered to a background priority: ${lowerCompilerThreadPriority()}`);
// Last: a supervisor that signals once it reads this line reaches the handlers above, not the default action (exit 143).
server.log("notice", `AiKv ${VERSION} ready to accept connections tcp on port ${server.port} (engine ${server.engine.name})`);
