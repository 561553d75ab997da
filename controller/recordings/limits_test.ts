import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { FootageLimiter } from "./limits.ts";

Deno.test("FootageLimiter: at most perUser slots per user, others unaffected, release once", () => {
  const l = new FootageLimiter(2);
  const a1 = l.acquire("alice");
  const a2 = l.acquire("alice");
  assert.throws(() => l.acquire("alice"), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.kind, "rate_limited");
    assert.equal(e.retryAfterS, 5);
    assert.match(e.message, /at most 2 at once per user/);
    return true;
  });
  const b = l.acquire("bob");
  a1();
  a1(); // a second release gives nothing back twice
  assert.equal(l.active("alice"), 1);
  const a3 = l.acquire("alice");
  assert.throws(() => l.acquire("alice"));
  a2();
  a3();
  b();
  assert.equal(l.active("alice"), 0);
  assert.equal(l.active("bob"), 0);
});
