import { diffTests } from "./harness.ts";
import { scriptingFamily } from "./gen/scripting.ts";

diffTests(scriptingFamily);
