import type { CommandDef } from "./table.ts";

export const configCommands: CommandDef[] = [];
