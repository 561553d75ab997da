import assert from "node:assert/strict";
import { startRtspServer } from "../../tests/support/rtsp_server.ts";
import { countFfmpeg } from "../../tests/support/processes.ts";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { pidsWith, waitFor } from "../ffmpeg/testing.ts";
import { CameraRelay } from "../relay/relay.ts";
import { parseSegmentPath } from "../storage/layout.ts";
import { Recorder } from "./recorder.ts";
import {
  decodesCleanly,
  gapsMs,
  recEnv,
  rtspSpec,
  sleep,
  streamsOf,
} from "./testing.ts";

Deno.test({
  name:
    "Recorder: RTSP, 3-s segments for ~12 s: playable, contiguous, sum ≈ wall time, one event each",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15 });
    await using env = await recEnv();
    const spec = rtspSpec(server.url);
    const rec = new Recorder(spec, spec.record!, env.deps);
    const startedAt = Date.now();
    await rec.start();
    await sleep(12_000);
    await rec.stop();
    const stoppedAt = Date.now();
    assert.equal(countFfmpeg(spec.record!.session_id), 0, "no ffmpeg left");

    const segs = await env.segments();
    assert.ok(segs.length >= 3, `expected ≥ 3 segments, got ${segs.length}`);
    for (const s of segs) {
      const info = parseSegmentPath(s.path);
      assert.ok(info, `path ${s.path} has the layout shape`);
      assert.equal(info.cameraId, spec.id);
      assert.equal(s.session_id, spec.record!.session_id);
      const abs = `${env.root}/${s.path}`;
      const st = await streamsOf(abs);
      assert.deepEqual(st.video, ["h264"]);
      assert.deepEqual(st.audio, []);
      assert.equal(s.audio_codec, null);
      assert.equal(s.recovered, false);
      assert.equal(s.size_bytes, (await Deno.stat(abs)).size);
      assert.ok(await decodesCleanly(abs), `${s.path} decodes`);
    }
    const gaps = gapsMs(segs);
    assert.ok(gaps.every((g) => Math.abs(g) <= 70), `gaps ≤ 1 frame: ${gaps}`);
    const sum = segs.reduce((n, s) => n + s.duration_ms, 0);
    const span = Date.parse(segs.at(-1)!.end_at) - Date.parse(segs[0].start_at);
    assert.ok(Math.abs(sum - span) <= 2000, `durations ${sum} vs span ${span}`);
    // Placement on the wall clock: the first frame after start, the last one before stop.
    const first = Date.parse(segs[0].start_at);
    const last = Date.parse(segs.at(-1)!.end_at);
    assert.ok(
      first >= startedAt - 500 && first <= startedAt + 5000,
      `first ${first - startedAt} ms after start`,
    );
    assert.ok(
      last <= stoppedAt + 500 && last >= stoppedAt - 4000,
      `last ${stoppedAt - last} ms before stop`,
    );
    // Every event reached the controller exactly once, and the incoming folder is empty.
    assert.equal(
      new Set(env.fake.events.map((e) => e.id)).size,
      env.fake.events.length,
    );
    const left = [...Deno.readDirSync(`${env.root}/${spec.id}/.incoming`)];
    assert.deepEqual(left.map((e) => e.name), []);
    console.log(
      `segments=${segs.length} sum=${sum}ms span=${span}ms gaps=${gaps}`,
    );
  },
});

async function recordFor(
  env: Awaited<ReturnType<typeof recEnv>>,
  spec: ReturnType<typeof rtspSpec>,
  ms: number,
) {
  const rec = new Recorder(spec, spec.record!, env.deps);
  await rec.start();
  await waitFor(() => rec.segments >= 1, "a first segment", 20_000);
  await sleep(ms);
  await rec.stop();
  return await env.segments();
}

