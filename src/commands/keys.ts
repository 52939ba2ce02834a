import type { CommandDef } from "./table.ts";

export const keyCommands: CommandDef[] = [];
