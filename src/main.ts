// aikv: the server executable.

import { parseCommandLine } from "./config/cli.ts";
import { Server, VERSION } from "./server.ts";

const cli = parseCommandLine(process.argv.slice(2), VERSION);
if (cli.kind === "exit") {
  (cli.code === 0 ? process.stdout : process.stderr).write(cli.output);
  process.exit(cli.code);
}

const server = new Server(cli.config);
try {
  server.listen();
} catch (e) {
  process.stderr.write(`Failed listening on ${cli.config.str("bind")}:${cli.config.num("port")}: ${(e as Error).message}\n`);
  process.exit(1);
}
server.log("notice", `AiKv ${VERSION} ready to accept connections tcp on port ${server.port} (engine ${server.engine.name})`);

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    server.log("warning", `Received ${sig}, shutting down`);
    void server.shutdown().then(() => process.exit(0));
  });
}
