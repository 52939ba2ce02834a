// Every command module's declarations, registered into the command table.

import { connectionCommands } from "./connection.ts";
import { stringCommands } from "./strings.ts";
import type { CommandDef } from "./table.ts";

export const ALL_COMMANDS: CommandDef[] = [...connectionCommands, ...stringCommands];
