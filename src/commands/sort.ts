import type { CommandDef } from "./table.ts";

export const sortCommands: CommandDef[] = [];
