import { diffTests } from "./harness.ts";
import { keysFamily } from "./gen/keys.ts";

diffTests(keysFamily);
