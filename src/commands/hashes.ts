import type { CommandDef } from "./table.ts";

export const hashCommands: CommandDef[] = [];
