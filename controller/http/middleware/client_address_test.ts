import assert from "node:assert/strict";
import { Hono } from "hono";
import { type AuthEnv, forwardedFor, resolveClientAddress } from "./auth.ts";

Deno.test("forwardedFor() takes the entry the trusted proxy appended", () => {
  // The client sent "1.1.1.1, 2.2.2.2"; the proxy appended what it saw.
  assert.equal(
    forwardedFor("1.1.1.1, 2.2.2.2, 198.51.100.7", 1),
    "198.51.100.7",
  );
  assert.equal(
    forwardedFor("1.1.1.1, 198.51.100.7, 10.0.0.2", 2),
    "198.51.100.7",
  );
  assert.equal(forwardedFor("198.51.100.7", 3), "198.51.100.7");
  assert.equal(forwardedFor(" , ", 1), null);
  assert.equal(forwardedFor(undefined, 1), null);
});

Deno.test("resolveClientAddress() uses X-Forwarded-For only when trusted", async () => {
  const seen: (string | null | undefined)[] = [];
  for (
    const [trustProxy, hops] of [[false, 1], [true, 1], [true, 2]] as const
  ) {
    const app = new Hono<AuthEnv>();
    app.use("*", resolveClientAddress({ trustProxy, hops }));
    app.get("/", (c) => {
      seen.push(c.get("clientAddress"));
      return c.text("ok");
    });
    await app.request("/", {
      headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.1, 10.0.0.2" },
    });
  }
  // app.request() has no TCP peer: untrusted headers give null, not 6.6.6.6.
  assert.deepEqual(seen, [null, "10.0.0.2", "203.0.113.1"]);
});
