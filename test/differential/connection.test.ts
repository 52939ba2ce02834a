import { diffTests } from "./harness.ts";
import { connectionFamily } from "./gen/connection.ts";

diffTests(connectionFamily);
