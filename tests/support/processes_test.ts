import assert from "node:assert/strict";
import {
  countFfmpeg,
  descendantPids,
  findProcesses,
  processTreeCpuSeconds,
  waitUntil,
} from "./processes.ts";

/** Spawns a CPU-busy ffmpeg tagged with `marker` so tests can find it. */
function spawnFfmpeg(marker: string, seconds = 30): Deno.ChildProcess {
  return new Deno.Command("ffmpeg", {
    args: [
      "-nostdin",
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=640x480:rate=25:duration=${seconds}`,
      "-metadata",
      `comment=${marker}`,
      "-f",
      "null",
      "-",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

Deno.test("findProcesses sees this Deno process", () => {
  const me = findProcesses(() => true).find((p) => p.pid === Deno.pid);
  assert.ok(me, "own pid not listed");
  assert.ok(me.cmdline.length > 0);
});

Deno.test("countFfmpeg sees a running ffmpeg and not after kill", async () => {
  const marker = `falcon-count-${crypto.randomUUID()}`;
  assert.equal(countFfmpeg(marker), 0);
  const child = spawnFfmpeg(marker);
  try {
    // spawn() may return before the child has exec'd ffmpeg.
    await waitUntil(() => countFfmpeg(marker) === 1, 5_000, "ffmpeg to show");
    assert.equal(countFfmpeg(marker), 1);
    assert.equal(countFfmpeg("no-such-substring-" + marker), 0);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assert.equal(countFfmpeg(marker), 0);
});

Deno.test("countFfmpeg ignores non-ffmpeg processes mentioning ffmpeg", async () => {
  const marker = `falcon-sleep-${crypto.randomUUID()}`;
  const child = new Deno.Command("sh", {
    args: ["-c", "sleep 30; true", `ffmpeg ${marker}`],
    stdin: "null",
  }).spawn();
  try {
    await waitUntil(
      () =>
        findProcesses((argv) => argv.join(" ").includes(marker)).length === 1,
      5_000,
      "sh to show",
    );
    assert.equal(countFfmpeg(marker), 0);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});

Deno.test("processTreeCpuSeconds sums a shell and its ffmpeg child", async () => {
  const marker = `falcon-cpu-${crypto.randomUUID()}`;
  // `; true` stops sh from exec'ing ffmpeg, so ffmpeg is a real child.
  const started = Date.now();
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      `ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=640x480:rate=25 ` +
      `-metadata comment=${marker} -f null - ; true`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitUntil(
      () => countFfmpeg(marker) === 1,
      5_000,
      "ffmpeg child to show",
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const tree = descendantPids(child.pid);
    const ffmpeg = findProcesses((a) => a.join(" ").includes(marker))
      .find((p) => p.cmdline[0] === "ffmpeg");
    assert.ok(ffmpeg, "ffmpeg child not found");
    assert.ok(tree.includes(ffmpeg.pid), "ffmpeg not in the shell's tree");
    // ffmpeg first: CPU time only grows, so the later tree sample >= it.
    const ffmpegOnly = processTreeCpuSeconds(ffmpeg.pid);
    const total = processTreeCpuSeconds(child.pid);
    assert.ok(ffmpegOnly > 0.05, `ffmpeg used only ${ffmpegOnly}s CPU`);
    assert.ok(total >= ffmpegOnly, `tree ${total}s < ffmpeg ${ffmpegOnly}s`);
    const wall = (Date.now() - started) / 1000;
    const cap = wall * navigator.hardwareConcurrency + 0.1;
    assert.ok(total < cap, `tree ${total}s exceeds wall × cores`);
  } finally {
    // Kill the tree: ffmpeg first so it is not reparented and left running.
    for (const pid of descendantPids(child.pid).reverse()) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await child.status;
  }
  // The orphaned ffmpeg is reaped by init, not by us: give it a moment.
  await waitUntil(() => countFfmpeg(marker) === 0, 5_000, "ffmpeg to exit");
  assert.equal(processTreeCpuSeconds(child.pid), 0);
});
