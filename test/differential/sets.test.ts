import { diffTests } from "./harness.ts";
import { setsFamily } from "./gen/sets.ts";

diffTests(setsFamily);
