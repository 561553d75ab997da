import assert from "node:assert/strict";
import { burnVerification, hashPassword, verifyPassword } from "./password.ts";
import { passwordProblem } from "./password_policy.ts";
import { FailureLimiter } from "./rate_limit.ts";

Deno.test("hashPassword() makes salted argon2id hashes that verify", async () => {
  const a = await hashPassword("a long enough passphrase");
  const b = await hashPassword("a long enough passphrase");
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(a, b, "a fresh salt each time");
  assert.equal(await verifyPassword("a long enough passphrase", a), true);
  assert.equal(await verifyPassword("a long enough passphrasE", a), false);
  assert.equal(await verifyPassword("x", "not a hash"), false);
  assert.equal(await burnVerification("anything"), false);
});

Deno.test("passwordProblem() explains what is wrong, and accepts a good password", () => {
  assert.match(passwordProblem("short")!, /at least 10 characters/);
  assert.match(passwordProblem("falconeye")!, /at least 10/);
  assert.match(passwordProblem("1234567890")!, /most common/);
  assert.match(passwordProblem("aaaaaaaaaaaa")!, /repeat/);
  assert.match(passwordProblem("my-alice-password", "alice")!, /user name/);
  assert.equal(passwordProblem("correct horse battery staple", "alice"), null);
});

Deno.test("FailureLimiter blocks after max failures in the window and recovers after it", () => {
  let now = 0;
  const l = new FailureLimiter({ max: 3, windowMs: 1000, now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(l.retryAfterMs("k"), 0);
    l.fail("k");
    now += 100;
  }
  assert.ok(l.retryAfterMs("k") > 0);
  assert.equal(l.retryAfterMs("other"), 0);
  now += 1000;
  assert.equal(l.retryAfterMs("k"), 0);
  l.fail("k");
  l.reset("k");
  assert.equal(l.retryAfterMs("k"), 0);
});

Deno.test("FailureLimiter keeps at most maxKeys keys", () => {
  const l = new FailureLimiter({ max: 1, windowMs: 60_000, maxKeys: 10 });
  for (let i = 0; i < 100; i++) l.fail(`k${i}`);
  assert.equal(l.retryAfterMs("k0"), 0, "the oldest keys were evicted");
  assert.ok(l.retryAfterMs("k99") > 0);
});
