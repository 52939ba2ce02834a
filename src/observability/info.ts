// INFO: an ordered registry of sections, each built from field providers.
// The standard Redis sections are provided by info-sections.ts; other
// subsystems add their own fields or sections at import time:
//
//   addInfoFields("clients", (s) => [["blocked_clients", blockedCount(s)]]);
//   registerInfoSection("lsm", (s) => [["lsm_sstables", ...]]);
//
// A provided field whose name is already in the section replaces that value
// in place, so a subsystem can fill in a standard field (blocked_clients,
// pubsub_channels...) at the position Redis prints it.

import type { Server } from "../server.ts";

export type InfoValue = string | number;
export type InfoFields = [name: string, value: InfoValue][];
export type InfoProvider = (server: Server) => InfoFields;

interface Section {
  name: string;
  title: string;
  /** Part of INFO without arguments / INFO default. */
  inDefault: boolean;
  /** Redis's own fields of the section (info-sections.ts); always printed first. */
  standard: InfoProvider | null;
  providers: InfoProvider[];
}

/** Sections in output order; the standard ones are declared up front so fields can be added in any import order. */
const sections: Section[] = [];
const byName = new Map<string, Section>();

function declare(name: string, title: string, inDefault: boolean): Section {
  const s: Section = { name, title, inDefault, standard: null, providers: [] };
  sections.push(s);
  byName.set(name, s);
  return s;
}

for (const [name, title, inDefault] of [
  ["server", "Server", true], ["clients", "Clients", true], ["memory", "Memory", true],
  ["persistence", "Persistence", true], ["stats", "Stats", true], ["replication", "Replication", true],
  ["cpu", "CPU", true], ["modules", "Modules", true], ["commandstats", "Commandstats", false],
  ["errorstats", "Errorstats", true], ["latencystats", "Latencystats", false], ["cluster", "Cluster", true], ["keyspace", "Keyspace", true],
] as const) {
  declare(name, title, inDefault);
}

/**
 * Adds a section (or a provider to an existing one). New sections print after
 * the standard ones and belong to INFO default unless `inDefault` is false.
 */
export function registerInfoSection(name: string, provider: InfoProvider, opts: { title?: string; inDefault?: boolean } = {}): void {
  const key = name.toLowerCase();
  const s = byName.get(key) ?? declare(key, opts.title ?? key[0].toUpperCase() + key.slice(1), opts.inDefault ?? true);
  if (opts.title !== undefined) s.title = opts.title;
  if (opts.inDefault !== undefined) s.inDefault = opts.inDefault;
  s.providers.push(provider);
}

/** Sets the standard fields of one of Redis's sections (info-sections.ts), whatever the import order. */
export function setStandardInfoFields(section: string, provider: InfoProvider): void {
  byName.get(section)!.standard = provider;
}

/** Adds fields to a section (replacing same-name fields in place). */
export function addInfoFields(section: string, provider: InfoProvider): void {
  registerInfoSection(section, provider);
}

/** The sections INFO's arguments select, in output order (genInfoSectionDict). */
function selectSections(args: string[]): Section[] {
  if (args.length === 0) return sections.filter((s) => s.inDefault);
  const wanted = new Set(args.map((a) => a.toLowerCase()));
  if (wanted.has("all") || wanted.has("everything")) return sections;
  const withDefault = wanted.has("default");
  return sections.filter((s) => wanted.has(s.name) || (withDefault && s.inDefault));
}

/** The INFO text for the given arguments (section names, all, everything, default). */
export function renderInfo(server: Server, args: string[]): string {
  let text = "";
  let first = true;
  for (const s of selectSections(args)) {
    const fields = new Map<string, InfoValue>();
    for (const provide of s.standard ? [s.standard, ...s.providers] : s.providers) {
      for (const [k, v] of provide(server)) fields.set(k, v);
    }
    if (!first) text += "\r\n";
    first = false;
    text += `# ${s.title}\r\n`;
    for (const [k, v] of fields) text += `${k}:${v}\r\n`;
  }
  return text;
}

/** Redis's bytesToHuman: 1023B, 1.00K, 2.50M... */
export function bytesToHuman(n: number): string {
  const units = ["K", "M", "G", "T", "P"];
  if (n < 1024) return `${n}B`;
  let v = n / 1024;
  for (const u of units) {
    if (v < 1024 || u === "P") return `${v.toFixed(2)}${u}`;
    v /= 1024;
  }
  return `${n}B`;
}
