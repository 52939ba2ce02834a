// MONITOR: every executed command is fed to the monitoring clients as a
// status line, formatted like Redis's replicationFeedMonitors:
//   +1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"

import { CommandError } from "../commands/errors.ts";
import { CMD, type Command } from "../commands/table.ts";
import type { Client } from "../net/client.ts";
import type { Server } from "../server.ts";

export class MonitorFeed {
  private readonly monitors = new Set<Client>();
  /** Lines for a monitor's own commands nested in its EXEC or script, sent after that reply. */
  private readonly deferred = new Map<Client, string[]>();

  constructor(private readonly server: Server) {
    server.onClientCleanup((c) => this.remove(c));
    // A monitor is a replica-like client in Redis: it may not touch the keyspace.
    server.intercept((c, cmd) => {
      if (c.monitor && cmd.has(CMD.READONLY | CMD.WRITE | CMD.MAY_REPLICATE)) {
        throw new CommandError("ERR Replica can't interact with the keyspace");
      }
      return false;
    });
  }

  /** Puts c in monitor mode; false when it already was. */
  add(c: Client): boolean {
    if (this.monitors.has(c)) return false;
    this.monitors.add(c);
    c.monitor = true;
    return true;
  }

  remove(c: Client): void {
    if (this.monitors.delete(c)) c.monitor = false;
    this.deferred.delete(c);
  }

  /** Sends the command to every monitor, unless it is too sensitive to show (admin, skip_monitor). */
  feed(c: Client, cmd: Command, argv: Uint8Array[]): void {
    if (this.monitors.size === 0) return;
    const topLevel = this.server.executing === null;
    if (topLevel) this.flushDeferred(c);
    if (cmd.has(CMD.SKIP_MONITOR | CMD.ADMIN)) return;
    // Socketless clients are the scripting engine's, which Redis shows as "lua".
    const line = formatMonitorLine(nowMicros(), c.db.index, c.socket ? c.addr : "lua", argv);
    for (const m of this.monitors) {
      // CLIENT REPLY OFF silences the feed too, as in Redis.
      if (m.closed || m.replyMode === "off") continue;
      if (m !== c && m !== this.server.executing) {
        this.server.deliver(m, (out) => out.simple(line));
      } else if (topLevel) {
        // The monitor's own command: after its reply, as Redis does.
        m.out.simple(line);
      } else {
        // Nested in the monitor's EXEC or script, whose reply is still being written.
        const lines = this.deferred.get(m);
        if (lines) lines.push(line);
        else this.deferred.set(m, [line]);
      }
    }
  }

  private flushDeferred(c: Client): void {
    const lines = this.deferred.get(c);
    if (lines === undefined) return;
    this.deferred.delete(c);
    if (c.replyMode !== "off") for (const line of lines) c.out.simple(line);
  }
}

/** Unix time in microseconds. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function formatMonitorLine(micros: number, db: number, addr: string, argv: Uint8Array[]): string {
  const sec = Math.floor(micros / 1e6);
  const usec = String(micros % 1e6).padStart(6, "0");
  let line = `${sec}.${usec} [${db} ${addr}]`;
  for (const a of argv) line += " " + quoteRepr(a);
  return line;
}

/** sdscatrepr: a double-quoted, escaped representation of bytes. */
export function quoteRepr(b: Uint8Array): string {
  let s = '"';
  for (const ch of b) {
    switch (ch) {
      case 0x5c: s += "\\\\"; break;
      case 0x22: s += '\\"'; break;
      case 0x0a: s += "\\n"; break;
      case 0x0d: s += "\\r"; break;
      case 0x09: s += "\\t"; break;
      case 0x07: s += "\\a"; break;
      case 0x08: s += "\\b"; break;
      default:
        s += ch >= 0x20 && ch <= 0x7e ? String.fromCharCode(ch) : "\\x" + ch.toString(16).padStart(2, "0");
    }
  }
  return s + '"';
}
