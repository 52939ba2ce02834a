import { diffTests } from "./harness.ts";
import { streamsFamily } from "./gen/streams.ts";

diffTests(streamsFamily);
