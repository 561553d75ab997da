import assert from "node:assert/strict";
import { logger } from "../log.ts";
import {
  type AttemptEnd,
  RestartLoop,
  RunWatch,
  type SupervisorState,
} from "./restart_loop.ts";
import { FakeClock, settle } from "../time/fake_clock.ts";

Deno.test("RunWatch calls onStall once no progress came for the limit", () => {
  const clock = new FakeClock();
  const stalls: number[] = [];
  const watch = new RunWatch(clock, 100, (ms) => stalls.push(ms));
  clock.advance(60);
  assert.equal(watch.progress(), true, "first progress");
  assert.equal(watch.progress(), false, "later progress");
  clock.advance(60); // the first firing re-arms for the 60 ms still to go
  assert.deepEqual(stalls, []);
  clock.advance(100);
  assert.deepEqual(stalls, [100]);
  assert.equal(clock.pending(), 0, "one stall, then disarmed");
});

Deno.test("RunWatch: healthy takes progress and time; stop() disarms", () => {
  const clock = new FakeClock();
  const stalls: number[] = [];
  const quiet = new RunWatch(clock, 100, (ms) => stalls.push(ms));
  clock.advance(2000);
  assert.equal(quiet.healthy(1500), false, "no progress, however long");
  const watch = new RunWatch(clock, 100, (ms) => stalls.push(ms));
  watch.progress();
  clock.advance(50);
  assert.equal(watch.healthy(1500), false, "too short");
  assert.equal(watch.healthy(50), true);
  watch.stop();
  clock.advance(1000);
  assert.deepEqual(stalls, [100], "only the quiet one stalled");
});

Deno.test("RestartLoop backs off after failures, resets after a healthy run, restarts at once", async () => {
  const clock = new FakeClock();
  const states: SupervisorState[] = [];
  const ends: AttemptEnd[] = [
    { failure: "a", healthy: false },
    { failure: "b", healthy: false },
    { failure: "c", healthy: true },
  ];
  let attempts = 0;
  let release: (() => void) | null = null;
  const loop = new RestartLoop({
    attempt: () => {
      attempts++;
      const end = ends.shift();
      if (end) return Promise.resolve(end);
      return new Promise<AttemptEnd>((resolve) => {
        release = () => resolve({ failure: "cut", healthy: false });
      });
    },
    interrupt: () => release?.(),
    onState: (s) => states.push(s),
    backoff: { initialMs: 100, factor: 2, quickRetries: 0, maxMs: 1000 },
    clock,
    log: logger("restart_loop.test"),
    failureMessage: "test attempt failed",
  });
  loop.start();
  await settle();
  assert.equal(loop.state, "backoff");
  assert.equal(loop.lastError, "a");
  clock.advance(99);
  await settle();
  assert.equal(attempts, 1, "the first delay is 100 ms");
  clock.advance(1);
  await settle();
  assert.equal(attempts, 2);
  clock.advance(199);
  await settle();
  assert.equal(attempts, 2, "the second delay is 200 ms");
  clock.advance(1);
  await settle();
  assert.equal(attempts, 3);
  // "c" was healthy: back to the first delay.
  clock.advance(100);
  await settle();
  assert.equal(attempts, 4);
  assert.equal(loop.restarts, 3);
  assert.equal(loop.state, "backoff", "no state change inside an attempt");

  loop.running();
  assert.equal(loop.state, "running");
  assert.equal(loop.lastError, null);
  loop.restart(); // interrupts the attempt: no failure, no backoff
  await settle();
  assert.equal(attempts, 5);
  assert.equal(loop.restarts, 3);
  await loop.stop();
  assert.equal(loop.state, "idle");
  assert.deepEqual(states, [
    "backoff",
    "running",
    "stopping",
    "idle",
  ]);
});

Deno.test("RestartLoop: a handoff ends the loop idle, not failed", async () => {
  const clock = new FakeClock();
  let handoffs = 0;
  const loop = new RestartLoop({
    attempt: () =>
      Promise.resolve({ failure: "", healthy: false, handoff: true }),
    interrupt: () => {},
    onHandoff: () => handoffs++,
    clock,
    log: logger("restart_loop.test"),
    failureMessage: "test attempt failed",
  });
  loop.start();
  loop.setState("starting");
  await settle();
  assert.equal(handoffs, 1);
  assert.equal(loop.state, "idle");
  assert.equal(loop.restarts, 0);
  assert.equal(loop.lastError, null);
  assert.equal(clock.pending(), 0, "no backoff timer left");
});
