import assert from "node:assert/strict";
import { manifest } from "../../routes/_manifest.ts";
import { listRouteFiles, patternOf } from "./manifest.ts";

Deno.test("routes/_manifest.ts lists every file in routes/", async () => {
  const listed = [
    ...manifest.routes.map((r) => r.file),
    manifest.notFound.file,
  ];
  const files = await listRouteFiles();
  const missing = files.filter((f) => !listed.includes(f));
  assert.deepEqual(
    missing,
    [],
    `add these files to routes/_manifest.ts: ${missing.join(", ")}`,
  );
  const stale = listed.filter((f) => !files.includes(f));
  assert.deepEqual(
    stale,
    [],
    `routes/_manifest.ts lists files that do not exist: ${stale.join(", ")}`,
  );
});

Deno.test("routes/_manifest.ts patterns follow the file names", () => {
  for (const r of manifest.routes) {
    assert.equal(r.pattern, patternOf(r.file), `pattern of ${r.file}`);
    assert.equal(
      typeof r.module.default,
      "function",
      `${r.file} has a default export`,
    );
  }
  const patterns = manifest.routes.map((r) => r.pattern);
  assert.equal(new Set(patterns).size, patterns.length, "duplicate patterns");
  assert.equal(manifest.notFound.file, "_404.tsx");
});

Deno.test("patternOf() follows Fresh's file routing", () => {
  assert.equal(patternOf("index.tsx"), "/");
  assert.equal(patternOf("about.tsx"), "/about");
  assert.equal(patternOf("cameras/index.tsx"), "/cameras");
  assert.equal(patternOf("cameras/[id].tsx"), "/cameras/:id");
  assert.equal(patternOf("files/[...path].tsx"), "/files/*");
  assert.equal(patternOf("_404.tsx"), null);
  assert.equal(patternOf("cameras/_layout.tsx"), null);
  assert.equal(patternOf("README.md"), null);
});
