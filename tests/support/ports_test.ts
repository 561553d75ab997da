import assert from "node:assert/strict";
import { freePort, isPortOpen, waitForPort } from "./ports.ts";

Deno.test("freePort returns a port that can be bound", async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  listener.close();
});

Deno.test("waitForPort resolves once a listener appears", async () => {
  const port = await freePort();
  assert.equal(await isPortOpen(port), false);
  let listener: Deno.Listener | undefined;
  const timer = setTimeout(() => {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
  }, 200);
  try {
    await waitForPort(port, 3_000);
    assert.equal(await isPortOpen(port), true);
  } finally {
    clearTimeout(timer);
    listener?.close();
  }
});

Deno.test("waitForPort rejects after its timeout", async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(waitForPort(port, 300), /did not accept connections/);
  assert.ok(Date.now() - started >= 300);
});
