import type { CommandDef } from "./table.ts";

export const setCommands: CommandDef[] = [];
