import assert from "node:assert/strict";
import {
  Supervisor,
  type SupervisorOptions,
  type SupervisorState,
} from "./supervisor.ts";
import { marker, pidAlive, pidsWith, waitFor } from "./testing.ts";
import { relayArgs } from "./relay_args.ts";

function sh(script: string, extra: Partial<SupervisorOptions> = {}) {
  const states: SupervisorState[] = [];
  const sup = new Supervisor({
    name: "test",
    command: "sh",
    args: () => ["-c", script],
    onStdout: () => sup.progress(),
    onState: (s) => states.push(s),
    ...extra,
  });
  return { sup, states };
}

Deno.test("Supervisor restarts a crashing process with growing backoff", async () => {
  const starts: number[] = [];
  const { sup } = sh("echo boom >&2; exit 3", {
    backoff: { initialMs: 100, factor: 2, maxMs: 400 },
    onState: (s) => s === "starting" && starts.push(performance.now()),
  });
  try {
    sup.start();
    await waitFor(() => starts.length >= 5, "5 starts");
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // Delays 100, 200, 400, 400 (capped) plus process run time.
    assert.ok(gaps[0] >= 95 && gaps[0] < 350, `gap 1 was ${gaps[0]}`);
    assert.ok(gaps[1] >= 195 && gaps[1] > gaps[0], `gap 2 was ${gaps[1]}`);
    assert.ok(gaps[2] >= 395 && gaps[2] > gaps[1], `gap 3 was ${gaps[2]}`);
    assert.ok(gaps[3] >= 395 && gaps[3] < 700, `gap 4 was ${gaps[3]} (cap)`);
    assert.ok(sup.restarts >= 4);
    assert.match(sup.lastError ?? "", /^sh exited with code 3: boom$/);
  } finally {
    await sup.stop();
  }
  assert.equal(sup.state, "idle");
  assert.equal(sup.pid, null);
});

