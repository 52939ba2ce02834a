import { diffTests } from "./harness.ts";
import { listsFamily } from "./gen/lists.ts";

diffTests(listsFamily);
