import assert from "node:assert/strict";
import { realClock, sleep } from "./clock.ts";
import { FakeClock } from "./fake_clock.ts";

Deno.test("FakeClock fires due timers in order and only when time reaches them", () => {
  const clock = new FakeClock(1000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  const c = clock.setTimeout(() => fired.push("c"), 10);
  clock.clearTimeout(c);
  clock.advance(9);
  assert.deepEqual(fired, []);
  clock.advance(11);
  assert.deepEqual(fired, ["a@1010", "b@1020"]);
  assert.equal(clock.now(), 1020);
  assert.equal(clock.pending(), 0);
});

Deno.test("FakeClock.advance fires a timer set by a timer when it falls in the window", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 5);
  }, 5);
  clock.advance(12);
  assert.deepEqual(fired, [5, 10]);
});

Deno.test("sleep() on the fake clock resolves when time passes, early on abort, and clears its timer", async () => {
  const clock = new FakeClock();
  let woke = false;
  const p = sleep(clock, 100).then(() => woke = true);
  await clock.tick(99);
  assert.equal(woke, false);
  await clock.tick(1);
  await p;
  assert.equal(woke, true);

  const ac = new AbortController();
  const q = sleep(clock, 1000, ac.signal);
  assert.equal(clock.pending(), 1);
  ac.abort();
  await q;
  assert.equal(clock.pending(), 0, "the aborted sleep left no timer");
  await sleep(clock, 1000, ac.signal); // already aborted: resolves at once
  assert.equal(clock.pending(), 0);
});

Deno.test("realClock sleeps on the runtime's timers", async () => {
  const t0 = realClock.now();
  await sleep(realClock, 20);
  assert.ok(realClock.now() - t0 >= 19);
});
