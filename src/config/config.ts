// Runtime configuration: the current value of every parameter in the
// registry (params.ts), shared by the command line, the config file and
// CONFIG GET/SET/REWRITE. Values are kept in the form CONFIG GET prints.

import { ConfigError, ConfigSetError } from "./errors.ts";
import { PARAMS, type ParamDef } from "./params.ts";
import { isMultiArg, numericValue, parseValue, splitSetValue } from "./values.ts";

export { ConfigError, ConfigSetError } from "./errors.ts";

/** Called after CONFIG SET changed a parameter (primary name, new value). */
export type ConfigListener = (name: string, value: string) => void;

/** Who is asking for a CONFIG SET: protected parameters may depend on it. */
export interface SetContext {
  /** The client connects from a loopback address (enable-protected-configs local). */
  isLocal: boolean;
}

export class Config {
  private readonly values = new Map<string, string>();
  private readonly byName = new Map<string, ParamDef>();
  private readonly listeners: ConfigListener[] = [];
  /** Absolute path of the config file given at start-up (CONFIG REWRITE writes it), or null. */
  file: string | null = null;

  constructor() {
    for (const p of PARAMS) {
      this.byName.set(p.name, p);
      for (const a of p.aliases ?? []) this.byName.set(a, p);
      this.values.set(p.name, p.default);
    }
  }

  /** The definition of a parameter by name or alias (case-insensitive). */
  def(name: string): ParamDef | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  params(): readonly ParamDef[] {
    return PARAMS;
  }

  /** The current value as CONFIG GET prints it. */
  str(name: string): string {
    const p = this.def(name);
    if (p === undefined) throw new Error(`unknown config parameter ${name}`);
    return this.values.get(p.name)!;
  }

  /** A numeric parameter's value (memory values in bytes). */
  num(name: string): number {
    return numericValue(this.def(name)!, this.str(name));
  }

  bool(name: string): boolean {
    return this.str(name) === "yes";
  }

  /**
   * Applies one config-file line or command-line option (`name args...`) at
   * start-up, where immutable parameters may be set. `accumulate` makes
   * parameters whose repeated lines add up (save) append to their value.
   * Throws ConfigError with Redis's reason.
   */
  load(name: string, args: string[], accumulate = false): void {
    const p = this.def(name);
    if (p === undefined) throw new ConfigError("Bad directive or wrong number of arguments");
    if (!isMultiArg(p) && args.length !== 1) throw new ConfigError("wrong number of arguments");
    const current = this.values.get(p.name)!;
    if (accumulate && p.format?.accumulate) {
      const added = args.length === 1 && args[0] === "" ? [] : args;
      args = [...splitSetValue(current), ...added];
    }
    this.values.set(p.name, parseValue(p, args, current));
  }

  /**
   * CONFIG SET: sets several parameters atomically. Every name is checked
   * first (unknown, immutable, protected, duplicate), then every value;
   * nothing changes unless all are valid. Listeners hear about the parameters
   * whose value changed. Throws ConfigSetError with Redis's message.
   */
  setMany(pairs: readonly (readonly [string, string])[], ctx: SetContext = { isLocal: true }): void {
    const defs: ParamDef[] = [];
    const seen = new Set<string>();
    let refusal: string | null = null;
    for (const [name] of pairs) {
      const p = this.def(name);
      if (p === undefined && refusal === null) {
        throw new ConfigSetError(`Unknown option or number of arguments for CONFIG SET - '${name}'`);
      }
      if (p === undefined || refusal !== null) continue;
      defs.push(p);
      const why = p.immutable ? "can't set immutable config"
        : p.protected && !this.allowsProtected(ctx) ? "can't set protected config"
        : seen.has(name.toLowerCase()) ? "duplicate parameter"
        : null;
      if (why !== null) refusal = failed(name, why);
      seen.add(name.toLowerCase());
    }
    if (refusal !== null) throw new ConfigSetError(refusal);
    const updates = new Map<string, string>();
    pairs.forEach(([name, value], i) => {
      const p = defs[i];
      const current = updates.get(p.name) ?? this.values.get(p.name)!;
      try {
        updates.set(p.name, parseValue(p, isMultiArg(p) ? splitSetValue(value) : [value], current));
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigSetError(failed(name.toLowerCase(), e.message));
        throw e;
      }
    });
    const changed: [string, string][] = [];
    for (const [name, value] of updates) {
      if (this.values.get(name) !== value) changed.push([name, value]);
      this.values.set(name, value);
    }
    for (const [name, value] of changed) for (const fn of this.listeners) fn(name, value);
  }

  /** Sets one parameter as CONFIG SET does (see setMany). */
  set(name: string, value: string): void {
    this.setMany([[name, value]]);
  }

  /** Registers a listener for CONFIG SET changes. */
  onChange(fn: ConfigListener): void {
    this.listeners.push(fn);
  }

  private allowsProtected(ctx: SetContext): boolean {
    const mode = this.str("enable-protected-configs");
    return mode === "yes" || (mode === "local" && ctx.isLocal);
  }
}

function failed(name: string, reason: string): string {
  return `CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
}

/**
 * Redis parameters that are set away from their default but have no effect in
 * AiKv (`effect: "none"`), for INFO to warn about.
 */
export function ineffectiveParams(config: Config): string[] {
  return config
    .params()
    .filter((p) => p.effect === "none" && config.str(p.name) !== p.default)
    .map((p) => p.name);
}
