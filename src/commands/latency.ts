// LATENCY (latency.c): the latency monitor's events and the per-command
// latency histograms.

import type { Client } from "../net/client.ts";
import { bytesToStr } from "../net/bytes.ts";
import { latencyGraph, type LatencyEvent } from "../observability/latency.ts";
import type { LatencyHistogram } from "../observability/latency-histogram.ts";
import { fail } from "./errors.ts";
import { replyHelp } from "./help.ts";
import type { Command, CommandDef } from "./table.ts";

function monitor(c: Client) {
  return c.server.observability.latency;
}

function latest(c: Client): void {
  const out = c.out;
  const events = monitor(c).events;
  out.array(events.size);
  for (const [name, e] of events) {
    const last = e.samples.at(-1)!;
    out.array(4);
    out.bulkStr(name);
    out.int(last.time);
    out.int(last.ms);
    out.int(e.max);
  }
}

function history(c: Client, argv: Uint8Array[]): void {
  const samples = monitor(c).events.get(bytesToStr(argv[2]))?.samples ?? [];
  const out = c.out;
  out.array(samples.length);
  for (const s of samples) {
    out.array(2);
    out.int(s.time);
    out.int(s.ms);
  }
}

function graph(c: Client, argv: Uint8Array[]): void {
  const name = bytesToStr(argv[2]);
  const event = monitor(c).events.get(name);
  if (event === undefined) fail(`ERR No samples available for event '${name}'`);
  c.out.verbatim(latencyGraph(name, event, Math.floor(Date.now() / 1000)));
}

function reset(c: Client, argv: Uint8Array[]): void {
  const events = monitor(c).events;
  if (argv.length === 2) {
    const n = events.size;
    events.clear();
    return c.out.int(n);
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (events.delete(bytesToStr(argv[i]))) n++;
  c.out.int(n);
}

/** Mean and mean deviation of an event's samples, and the average period between them (analyzeLatencyForEvent). */
function analyze(e: LatencyEvent): { avg: number; mad: number; period: number } {
  const samples = e.samples;
  const avg = samples.reduce((s, x) => s + x.ms, 0) / samples.length;
  const mad = samples.reduce((s, x) => s + Math.abs(x.ms - avg), 0) / samples.length;
  const span = samples.length > 1 ? samples.at(-1)!.time - samples[0].time : 0;
  const period = samples.length > 1 ? span / (samples.length - 1) : 1;
  return { avg, mad, period };
}

function doctor(c: Client): void {
  const events = monitor(c).events;
  if (events.size === 0) {
    return c.out.verbatim(
      "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n",
    );
  }
  let report = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  for (const [name, e] of events) {
    const { avg, mad, period } = analyze(e);
    report += `${i++}. ${name}: ${e.samples.length} latency spikes (average ${Math.round(avg)}ms, mean deviation ${Math.round(mad)}ms, period ${period.toFixed(2)} sec). Worst all time event ${e.max}ms.\n`;
  }
  report +=
    "\nI have a few advices for you:\n\n- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n";
  c.out.verbatim(report);
}

/** LATENCY HISTOGRAM [command ...]: cumulative distributions in microseconds. */
function histogram(c: Client, argv: Uint8Array[]): void {
  const histograms = monitor(c).histograms;
  const picked: [Command, LatencyHistogram][] = [];
  const pick = (cmd: Command) => {
    const h = histograms.get(cmd);
    if (h !== undefined) picked.push([cmd, h]);
  };
  if (argv.length === 2) {
    for (const entry of histograms) picked.push(entry);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const name = bytesToStr(argv[i]);
      const bar = name.indexOf("|");
      const table = c.server.commands;
      const cmd = bar < 0 ? table.get(name) : table.get(name.slice(0, bar))?.subcommands?.get(name.slice(bar + 1).toLowerCase());
      if (cmd === undefined) continue;
      pick(cmd);
      if (cmd.subcommands) for (const sub of cmd.subcommands.values()) pick(sub);
    }
  }
  const out = c.out;
  out.map(picked.length);
  for (const [cmd, h] of picked) {
    out.bulkStr(cmd.name);
    out.map(2);
    out.bulkStr("calls");
    out.int(h.total);
    out.bulkStr("histogram_usec");
    const cdf = h.cumulative();
    out.map(cdf.length);
    for (const [nanos, count] of cdf) {
      out.int(Math.floor(nanos / 1000));
      out.int(count);
    }
  }
}

const LATENCY_HELP = [
  "DOCTOR",
  "    Return a human readable latency analysis report.",
  "GRAPH <event>",
  "    Return an ASCII latency graph for the <event> class.",
  "HISTORY <event>",
  "    Return time-latency samples for the <event> class.",
  "LATEST",
  "    Return the latest latency samples for all events.",
  "RESET [<event> ...]",
  "    Reset latency data of one or more <event> classes.",
  "    (default: reset all data for all event classes)",
  "HISTOGRAM [COMMAND ...]",
  "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
  "    If no commands are specified then all histograms are replied.",
];

export const latencyCommands: CommandDef[] = [
  {
    name: "latency",
    summary: "A container for latency diagnostics commands.",
    complexity: "Depends on subcommand.",
    subcommands: [
      { name: "latest", summary: "Returns the latest latency samples for all events.", complexity: "O(1)", run: latest },
      { name: "history", summary: "Returns timestamp-latency samples for an event.", complexity: "O(1)", run: history },
      { name: "graph", summary: "Returns a latency graph for an event.", complexity: "O(1)", run: graph },
      { name: "reset", summary: "Resets the latency data for one or more events.", complexity: "O(1)", run: reset },
      { name: "doctor", summary: "Returns a human-readable latency analysis report.", complexity: "O(1)", run: doctor },
      { name: "histogram", summary: "Returns the cumulative distribution of latencies of a subset or all commands.", complexity: "O(N) where N is the number of commands with latency information being retrieved.", run: histogram },
      { name: "help", summary: "Returns helpful text about the different subcommands.", complexity: "O(1)", run: (c) => replyHelp(c, "LATENCY", LATENCY_HELP) },
    ],
  },
];
