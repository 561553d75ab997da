import assert from "node:assert/strict";
import { startRtspServer } from "../../tests/support/rtsp_server.ts";
import { countFfmpeg } from "../../tests/support/processes.ts";
import { marker, waitFor } from "../ffmpeg/testing.ts";
import { Recorder } from "./recorder.ts";
import { recoverRecordings } from "./recovery.ts";
import {
  decodesCleanly,
  gapsMs,
  recEnv,
  rtspSpec,
  sleep,
  streamsOf,
} from "./testing.ts";

const CHILD = new URL("./testdata/crash_child.ts", import.meta.url).pathname;

Deno.test({
  name:
    "recovery: kill -9 of node agent and ffmpeg mid-segment → partial segment recovered at start, loss ≤ 2 s",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15 });
    await using env = await recEnv();
    const cameraId = `cam-${marker()}`;
    const sessionId = `s${marker()}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CHILD,
        env.root,
        env.outbox.dir,
        server.url,
        cameraId,
        sessionId,
        "4",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines: string[] = [];
    const reading = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stdout) {
        lines.push(...dec.decode(chunk).split("\n"));
      }
    })();
    let killedAt = 0;
    let ffmpegPid = 0;
    try {
      await waitFor(
        () => lines.some((l) => l.startsWith("SEGMENT")),
        "a first segment",
        20_000,
      );
      ffmpegPid = Number(
        lines.find((l) => l.startsWith("FFMPEG"))!.split(" ")[1],
      );
      await sleep(1800); // well inside the next 4-s segment
      killedAt = Date.now();
      Deno.kill(ffmpegPid, "SIGKILL");
      child.kill("SIGKILL");
    } finally {
      await child.status;
      await reading;
    }
    await waitFor(() => !running(ffmpegPid), "ffmpeg gone");
    const before = lines.filter((l) => l.startsWith("SEGMENT")).length;

    const report = await recoverRecordings({
      root: env.root,
      outbox: env.outbox,
      ffmpegPath: "ffmpeg",
      ffprobePath: "ffprobe",
    });
    assert.equal(report.recovered, 1, JSON.stringify(report));
    assert.equal(report.failed, 0);
    const segs = await env.segments();
    assert.equal(segs.length, before + 1);
    const last = segs.at(-1)!;
    assert.equal(last.recovered, true);
    assert.equal(last.session_id, sessionId);
    for (const s of segs) {
      assert.ok(
        await decodesCleanly(`${env.root}/${s.path}`),
        `${s.path} plays`,
      );
    }
    const lossMs = killedAt - Date.parse(last.end_at);
    console.log(
      `RPO: lost ${lossMs} ms of video (recovered segment ${last.duration_ms} ms)`,
    );
    assert.ok(lossMs <= 2000 && lossMs >= -500, `loss ${lossMs} ms`);
    const gaps = gapsMs(segs);
    assert.ok(gaps.every((g) => Math.abs(g) <= 70), `contiguous: ${gaps}`);
    assert.deepEqual(
      [...Deno.readDirSync(`${env.root}/${cameraId}/.incoming`)],
      [],
    );
  },
});

Deno.test({
  name:
    "Recorder: kill -9 of its ffmpeg → crashed segment repaired at once, recording resumes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15 });
    await using env = await recEnv();
    const spec = rtspSpec(server.url);
    const rec = new Recorder(spec, spec.record!, env.deps);
    await rec.start();
    await waitFor(() => rec.segments >= 1, "a first segment", 20_000);
    await sleep(1200);
    const pid = rec.pid!;
    const killedAt = Date.now();
    Deno.kill(pid, "SIGKILL");
    await waitFor(
      () => rec.pid !== null && rec.pid !== pid,
      "a new ffmpeg",
      10_000,
    );
    await waitFor(
      () => rec.segments >= 3,
      "segments after the restart",
      20_000,
    );
    await rec.stop();
    assert.equal(countFfmpeg(spec.record!.session_id), 0);

    const segs = await env.segments();
    const crashed = segs.filter((s) => s.recovered);
    assert.equal(crashed.length, 1);
    const lossMs = killedAt - Date.parse(crashed[0].end_at);
    assert.ok(lossMs <= 2000, `loss ${lossMs} ms`);
    const i = segs.indexOf(crashed[0]);
    const gap = Date.parse(segs[i + 1].start_at) -
      Date.parse(crashed[0].end_at);
    assert.ok(gap >= 0 && gap < 6000, `restart gap ${gap} ms`);
    for (const s of segs) {
      assert.deepEqual((await streamsOf(`${env.root}/${s.path}`)).video, [
        "h264",
      ]);
    }
    const failed = (await env.events()).filter((e) =>
      e.type === "recording.failed"
    );
    assert.equal(failed.length, 1, "one recording.failed for the crash");
  },
});

Deno.test({
  name:
    "recovery: an ffmpeg orphaned by a killed node agent is stopped first, and its segments are closed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15 });
    await using env = await recEnv();
    const cameraId = `cam-${marker()}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CHILD,
        env.root,
        env.outbox.dir,
        server.url,
        cameraId,
        `s${marker()}`,
        "3",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines: string[] = [];
    const reading = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stdout) {
        lines.push(...dec.decode(chunk).split("\n"));
      }
    })();
    await waitFor(
      () => lines.some((l) => l.startsWith("SEGMENT")),
      "a first segment",
      20_000,
    );
    const ffmpegPid = Number(
      lines.find((l) => l.startsWith("FFMPEG"))!.split(" ")[1],
    );
    child.kill("SIGKILL"); // the node agent dies; its ffmpeg lives on in its own group
    await child.status;
    await reading;
    await sleep(500);
    const orphanAlive = running(ffmpegPid);
    const report = await recoverRecordings({
      root: env.root,
      outbox: env.outbox,
      ffmpegPath: "ffmpeg",
      ffprobePath: "ffprobe",
    });
    assert.ok(!running(ffmpegPid), "the orphan is gone");
    if (orphanAlive) assert.equal(report.orphans, 1);
    assert.equal(report.failed, 0);
    const segs = await env.segments();
    assert.ok(segs.length >= 2);
    for (const s of segs) {
      assert.ok(await decodesCleanly(`${env.root}/${s.path}`), s.path);
    }
    assert.deepEqual(
      [...Deno.readDirSync(`${env.root}/${cameraId}/.incoming`)],
      [],
    );
    console.log(
      `orphan alive after the agent died: ${orphanAlive}; report ${
        JSON.stringify({ ...report, events: report.events.length })
      }`,
    );
  },
});

/** True while the process runs (an exited zombie that nobody reaped does not count). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}
