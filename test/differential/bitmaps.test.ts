import { diffTests } from "./harness.ts";
import { bitmapsFamily } from "./gen/bitmaps.ts";

diffTests(bitmapsFamily);
