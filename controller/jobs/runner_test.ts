import assert from "node:assert/strict";
import { FakeClock, settle } from "../../lib/time/fake_clock.ts";
import { logger } from "../../lib/log.ts";
import { JobRunner } from "./runner.ts";

const quiet = logger("jobs.test");

/** A promise resolved by hand. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => resolve = r);
  return { promise, resolve };
}

Deno.test("a job runs every interval on the injected clock, not before", async () => {
  const clock = new FakeClock();
  const runner = new JobRunner({ clock, log: quiet });
  const at: number[] = [];
  runner.add({
    name: "tick",
    intervalMs: 1000,
    run: () => Promise.resolve(void at.push(clock.now())),
  });
  runner.start();
  await clock.tick(999);
  assert.deepEqual(at, []);
  await clock.tick(1);
  assert.deepEqual(at, [1000]);
  await clock.tick(2000);
  assert.deepEqual(at, [1000, 2000, 3000]);
  assert.equal(runner.stats()[0].runs, 3);
  await runner.stop();
  assert.equal(clock.pending(), 0, "stop() cancels the next run");
});

Deno.test("runs never overlap: the next interval is timed from the end of a slow run", async () => {
  const clock = new FakeClock();
  const runner = new JobRunner({ clock, log: quiet });
  let active = 0;
  let maxActive = 0;
  const starts: number[] = [];
  let gate = deferred();
  runner.add({
    name: "slow",
    intervalMs: 100,
    run: async () => {
      starts.push(clock.now());
      maxActive = Math.max(maxActive, ++active);
      await gate.promise;
      active--;
    },
  });
  runner.start();
  await clock.tick(100);
  assert.deepEqual(starts, [100]);
  await clock.tick(1000); // the run is still going: no second one starts
  assert.deepEqual(starts, [100]);
  assert.equal(runner.stats()[0].running, true);
  gate.resolve();
  gate = deferred();
  await settle();
  await clock.tick(99);
  assert.deepEqual(starts, [100]);
  await clock.tick(1);
  assert.deepEqual(starts, [100, 1200]);
  assert.equal(maxActive, 1);
  gate.resolve();
  await runner.stop();
});

Deno.test("a failing job is logged and counted, and keeps its schedule", async () => {
  const clock = new FakeClock();
  const outcomes: [string, boolean][] = [];
  const runner = new JobRunner({
    clock,
    log: quiet,
    onRun: (name, ok) => outcomes.push([name, ok]),
  });
  let n = 0;
  runner.add({
    name: "flaky",
    intervalMs: 10,
    run: () => ++n % 2 ? Promise.reject(new Error("boom")) : Promise.resolve(),
  });
  runner.add({ name: "fine", intervalMs: 25, run: () => Promise.resolve() });
  runner.start();
  await clock.tick(40);
  const flaky = runner.stats().find((s) => s.name === "flaky")!;
  assert.equal(flaky.runs, 4);
  assert.equal(flaky.failures, 2);
  assert.equal(flaky.lastError, null, "the last run succeeded");
  await clock.tick(10);
  assert.equal(runner.stats()[0].lastError, "boom");
  assert.deepEqual(outcomes.filter(([n]) => n === "fine"), [
    ["fine", true],
    ["fine", true],
  ]);
  assert.deepEqual(
    outcomes.filter(([n]) => n === "flaky").map(([, ok]) => ok),
    [false, true, false, true, false],
  );
  await runner.stop();
});

Deno.test("stop() aborts and awaits the running job, then nothing runs again", async () => {
  const clock = new FakeClock();
  const runner = new JobRunner({ clock, log: quiet });
  let finished = false;
  let runs = 0;
  runner.add({
    name: "long",
    intervalMs: 50,
    immediate: true,
    run: async (signal) => {
      runs++;
      await new Promise<void>((r) =>
        signal.addEventListener("abort", () => r())
      );
      await settle(); // cleanup after the abort still belongs to the run
      finished = true;
    },
  });
  runner.start();
  await settle();
  assert.equal(runs, 1, "immediate: ran at start()");
  await runner.stop();
  assert.equal(finished, true, "stop() waited for the run's end");
  await clock.tick(1000);
  assert.equal(runs, 1);
  assert.equal(clock.pending(), 0);
});

Deno.test("trigger() runs now, or once more after the run in progress", async () => {
  const clock = new FakeClock();
  const runner = new JobRunner({ clock, log: quiet });
  const starts: number[] = [];
  let gate = deferred();
  runner.add({
    name: "reconcile",
    intervalMs: 1000,
    run: async () => {
      starts.push(clock.now());
      await gate.promise;
    },
  });
  await runner.trigger("reconcile"); // before start(): nothing
  assert.deepEqual(starts, []);
  runner.start();
  await clock.tick(10);
  const first = runner.trigger("reconcile");
  await settle();
  assert.deepEqual(starts, [10]);
  const second = runner.trigger("reconcile");
  const third = runner.trigger("reconcile"); // coalesced with the second
  await settle();
  assert.deepEqual(starts, [10], "no overlap");
  gate.resolve();
  gate = deferred();
  await first;
  await settle();
  assert.deepEqual(starts, [10, 10], "one more run right after");
  gate.resolve();
  await Promise.all([second, third]);
  await settle();
  assert.equal(runner.stats()[0].runs, 2);
  await clock.tick(999);
  assert.equal(starts.length, 2, "the interval restarts after the last run");
  await clock.tick(1);
  assert.equal(starts.length, 3);
  gate.resolve();
  assert.throws(() => runner.trigger("nope"), /no job "nope"/);
  assert.throws(
    () => runner.add({ name: "reconcile", intervalMs: 1, run: async () => {} }),
    /already registered/,
  );
  await runner.stop();
});
