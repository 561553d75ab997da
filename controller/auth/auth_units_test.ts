import assert from "node:assert/strict";
import { HashPool } from "./hash_pool.ts";
import { Passwords } from "./password.ts";
import { passwordProblem } from "./password_policy.ts";
import { FailureLimiter, LoginLimiter } from "./rate_limit.ts";

Deno.test("Passwords.hash() makes salted argon2id hashes that verify (in a Worker)", async () => {
  const pw = new Passwords();
  try {
    const a = await pw.hash("a long enough passphrase");
    const b = await pw.hash("a long enough passphrase");
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b, "a fresh salt each time");
    assert.equal(await pw.verify("a long enough passphrase", a), true);
    assert.equal(await pw.verify("a long enough passphrasE", a), false);
    assert.equal(await pw.verify("x", "not a hash"), false);
    assert.equal(await pw.burn("anything"), false);
  } finally {
    pw.close();
  }
});

Deno.test("HashPool keeps the event loop free and refuses jobs beyond its queue", async () => {
  const pool = new HashPool({ workers: 1, maxQueue: 4 });
  try {
    // Timer ticks keep coming while hashes run: the work is off this thread.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = performance.now();
    // One running, four waiting: the queue is full.
    const jobs = Array.from(
      { length: 5 },
      () => pool.hash("some passphrase 1"),
    );
    const refused = pool.hash("one too many").then(
      () => "ran",
      (e) => e.kind,
    );
    assert.equal(await refused, "rate_limited");
    await Promise.all(jobs);
    clearInterval(timer);
    const expected = (performance.now() - t0) / 10;
    assert.ok(ticks >= expected * 0.5, `${ticks} ticks of ~${expected}`);
    assert.equal(pool.load, 0);
  } finally {
    pool.close();
  }
});

Deno.test("LoginLimiter counts an attempt before it is verified", () => {
  let now = 0;
  const l = new LoginLimiter({ now: () => now });
  const started = Array.from({ length: 8 }, () => l.begin("bob", "1.2.3.4"));
  // Five reserved at once; the rest refused though none has finished.
  assert.equal(started.filter((r) => r.ok).length, 5);
  for (const r of started) if (r.ok) r.attempt.failed();
  const blocked = l.begin("bob", "1.2.3.4");
  assert.ok(!blocked.ok && blocked.retryAfterMs > 60_000, "pair locked");
  // From another address the account is only slowed down: wait, then in.
  const other = l.begin("bob", "5.6.7.8");
  assert.ok(!other.ok && other.retryAfterMs <= 1000, JSON.stringify(other));
  now += 1000;
  const ok = l.begin("bob", "5.6.7.8");
  assert.ok(ok.ok);
  ok.attempt.succeeded();
  // A success gives its reservation back; a cancelled attempt too.
  const c = l.begin("carol", "9.9.9.9");
  assert.ok(c.ok);
  c.attempt.cancelled();
  for (let i = 0; i < 5; i++) {
    const r = l.begin("carol", "9.9.9.9");
    assert.ok(r.ok, `try ${i}`);
    r.attempt.failed();
  }
  assert.equal(l.begin("carol", "9.9.9.9").ok, false);
});

Deno.test("LoginLimiter slows one account down progressively, up to a cap", () => {
  let now = 0;
  const l = new LoginLimiter({ now: () => now, accountMaxDelayMs: 8000 });
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = l.begin("admin", `10.0.0.${i}`);
    if (!r.ok) {
      waits.push(r.retryAfterMs);
      now += r.retryAfterMs;
      const again = l.begin("admin", `10.0.0.${i}`);
      assert.ok(again.ok);
      again.attempt.failed();
    } else r.attempt.failed();
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 8000]);
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
