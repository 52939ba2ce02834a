// Runtime configuration: a registry of parameters with types and range
// checks (params.ts), shared by the command line, the config file and
// CONFIG GET/SET.

import { PARAMS, type ParamDef } from "./params.ts";

export class ConfigError extends Error {}

export type ConfigListener = (name: string, value: string) => void;

export class Config {
  private readonly values = new Map<string, string>();
  private readonly byName = new Map<string, ParamDef>();
  private readonly listeners: ConfigListener[] = [];

  constructor() {
    for (const p of PARAMS) {
      this.byName.set(p.name, p);
      for (const a of p.aliases ?? []) this.byName.set(a, p);
      this.values.set(p.name, p.default);
    }
  }

  /** The definition of a parameter by name or alias (case-insensitive). */
  def(name: string): ParamDef | undefined {
    return this.byName.get(name.toLowerCase());
  }

  params(): readonly ParamDef[] {
    return PARAMS;
  }

  str(name: string): string {
    const p = this.def(name);
    if (p === undefined) throw new Error(`unknown config parameter ${name}`);
    return this.values.get(p.name)!;
  }

  num(name: string): number {
    return parseNumeric(this.def(name)!, this.str(name));
  }

  bool(name: string): boolean {
    return this.str(name) === "yes";
  }

  /**
   * Validates and sets a parameter. Throws ConfigError with the reason
   * (Redis's wording) when the name is unknown or the value is invalid.
   * `startup` allows immutable parameters.
   */
  set(name: string, value: string, startup = false): void {
    const p = this.def(name);
    if (p === undefined) throw new ConfigError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
    if (!startup && p.immutable) throw new ConfigError(`can't set immutable config`);
    const normalized = normalize(p, value);
    this.values.set(p.name, normalized);
    for (const fn of this.listeners) fn(p.name, normalized);
  }

  onChange(fn: ConfigListener): void {
    this.listeners.push(fn);
  }
}

const UNITS: Record<string, number> = {
  "": 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
};

/** Parses "100mb"-style memory values like Redis's memtoull. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-z]*)$/i.exec(s.trim());
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

function parseNumeric(p: ParamDef, v: string): number {
  if (p.type === "memory") return parseMemory(v) ?? 0;
  return Number(v);
}

function normalize(p: ParamDef, value: string): string {
  switch (p.type) {
    case "bool": {
      const v = value.toLowerCase();
      if (v !== "yes" && v !== "no") throw new ConfigError("argument must be 'yes' or 'no'");
      return v;
    }
    case "int":
    case "memory": {
      const n = p.type === "memory" ? parseMemory(value) : /^-?\d+$/.test(value.trim()) ? Number(value) : null;
      if (n === null || !Number.isFinite(n)) {
        throw new ConfigError(p.type === "memory" ? "argument must be a memory value" : "argument couldn't be parsed into an integer");
      }
      if ((p.min !== undefined && n < p.min) || (p.max !== undefined && n > p.max)) {
        throw new ConfigError(`argument must be between ${p.min} and ${p.max} inclusive`);
      }
      return p.type === "memory" ? value.toLowerCase() : String(n);
    }
    case "enum": {
      const parts = value.toLowerCase().split(/\s+/).filter(Boolean);
      const ok = p.multi ? parts.length > 0 : parts.length === 1;
      if (!ok || parts.some((x) => !p.values!.includes(x))) {
        throw new ConfigError(`argument(s) must be one of the following: ${p.values!.join(", ")}`);
      }
      return parts.join(" ");
    }
    case "string":
      if (p.validate) {
        const err = p.validate(value);
        if (err !== null) throw new ConfigError(err);
      }
      return value;
  }
}
