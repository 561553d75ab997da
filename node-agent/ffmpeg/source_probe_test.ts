import assert from "node:assert/strict";
import { startRtspServer } from "../../tests/support/rtsp_server.ts";
import {
  ffprobePathFor,
  parseProbe,
  probeArgs,
  probeSource,
} from "./source_probe.ts";

Deno.test("probeArgs() per protocol", () => {
  assert.deepEqual(
    probeArgs({
      protocol: "rtsp",
      source_url: "rtsp://h/x",
      device_path: null,
    }),
    [
      "-v",
      "error",
      "-show_streams",
      "-of",
      "json",
      "-protocol_whitelist",
      "rtsp,rtp,udp,tcp",
      "-rtsp_transport",
      "tcp",
      "-timeout",
      "5000000",
      "-i",
      "rtsp://h/x",
    ],
  );
  // The camera's transport: a UDP-only camera answers a TCP SETUP with 461.
  assert.deepEqual(
    probeArgs({
      protocol: "rtsp",
      source_url: "rtsp://h/x",
      device_path: null,
      rtsp_transport: "udp",
    }),
    [
      "-v",
      "error",
      "-show_streams",
      "-of",
      "json",
      "-protocol_whitelist",
      "rtsp,rtp,udp,tcp",
      "-rtsp_transport",
      "udp",
      "-timeout",
      "5000000",
      "-i",
      "rtsp://h/x",
    ],
  );
  assert.deepEqual(
    probeArgs({ protocol: "usb", source_url: null, device_path: "/dev/video2" })
      .slice(-4),
    [
      "-f",
      "v4l2",
      "-i",
      "/dev/video2",
    ],
  );
  assert.equal(
    ffprobePathFor("/usr/bin/ffmpeg"),
    Deno.env.get("FALCON_FFPROBE") ?? "/usr/bin/ffprobe",
  );
});

Deno.test("parseProbe() reads codec, size, rate and audio", () => {
  const out = parseProbe(JSON.stringify({
    streams: [
      {
        codec_type: "video",
        codec_name: "h264",
        width: 1920,
        height: 1080,
        avg_frame_rate: "25/1",
      },
      {
        codec_type: "audio",
        codec_name: "pcm_mulaw",
        sample_rate: "8000",
        channels: 1,
      },
    ],
  }));
  assert.deepEqual(out, {
    video: { codec: "h264", width: 1920, height: 1080, fps: 25 },
    audio: { codec: "pcm_mulaw", sample_rate: 8000, channels: 1 },
  });
  assert.deepEqual(parseProbe("{}"), { video: null, audio: null });
});

Deno.test({
  name:
    "probeSource() reports a real RTSP source, and a refused one with a redacted error",
  sanitizeResources: false,
  async fn() {
    await using rtsp = await startRtspServer({
      size: "320x240",
      fps: 10,
      audio: "pcmu",
    });
    const ok = await probeSource({
      protocol: "rtsp",
      source_url: rtsp.url,
      device_path: null,
    }, {
      ffprobe: "ffprobe",
      node: "n1",
    });
    assert.equal(ok.ok, true, ok.error ?? "");
    assert.equal(ok.video?.codec, "h264");
    assert.equal(ok.video?.width, 320);
    assert.equal(ok.audio?.codec, "pcm_mulaw");
    const bad = await probeSource(
      {
        protocol: "rtsp",
        source_url: "rtsp://user:Sekret-99@127.0.0.1:1/x",
        device_path: null,
      },
      { ffprobe: "ffprobe", node: "n1" },
    );
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /refused/i);
    assert.doesNotMatch(bad.error!, /Sekret-99/);
    const missing = await probeSource({
      protocol: "demo",
      source_url: "demo://",
      device_path: null,
    }, {
      ffprobe: "/nonexistent/ffprobe",
      node: "n1",
    });
    assert.match(missing.error!, /ffprobe not found/);
  },
});
