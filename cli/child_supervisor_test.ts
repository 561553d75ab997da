import assert from "node:assert/strict";
import { logger } from "../lib/log.ts";
import { FakeClock, settle } from "../lib/time/fake_clock.ts";
import { ChildSupervisor } from "./child_supervisor.ts";

const sh = (script: string) =>
  new Deno.Command("sh", {
    args: ["-c", script],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 500 && !check(); i++) await settle();
  assert.ok(check(), what);
}

Deno.test("ChildSupervisor restarts an exiting child after the backoff, on the injected clock", async () => {
  const clock = new FakeClock();
  let spawned = 0;
  const sup = new ChildSupervisor({
    name: "test",
    clock,
    log: logger("child.test"),
    spawn: () => {
      spawned++;
      return sh("exit 3");
    },
  });
  sup.start();
  await until(() => sup.restarts === 1, "the first exit counted");
  assert.equal(spawned, 1);
  // The first backoff is 0.5 s of the fake clock: nothing before it.
  await clock.tick(499);
  assert.equal(spawned, 1);
  await clock.tick(1);
  await until(() => spawned === 2, "restarted after 500 ms");
  await sup.stop();
  await clock.tick(60_000);
  assert.equal(spawned, 2, "no restart after stop()");
});

Deno.test("ChildSupervisor.stop() ends a running child with SIGTERM and waits for it", async () => {
  const sup = new ChildSupervisor({
    name: "sleeper",
    log: logger("child.test"),
    spawn: () => sh("exec sleep 30"),
  });
  sup.start();
  await until(() => sup.pid !== null, "the child runs");
  const pid = sup.pid!;
  await sup.stop();
  assert.equal(sup.pid, null);
  assert.throws(() => Deno.statSync(`/proc/${pid}`), "the child is gone");
  assert.equal(sup.restarts, 0, "a stop is not a failure");
});
