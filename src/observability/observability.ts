// Wires the observability subsystems into a server: the slow log and the
// MONITOR feed observe every command, the cron samples instantaneous metrics
// and the memory peak, and the standard INFO sections are loaded.

import { randomBytes } from "node:crypto";
import { CMD } from "../commands/table.ts";
import type { Server } from "../server.ts";
import "./info-sections.ts";
import { usedMemory } from "./info-sections.ts";
import { LatencyMonitor } from "./latency.ts";
import { MonitorFeed } from "./monitor.ts";
import { SlowLog } from "./slowlog.ts";
import { RateSampler, SAMPLE_PERIOD_MS } from "./stats.ts";

export class Observability {
  readonly slowlog: SlowLog;
  readonly monitors: MonitorFeed;
  readonly latency: LatencyMonitor;
  readonly opsPerSec = new RateSampler();
  readonly inputBytesPerSec = new RateSampler();
  readonly outputBytesPerSec = new RateSampler();
  /** INFO server run_id and replication master_replid: random per process, like Redis. */
  readonly runId = randomBytes(20).toString("hex");
  private replIdValue = randomBytes(20).toString("hex");
  readonly startupMemory = usedMemory();
  peakMemory = this.startupMemory;
  private lastSample = 0;

  /** INFO replication master_replid. */
  get replId(): string {
    return this.replIdValue;
  }

  /** DEBUG CHANGE-REPL-ID. */
  changeReplId(): void {
    this.replIdValue = randomBytes(20).toString("hex");
  }

  constructor(server: Server) {
    this.slowlog = new SlowLog(server.config);
    this.monitors = new MonitorFeed(server);
    this.latency = new LatencyMonitor(server.config);
    server.observe((c, cmd, argv, micros) => {
      if (!cmd.has(CMD.SKIP_SLOWLOG)) this.slowlog.record(c, argv, micros);
      this.monitors.feed(c, cmd, argv);
      this.latency.recordCommand(cmd, micros);
    });
    // CONFIG RESETSTAT: Redis clears the latency histograms and the instantaneous metrics, not the slow log.
    server.onResetStats(() => {
      this.latency.resetHistograms();
      for (const sampler of [this.opsPerSec, this.inputBytesPerSec, this.outputBytesPerSec]) sampler.reset();
    });
    server.onCron((now) => {
      if (now - this.lastSample < SAMPLE_PERIOD_MS) return;
      this.lastSample = now;
      const st = server.stats;
      this.opsPerSec.sample(now, st.commandsProcessed);
      this.inputBytesPerSec.sample(now, st.netInputBytes);
      this.outputBytesPerSec.sample(now, st.netOutputBytes);
      this.peakMemory = Math.max(this.peakMemory, usedMemory());
    });
  }
}
