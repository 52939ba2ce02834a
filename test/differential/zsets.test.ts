import { diffTests } from "./harness.ts";
import { zsetsFamily } from "./gen/zsets.ts";

diffTests(zsetsFamily);
