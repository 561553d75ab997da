import assert from "node:assert/strict";
import { Hono } from "hono";
import { configureLog, logger } from "./log.ts";
import {
  currentRequestId,
  requestId,
  requestIdFrom,
} from "./request_context.ts";

Deno.test("requestIdFrom keeps a sane id and replaces anything else", () => {
  assert.equal(requestIdFrom("abc-123_def.4:5"), "abc-123_def.4:5");
  for (
    const bad of [
      null,
      "",
      "short",
      "has space in it",
      "x".repeat(129),
      'q"uote12',
    ]
  ) {
    assert.match(requestIdFrom(bad), /^[0-9a-f-]{36}$/, String(bad));
  }
});

Deno.test("requestId middleware: header out, id on every log line of the request, none outside", async () => {
  const lines: string[] = [];
  configureLog({ level: "debug", json: true, sink: (l) => lines.push(l) });
  try {
    const log = logger("rid-test");
    const app = new Hono();
    app.use("*", requestId());
    app.get("/x", async (c) => {
      await Promise.resolve();
      log.info("inside", { seen: currentRequestId() });
      return c.text("ok");
    });
    const res = await app.request("/x", {
      headers: { "x-request-id": "given-id-12345" },
    });
    assert.equal(res.headers.get("x-request-id"), "given-id-12345");
    log.info("outside");
    const parsed = lines.map((l) => JSON.parse(l));
    const inside = parsed.find((o) => o.msg === "inside");
    assert.equal(inside.request_id, "given-id-12345");
    assert.equal(inside.seen, "given-id-12345");
    assert.equal(parsed.find((o) => o.msg === "outside").request_id, undefined);
    assert.equal(currentRequestId(), undefined);
    const fresh = await app.request("/x");
    assert.match(fresh.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  } finally {
    configureLog({ level: "info", json: false, sink: (l) => console.log(l) });
  }
});
