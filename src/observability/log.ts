// The server log (Redis's format: pid:role timestamp mark message), to stderr
// or the configured logfile. A function of the config, so that start-up code
// running before the Server exists (opening the storage engine) logs the same way.

import { appendFileSync } from "node:fs";
import type { Config } from "../config/config.ts";

export type LogLevel = "debug" | "verbose" | "notice" | "warning";

const LEVELS: LogLevel[] = ["debug", "verbose", "notice", "warning"];
const MARKS = { debug: ".", verbose: "-", notice: "*", warning: "#" };

export function writeLog(config: Config, level: LogLevel, msg: string): void {
  const cfg = config.str("loglevel");
  if (cfg === "nothing" || LEVELS.indexOf(level) < LEVELS.indexOf(cfg as LogLevel)) return;
  const line = `${process.pid}:M ${new Date().toISOString()} ${MARKS[level]} ${msg}\n`;
  const logfile = config.str("logfile");
  if (logfile === "") process.stderr.write(line);
  else appendFileSync(logfile, line);
}
