import assert from "node:assert/strict";
import { configTables } from "./config_docs.ts";

Deno.test("README.md carries the current configuration tables", async () => {
  const readme = await Deno.readTextFile(
    new URL("../README.md", import.meta.url),
  );
  for (const { title, table } of configTables()) {
    assert.ok(
      readme.includes(table),
      `README.md is missing the current table for ${title}: run deno run -A tools/config_docs.ts`,
    );
  }
});
