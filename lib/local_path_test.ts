import assert from "node:assert/strict";
import { localPath } from "./local_path.ts";

const ORIGIN = "http://falcon.local:30900";

Deno.test("localPath() keeps paths of this site", () => {
  for (const p of ["/", "/cameras/abc", "/recordings?day=2026-01-01#x"]) {
    assert.equal(localPath(p, ORIGIN), p);
  }
});

Deno.test("localPath() refuses every way out of the site", () => {
  for (
    const bad of [
      "//evil.example",
      "/\\evil.example",
      "\\/evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r\n/evil.example",
      "/ \\evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "evil.example",
      "",
      null,
      undefined,
    ]
  ) {
    const out = localPath(bad, ORIGIN);
    assert.equal(
      new URL(out, ORIGIN).origin,
      ORIGIN,
      `${JSON.stringify(bad)} -> ${out}`,
    );
    assert.ok(!out.startsWith("//"), out);
  }
  assert.equal(localPath("/\\evil.example", ORIGIN), "/");
  assert.equal(localPath("/\t/evil.example", ORIGIN), "/");
});
