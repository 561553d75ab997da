import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  errorResponse,
  jsonBody,
  MAX_JSON_DEPTH,
  unstorableText,
} from "./errors.ts";

Deno.test("unstorableText() finds NUL, unpaired surrogates and deep nesting, with the path", () => {
  assert.equal(
    unstorableText({ a: "ok", b: ["x", { c: "bad\u0000" }] }, ""),
    "b.1.c",
  );
  assert.equal(unstorableText({ ["k\u0000"]: 1 }, ""), "k\u0000");
  assert.equal(unstorableText({ meta: { v: "\ud800" } }, ""), "meta.v");
  assert.equal(unstorableText({ fine: "emoji 🎥 and ü" }, ""), null);
  let deep: unknown = "leaf";
  for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = { d: deep };
  assert.notEqual(unstorableText(deep, ""), null);
  let veryDeep: unknown = 1;
  for (let i = 0; i < 100_000; i++) veryDeep = [veryDeep];
  assert.notEqual(
    unstorableText(veryDeep, ""),
    null,
    "no stack overflow on absurd nesting",
  );
});

Deno.test("jsonBody() answers 400 naming the field, 415 for other types, never 500", async () => {
  const app = new Hono();
  app.onError(errorResponse);
  app.post("/", async (c) => c.json({ got: await jsonBody(c) }));
  const post = (body: string, type = "application/json") =>
    app.request("/", {
      method: "POST",
      body,
      headers: { "content-type": type },
    });
  const nul = await post('{"name":"a\\u0000b"}');
  assert.equal(nul.status, 400);
  assert.equal((await nul.json()).error.field, "name");
  assert.equal((await post("{oops")).status, 400);
  assert.equal((await post("{}", "text/plain")).status, 415);
  assert.equal((await post("[".repeat(5000) + "]".repeat(5000))).status, 400);
  assert.equal((await post('{"ok":"fine"}')).status, 200);
});
