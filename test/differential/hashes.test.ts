import { diffTests } from "./harness.ts";
import { hashesFamily } from "./gen/hashes.ts";

diffTests(hashesFamily);
