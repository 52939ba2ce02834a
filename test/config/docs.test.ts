// docs/config.md lists exactly the parameters marked `effect: "none"`.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PARAMS } from "../../src/config/params.ts";

test("docs/config.md lists the parameters without effect", () => {
  const doc = readFileSync(join(import.meta.dir, "../../docs/config.md"), "utf8");
  const section = /<!-- ineffective:start -->([\s\S]*)<!-- ineffective:end -->/.exec(doc)?.[1] ?? "";
  const listed = [...section.matchAll(/`([a-z0-9_-]+)`/g)].map((m) => m[1]).sort();
  const marked = PARAMS.filter((p) => p.effect === "none").map((p) => p.name).sort();
  expect(listed).toEqual(marked);
});
