import assert from "node:assert/strict";
import { configTables } from "./config_docs.ts";

/** deno fmt pads Markdown tables; compare with padding and dash runs removed. */
function normalize(markdown: string): string {
  return markdown.replace(/ *\| */g, "|").replace(/-{3,}/g, "---");
}

Deno.test("README.md carries the current configuration tables", async () => {
  const readme = normalize(
    await Deno.readTextFile(new URL("../README.md", import.meta.url)),
  );
  for (const { title, table } of configTables()) {
    assert.ok(
      readme.includes(normalize(table)),
      `README.md is missing the current table for ${title}: run deno run -A tools/config_docs.ts`,
    );
  }
});
