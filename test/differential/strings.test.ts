import { diffTests } from "./harness.ts";
import { stringsFamily } from "./gen/strings.ts";

diffTests(stringsFamily);
