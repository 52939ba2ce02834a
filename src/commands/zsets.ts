import type { CommandDef } from "./table.ts";

export const zsetCommands: CommandDef[] = [];
