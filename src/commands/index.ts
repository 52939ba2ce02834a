// Every command module's declarations, registered into the command table.

import { bitmapCommands } from "./bitmaps.ts";
import { clientCommands } from "./client.ts";
import { commandCommands } from "./command.ts";
import { configCommands } from "./config.ts";
import { connectionCommands } from "./connection.ts";
import { hashCommands } from "./hashes.ts";
import { keyCommands } from "./keys.ts";
import { listCommands } from "./lists.ts";
import { persistenceCommands } from "./persistence.ts";
import { pubsubCommands } from "./pubsub.ts";
import { scriptingCommands } from "./scripting.ts";
import { serverCommands } from "./server.ts";
import { setCommands } from "./sets.ts";
import { sortCommands } from "./sort.ts";
import { streamCommands } from "./streams.ts";
import { stringCommands } from "./strings.ts";
import type { CommandDef } from "./table.ts";
import { transactionCommands } from "./transactions.ts";
import { zsetCommands } from "./zsets.ts";

export const ALL_COMMANDS: CommandDef[] = [
  ...connectionCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...keyCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...streamCommands,
  ...sortCommands,
  ...serverCommands,
  ...persistenceCommands,
  ...clientCommands,
  ...commandCommands,
  ...configCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...scriptingCommands,
];
