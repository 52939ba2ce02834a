import type { CommandDef } from "./table.ts";

export const listCommands: CommandDef[] = [];