Deno.test({
  name: "Recorder: RTSP with G.711 (pcm_mulaw) audio → AAC audio track",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15, audio: "pcmu" });
    await using env = await recEnv();
    const segs = await recordFor(env, rtspSpec(server.url), 1000);
    assert.ok(segs.length >= 2);
    for (const s of segs) {
      const st = await streamsOf(`${env.root}/${s.path}`);
      assert.deepEqual(st.video, ["h264"]);
      assert.deepEqual(st.audio, ["aac"]);
      assert.equal(s.audio_codec, "aac");
      assert.ok(await decodesCleanly(`${env.root}/${s.path}`));
    }
  },
});

Deno.test({
  name: "Recorder: RTSP with AAC audio → audio copied",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15, audio: "aac" });
    await using env = await recEnv();
    const segs = await recordFor(env, rtspSpec(server.url), 500);
    assert.ok(segs.length >= 2);
    for (const s of segs) {
      assert.equal(s.audio_codec, "aac");
      assert.deepEqual((await streamsOf(`${env.root}/${s.path}`)).audio, [
        "aac",
      ]);
    }
  },
});

Deno.test({
  name:
    "Recorder: RTSP server down ~6 s → a gap of about that size, then segments resume by themselves",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using server = await startRtspServer({ fps: 15 });
    await using env = await recEnv();
    const spec = rtspSpec(server.url);
    const rec = new Recorder(spec, spec.record!, env.deps);
    await rec.start();
    await waitFor(() => rec.segments >= 1, "a first segment", 20_000);
    await sleep(1000);
    await server.stop();
    const downAt = Date.now();
    await sleep(6000);
    await server.restart();
    const upAt = Date.now();
    const before = rec.segments;
    await waitFor(
      () => rec.segments >= before + 2,
      "segments after the outage",
      25_000,
    );
    await rec.stop();

    const segs = await env.segments();
    const gaps = gapsMs(segs);
    const biggest = Math.max(...gaps);
    console.log(`outage ${upAt - downAt} ms, gaps ${gaps}`);
    assert.ok(
      biggest >= 5000 && biggest <= 11_000,
      `gap ${biggest} ms for a ${upAt - downAt} ms outage`,
    );
    assert.equal(gaps.filter((g) => g > 200).length, 1, "exactly one gap");
    const failed = (await env.events()).filter((e) =>
      e.type === "recording.failed"
    );
    assert.equal(
      failed.length,
      1,
      "failures are rate-limited to one event per minute",
    );
    assert.ok(!JSON.stringify(failed).includes("rtsp://u:"), "redacted");
  },
});

Deno.test({
  name:
    "Recorder: frames-in from a demo relay → H.264 segments; the relay stays subscribed only while recording",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const width = 320 + 2 * Math.floor(Math.random() * 200);
    const spec: CameraSpec = {
      id: `cam-${Date.now().toString(36)}`,
      name: "Demo",
      protocol: "demo",
      source_url: "demo://pattern",
      device_path: null,
      width,
      height: 240,
      framerate: 15,
      record: { session_id: "sdemo1", segment_seconds: 3 },
    };
    const relay = new CameraRelay(spec, { idleGraceMs: 200 });
    await using env = await recEnv({ hubOf: () => relay.hub });
    try {
      const rec = new Recorder(spec, spec.record!, env.deps);
      await rec.start();
      assert.equal(
        relay.hub.subscribers,
        1,
        "the recorder keeps the relay running",
      );
      await waitFor(() => rec.segments >= 2, "two segments", 25_000);
      assert.equal(
        pidsWith(`testsrc2=size=${width}x240`).length,
        1,
        "the source is opened once, by the relay",
      );
      await rec.stop();
      assert.equal(relay.hub.subscribers, 0);
      const segs = await env.segments();
      assert.ok(segs.length >= 2);
      for (const s of segs) {
        const st = await streamsOf(`${env.root}/${s.path}`);
        assert.deepEqual(st.video, ["h264"]);
        assert.deepEqual(st.audio, []);
        assert.ok(s.duration_ms > 500);
        assert.ok(await decodesCleanly(`${env.root}/${s.path}`));
      }
    } finally {
      await relay.close();
    }
  },
});