Deno.test("Supervisor resets the backoff after a healthy run", async () => {
  const starts: number[] = [];
  // Each run makes progress at once and lives 200 ms: longer than healthyAfterMs.
  const { sup } = sh("echo frame; sleep 0.2; exit 1", {
    healthyAfterMs: 100,
    backoff: { initialMs: 50, factor: 4, maxMs: 5000 },
    onState: (s) => s === "starting" && starts.push(performance.now()),
  });
  try {
    sup.start();
    await waitFor(() => starts.length >= 4, "4 starts");
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // Without the reset the third delay would be 800 ms.
    assert.ok(gaps.every((g) => g < 600), `gaps ${gaps.join(", ")}`);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor stall watchdog kills a process that makes no progress", async () => {
  const tag = `60.${marker().replace(/\D/g, "1")}`;
  const sup = new Supervisor({
    name: "stall",
    command: "sleep",
    args: () => [tag],
    onStdout: () => {},
    stallTimeoutMs: 300,
    stopTimeoutMs: 500,
    backoff: { initialMs: 2000 },
  });
  try {
    const t0 = performance.now();
    sup.start();
    assert.equal(sup.state, "starting");
    const firstPid = sup.pid;
    assert.ok(firstPid);
    await waitFor(() => sup.state === "backoff", "backoff after stall", 2000);
    const took = performance.now() - t0;
    assert.ok(took >= 290 && took < 1000, `stall detected after ${took} ms`);
    assert.equal(pidAlive(firstPid), false);
    assert.equal(sup.restarts, 1);
    assert.match(sup.lastError ?? "", /stalled: no output for 300 ms/);
    assert.deepEqual(pidsWith(`sleep ${tag}`), []);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor progress() keeps a process alive, marks it running and clears lastError", async () => {
  let run = 0;
  const sup = new Supervisor({
    name: "ok",
    command: "sh",
    // First run fails; later runs print a line every 50 ms.
    args: () => [
      "-c",
      run++ === 0
        ? "echo first >&2; exit 1"
        : "while :; do echo tick; sleep 0.05; done",
    ],
    onStdout: () => sup.progress(),
    stallTimeoutMs: 300,
    backoff: { initialMs: 50 },
  });
  try {
    sup.start();
    await waitFor(() => sup.state === "backoff", "first failure");
    assert.match(sup.lastError ?? "", /first/);
    await waitFor(() => sup.state === "running", "running");
    assert.equal(sup.lastError, null);
    await new Promise((r) => setTimeout(r, 700)); // > 2 stall timeouts
    assert.equal(sup.state, "running");
    assert.equal(sup.restarts, 1);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor.stop() escalates SIGTERM to SIGKILL and leaves no process", async () => {
  const tag = `61.${marker().replace(/\D/g, "2")}`;
  let ready!: () => void;
  const isReady = new Promise<void>((r) => ready = r);
  const sup = new Supervisor({
    name: "stubborn",
    command: "sh",
    // The trap is installed before "ready" is printed, so SIGTERM is ignored
    // by sh and (inherited) by sleep; only SIGKILL to the group ends both.
    args: () => ["-c", `trap "" TERM; echo ready; sleep ${tag}`],
    onStdout: () => {
      sup.progress();
      ready();
    },
    stopTimeoutMs: 400,
  });
  sup.start();
  await isReady;
  const pid = sup.pid!;
  assert.ok(pidsWith(`sleep ${tag}`).length > 0); // sh and sleep
  const t0 = performance.now();
  const stopping = sup.stop();
  assert.equal(sup.state, "stopping");
  await stopping;
  const took = performance.now() - t0;
  assert.ok(took >= 390 && took < 2000, `stop took ${took} ms`);
  assert.equal(pidAlive(pid), false);
  assert.deepEqual(pidsWith(`sleep ${tag}`), []);
  assert.equal(sup.state, "idle");
  assert.equal(sup.lastError, null, "a requested stop is not an error");
  assert.equal(sup.restarts, 0);
});

Deno.test("Supervisor.stop() ends a well-behaved process with SIGTERM alone", async () => {
  const { sup } = sh("echo hi; exec sleep 30", { stopTimeoutMs: 5000 });
  sup.start();
  await waitFor(() => sup.state === "running", "running");
  const pid = sup.pid!;
  const t0 = performance.now();
  await Promise.all([sup.stop(), sup.stop()]); // twice is safe
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(pidAlive(pid), false);
  await sup.stop(); // and again when idle
});

Deno.test("Supervisor redacts secrets in the stderr tail and lastError", async () => {
  const { sup } = sh(
    [
      'echo "opening rtsp://admin:hunter22@10.0.0.9/live" >&2',
      'echo "401: bad password hunter22" >&2',
      "exit 1",
    ].join("; "),
    { secrets: ["hunter22"], backoff: { initialMs: 5000 } },
  );
  try {
    sup.start();
    await waitFor(() => sup.state === "backoff", "failure");
    const tail = sup.stderrTail();
    assert.equal(tail.length, 2);
    assert.equal(tail[0], "opening rtsp://admin:***@10.0.0.9/live");
    assert.ok(tail.every((l) => !l.includes("hunter22")), tail.join("\n"));
    assert.ok(!(sup.lastError ?? "").includes("hunter22"));
    assert.match(sup.lastError ?? "", /\*\*\*/);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor keeps only the last stderrTailLines lines", async () => {
  const { sup } = sh(
    "for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 2",
    {
      stderrTailLines: 3,
      backoff: { initialMs: 5000 },
    },
  );
  try {
    sup.start();
    await waitFor(() => sup.state === "backoff", "failure");
    assert.deepEqual(sup.stderrTail(), ["line5", "line6", "line7"]);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor backs off with a clear error when the binary is missing", async () => {
  const starts: number[] = [];
  const sup = new Supervisor({
    name: "missing",
    command: "/nonexistent/bin/ffmpeg",
    args: () => ["-version"],
    onStdout: () => {},
    onState: (s) => s === "starting" && starts.push(performance.now()),
    backoff: { initialMs: 100, factor: 2, maxMs: 1000 },
  });
  try {
    sup.start(); // must not throw
    await waitFor(() => sup.restarts >= 3, "3 restarts");
    assert.equal(sup.state === "backoff" || sup.state === "starting", true);
    assert.equal(
      sup.lastError,
      "ffmpeg not found at /nonexistent/bin/ffmpeg (install it, or set FALCON_FFMPEG to its full path)",
    );
    assert.ok(starts[2] - starts[1] > starts[1] - starts[0], "backoff grows");
  } finally {
    await sup.stop();
  }
  assert.equal(sup.state, "idle");
});

Deno.test("Supervisor names PATH when a bare command is missing", async () => {
  const sup = new Supervisor({
    name: "missing",
    command: `ffmpeg-${marker()}`,
    args: () => [],
    onStdout: () => {},
    backoff: { initialMs: 5000 },
  });
  try {
    sup.start();
    await waitFor(() => sup.state === "backoff", "backoff");
    assert.match(sup.lastError ?? "", /^ffmpeg-\w+ not found on PATH/);
  } finally {
    await sup.stop(); // wakes the 5 s backoff at once
  }
});

Deno.test("Supervisor.start() during stop() starts again once the old child exited", async () => {
  const { sup, states } = sh("echo hi; exec sleep 30");
  try {
    sup.start();
    await waitFor(() => sup.state === "running", "running");
    const first = sup.pid!;
    const stopping = sup.stop();
    sup.start();
    await stopping;
    await waitFor(() => sup.state === "running", "running again");
    assert.notEqual(sup.pid, first);
    assert.equal(pidAlive(first), false);
    assert.deepEqual(states.slice(0, 5), [
      "starting",
      "running",
      "stopping",
      "idle",
      "starting",
    ]);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor.restart() replaces the child without counting a failure", async () => {
  let n = 0;
  const sup = new Supervisor({
    name: "restart",
    command: "sh",
    args: () => ["-c", `echo run${n++}; exec sleep 30`],
    onStdout: () => sup.progress(),
  });
  try {
    sup.start();
    await waitFor(() => sup.state === "running", "running");
    const first = sup.pid!;
    sup.restart();
    await waitFor(
      () => sup.pid !== null && sup.pid !== first && sup.state === "running",
      "new child",
    );
    assert.equal(pidAlive(first), false);
    assert.equal(sup.restarts, 0);
    assert.equal(sup.lastError, null);
    assert.equal(n, 2);
  } finally {
    await sup.stop();
  }
});

Deno.test("Supervisor kills the child when the consumer rejects its output", async () => {
  const bad = new Supervisor({
    name: "bad",
    command: "sh",
    args: () => ["-c", "while :; do echo x; sleep 0.05; done"],
    onStdout: () => {
      throw new Error("not multipart");
    },
    backoff: { initialMs: 5000 },
  });
  try {
    bad.start();
    await waitFor(() => bad.state === "backoff", "backoff");
    assert.match(bad.lastError ?? "", /^sh bad output: not multipart/);
  } finally {
    await bad.stop();
  }
});

Deno.test("Supervisor runs real ffmpeg: demo frames make it run, a dead RTSP source fails clearly", async () => {
  let bytes = 0;
  const demo = new Supervisor({
    name: "demo",
    command: "ffmpeg",
    args: () =>
      relayArgs({
        id: "d",
        name: "demo",
        protocol: "demo",
        source_url: "demo://x",
        device_path: null,
        width: 176,
        height: 144,
        framerate: 10,
      }),
    onStdout: (chunk) => {
      bytes += chunk.byteLength;
      demo.progress();
    },
  });
  const dead = new Supervisor({
    name: "dead",
    command: "ffmpeg",
    args: () =>
      relayArgs({
        id: "r",
        name: "dead",
        protocol: "rtsp",
        source_url: "rtsp://admin:sup3rsecret@127.0.0.1:1/x",
        device_path: null,
        width: 176,
        height: 144,
        framerate: 10,
      }),
    onStdout: () => dead.progress(),
    secrets: ["sup3rsecret"],
    backoff: { initialMs: 5000 },
  });
  try {
    demo.start();
    dead.start();
    await waitFor(() => demo.state === "running", "demo running", 5000);
    await waitFor(() => dead.state === "backoff", "dead backoff", 5000);
    assert.ok(bytes > 0);
    assert.match(
      dead.lastError ?? "",
      /^ffmpeg exited with code 1: \[tcp\] Connection to tcp:\/\/127.0.0.1:1\?timeout=5000000 failed: Connection refused; rtsp:\/\/admin:\*\*\*@127.0.0.1:1\/x: Connection refused$/,
    );
    assert.ok(!dead.lastError!.includes("sup3rsecret"), dead.lastError!);
    const pid = demo.pid!;
    await demo.stop();
    assert.equal(pidAlive(pid), false);
  } finally {
    await demo.stop();
    await dead.stop();
  }
});

Deno.test("Supervisor says a clean exit means the source ended the stream", async () => {
  const { sup } = sh("exit 0", {
    backoff: { initialMs: 60_000, factor: 2, maxMs: 60_000 },
  });
  try {
    sup.start();
    await waitFor(() => sup.lastError !== null, "an error");
    assert.equal(
      sup.lastError,
      "sh exited with code 0 (the source ended the stream)",
    );
  } finally {
    await sup.stop();
  }
});
