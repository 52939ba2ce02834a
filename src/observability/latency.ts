// Latency monitoring (latency.c): per-event time series of latency spikes
// above latency-monitor-threshold, and per-command latency histograms
// (latency-tracking) for INFO latencystats and LATENCY HISTOGRAM.

import type { Command } from "../commands/table.ts";
import { CMD } from "../commands/table.ts";
import type { Config } from "../config/config.ts";
import { LatencyHistogram } from "./latency-histogram.ts";

/** LATENCY_TS_LEN: samples kept per event. */
const SAMPLES_PER_EVENT = 160;

export interface LatencySample {
  /** Unix seconds. */
  time: number;
  ms: number;
}

export class LatencyEvent {
  /** Oldest first, at most one sample per second. */
  readonly samples: LatencySample[] = [];
  max = 0;

  add(time: number, ms: number): void {
    if (ms > this.max) this.max = ms;
    const last = this.samples.at(-1);
    // Same second: keep the worst.
    if (last?.time === time) {
      if (ms > last.ms) last.ms = ms;
      return;
    }
    this.samples.push({ time, ms });
    if (this.samples.length > SAMPLES_PER_EVENT) this.samples.shift();
  }
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();
  readonly histograms = new Map<Command, LatencyHistogram>();
  private thresholdMs = 0;
  private tracking = true;

  constructor(config: Config) {
    const read = () => {
      this.thresholdMs = config.def("latency-monitor-threshold") ? config.num("latency-monitor-threshold") : 0;
      this.tracking = config.def("latency-tracking") ? config.bool("latency-tracking") : true;
    };
    read();
    config.onChange((name) => {
      if (name.startsWith("latency-")) read();
    });
  }

  /** After every command: histogram and, above the threshold, a "command" or "fast-command" spike. */
  recordCommand(cmd: Command, micros: number): void {
    if (this.tracking) {
      let h = cmd.latency;
      if (h === null) this.histograms.set(cmd, (h = cmd.latency = new LatencyHistogram()));
      h.record(micros * 1000);
    }
    if (this.thresholdMs > 0) this.addSampleIfNeeded(cmd.has(CMD.FAST) ? "fast-command" : "command", Math.floor(micros / 1000));
  }

  /** latencyAddSampleIfNeeded, for any event (commands, expire cycles...). */
  addSampleIfNeeded(event: string, ms: number): void {
    if (this.thresholdMs === 0 || ms < this.thresholdMs) return;
    let e = this.events.get(event);
    if (e === undefined) this.events.set(event, (e = new LatencyEvent()));
    e.add(Math.floor(Date.now() / 1000), ms);
  }

  /** CONFIG RESETSTAT clears the histograms. */
  resetHistograms(): void {
    for (const cmd of this.histograms.keys()) cmd.latency = null;
    this.histograms.clear();
  }
}

/** Redis's sparkline graph of an event (latencyCommandGenSparkeline with sparklineRender). */
export function latencyGraph(name: string, event: LatencyEvent, nowSec: number): string {
  const COLUMNS = 80;
  const ROWS = 4;
  const CHARSET = "_o#"; // the SPARKLINE_FILL charset
  const values = event.samples.map((s) => s.ms);
  const labels = event.samples.map((s) => {
    const elapsed = nowSec - s.time;
    if (elapsed < 60) return `${elapsed}s`;
    if (elapsed < 3600) return `${Math.floor(elapsed / 60)}m`;
    if (elapsed < 86400) return `${Math.floor(elapsed / 3600)}h`;
    return `${Math.floor(elapsed / 86400)}d`;
  });
  const min = Math.min(...values);
  const max = Math.max(...values);
  let out = `${name} - high ${max} ms, low ${min} ms (all time high ${event.max} ms)\n${"-".repeat(COLUMNS)}\n`;
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET.length * ROWS;
  for (let offset = 0; offset < values.length; offset += COLUMNS) {
    if (offset !== 0) out += "\n";
    const len = Math.min(COLUMNS, values.length - offset);
    for (let row = 0; ; row++) {
      let line = "";
      let more = false;
      for (let j = 0; j < len; j++) {
        const i = offset + j;
        let ch = " ";
        if (row < ROWS) {
          more = true;
          const step = Math.min(steps - 1, Math.max(0, Math.trunc(((values[i] - min) * steps) / relmax)));
          const idx = step - (ROWS - row - 1) * CHARSET.length;
          if (idx >= 0 && idx < CHARSET.length) ch = CHARSET[idx];
          else if (idx >= CHARSET.length) ch = "|";
        } else if (row === ROWS) {
          // One blank row between the graph and the labels.
          more = true;
        } else if (labels[i].length > row - ROWS - 1) {
          more = true;
          ch = labels[i][row - ROWS - 1];
        }
        line += ch;
      }
      if (!more) break;
      out += line + "\n";
    }
  }
  return out;
}
