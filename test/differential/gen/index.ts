// Every command family the differential tests know, by name (regression
// cases name their family to find its normalizers).

import { bitmapsFamily } from "./bitmaps.ts";
import { connectionFamily } from "./connection.ts";
import type { Family } from "./gen.ts";
import { hashesFamily } from "./hashes.ts";
import { keysFamily } from "./keys.ts";
import { listsFamily } from "./lists.ts";
import { scriptingFamily } from "./scripting.ts";
import { setsFamily } from "./sets.ts";
import { sortFamily } from "./sort.ts";
import { streamsFamily } from "./streams.ts";
import { stringsFamily } from "./strings.ts";
import { transactionsFamily } from "./transactions.ts";
import { zsetsFamily } from "./zsets.ts";

export const FAMILIES: Family[] = [stringsFamily, bitmapsFamily, keysFamily, connectionFamily, listsFamily, hashesFamily, setsFamily, zsetsFamily, sortFamily, transactionsFamily, scriptingFamily, streamsFamily];
