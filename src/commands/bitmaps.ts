import type { CommandDef } from "./table.ts";

export const bitmapCommands: CommandDef[] = [];
