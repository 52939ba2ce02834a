import { diffTests } from "./harness.ts";
import { sortFamily } from "./gen/sort.ts";

diffTests(sortFamily);
