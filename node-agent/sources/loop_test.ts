import assert from "node:assert/strict";
import type { SupervisorState } from "../ffmpeg/supervisor.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { type RunContext, type RunEnd, SourceLoop } from "./loop.ts";

function loop(
  runOnce: (ctx: RunContext) => Promise<RunEnd>,
  extra: Partial<ConstructorParameters<typeof SourceLoop>[0]> = {},
) {
  const states: SupervisorState[] = [];
  const l = new SourceLoop({
    name: "t",
    runOnce,
    onState: (s) => states.push(s),
    backoff: { initialMs: 40, factor: 2, maxMs: 160 },
    stallTimeoutMs: 200,
    ...extra,
  });
  return { l, states };
}

/** Resolves when the signal aborts. */
const aborted = (s: AbortSignal) =>
  new Promise<void>((r) =>
    s.addEventListener("abort", () => r(), { once: true })
  );

Deno.test("SourceLoop backs off exponentially up to the cap and reports the redacted error", async () => {
  const starts: number[] = [];
  const { l, states } = loop(() => {
    starts.push(Date.now());
    return Promise.reject(new Error("connect refused for pw=S3cretValue"));
  }, { secrets: ["S3cretValue"] });
  l.start();
  await waitFor(() => starts.length >= 6, "6 attempts", 3000);
  await l.stop();
  const gaps = starts.slice(1).map((t, i) => t - starts[i]);
  // 40, 80, 160, 160, 160 ms (timers may fire a little late, never early).
  for (const [i, want] of [40, 80, 160, 160, 160].entries()) {
    assert.ok(gaps[i] >= want - 2 && gaps[i] < want + 80, `gaps ${gaps}`);
  }
  assert.equal(l.lastError, "connect refused for pw=***");
  assert.ok(l.restarts >= 5);
  assert.deepEqual(states.slice(0, 3), ["starting", "backoff", "starting"]);
  assert.deepEqual(states.slice(-2), ["stopping", "idle"]);
});

Deno.test("SourceLoop: progress means running and clears the error; a stall aborts the run", async () => {
  let runs = 0;
  const errors: (string | null)[] = [];
  const { l, states } = loop(async (ctx) => {
    runs++;
    ctx.progress();
    await aborted(ctx.signal); // then never a frame again
    return "ended";
  }, {
    onState: (s) => {
      states.push(s);
      if (s === "backoff") errors.push(l.lastError);
    },
  });
  l.start();
  await waitFor(() => runs >= 2, "a second run after the stall", 2000);
  assert.ok(states.includes("running"));
  assert.deepEqual(errors, ["stalled: no frame for 200 ms"]);
  assert.equal(l.lastError, null, "the new run made progress");
  await l.stop();
  assert.equal(l.state, "idle");
});

Deno.test("SourceLoop: a handoff is not a failure and leaves the loop idle", async () => {
  let handoffs = 0;
  const { l } = loop(() => Promise.resolve("handoff"), {
    onHandoff: () => handoffs++,
  });
  l.start();
  await waitFor(
    () => handoffs === 1 && l.state === "idle",
    "idle after handoff",
  );
  assert.equal(l.restarts, 0);
  assert.equal(l.lastError, null);
});

Deno.test("SourceLoop: restart() and stop() abort the run without counting a failure", async () => {
  let runs = 0;
  const { l } = loop(async (ctx) => {
    runs++;
    ctx.progress();
    await aborted(ctx.signal);
    return "ended";
  }, { stallTimeoutMs: 60_000 });
  l.start();
  await waitFor(() => l.state === "running", "running");
  l.restart();
  await waitFor(() => runs === 2 && l.state === "running", "second run");
  assert.equal(l.restarts, 0);
  await l.stop();
  assert.equal(l.state, "idle");
  assert.equal(l.restarts, 0);
  await l.stop(); // twice is fine
});
