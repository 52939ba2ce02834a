import type { CommandDef } from "./table.ts";

export const clientCommands: CommandDef[] = [];
