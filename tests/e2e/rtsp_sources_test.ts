/**
 * RTSP quirks end to end with the GStreamer server (controller on PGlite,
 * node agent as a process): a camera behind Digest auth with a 320x240
 * sub-stream for live view and a 640x480 main stream with PCMU audio for
 * recording (stream copy, audio to AAC); a camera read over UDP, live and
 * recording; a wrong password shown as the camera's error.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { findProcesses } from "../support/processes.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import {
  createCamera,
  liveFrames,
  recordSegments,
  startSourceStack,
  stopRecording,
} from "../support/cameras.ts";

/** Width and height from a baseline JPEG's SOF0 segment. */
function jpegSize(jpeg: Uint8Array): string {
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) {
      const h = (jpeg[i + 5] << 8) | jpeg[i + 6];
      const w = (jpeg[i + 7] << 8) | jpeg[i + 8];
      return `${w}x${h}`;
    }
  }
  throw new Error("no SOF0 marker");
}

/** argv of the ffmpeg processes whose command line contains `text`. */
function ffmpegsWith(text: string): string[][] {
  return findProcesses((argv) =>
    (argv[0] ?? "").endsWith("ffmpeg") && argv.join(" ").includes(text)
  ).map((p) => p.cmdline);
}

async function probe(bytes: Uint8Array): Promise<Record<string, string>[]> {
  const path = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(path, bytes);
    const out = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "stream=codec_type,codec_name,width,height",
        "-of",
        "json",
        path,
      ],
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout)).streams;
  } finally {
    await Deno.remove(path);
  }
}

Deno.test({
  name:
    "RTSP: digest auth, sub-stream live + main stream recorded, UDP transport",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const auth = { user: "admin", password: "Rt5p-digest" };
    await using sub = await startRtspServer({
      size: "320x240",
      fps: 10,
      path: "/sub",
      ...auth,
    });
    await using main = await startRtspServer({
      size: "640x480",
      fps: 10,
      path: "/main",
      audio: "pcmu",
      ...auth,
    });
    await using udp = await startRtspServer({
      size: "320x240",
      fps: 10,
      path: "/udp",
    });
    const stack = await startSourceStack("rtsp-node");
    try {
      const drive = await createCamera(stack, {
        name: "Drive",
        protocol: "rtsp",
        source_url: sub.authUrl,
        record_source_url: main.authUrl,
        resolution: "320x240",
        framerate: 10,
      });
      assert.equal(
        drive.record_source_url,
        main.authUrl.replace(auth.password, "***"),
      );
      const yard = await createCamera(stack, {
        name: "Yard",
        protocol: "rtsp",
        source_url: udp.url,
        rtsp_transport: "udp",
        resolution: "320x240",
        framerate: 10,
      });

      await t.step(
        "live view reads the digest-protected sub-stream (320x240)",
        async () => {
          const frames = await liveFrames(stack, drive.id, 5, 10000);
          assert.equal(frames.length, 5);
          assert.ok(frames.every(isJpeg));
          assert.equal(jpegSize(frames[4]), "320x240");
          assert.equal(
            ffmpegsWith(`:${sub.port}/sub`).length,
            1,
            "the relay reads /sub",
          );
          assert.equal(
            ffmpegsWith(`:${main.port}/main`).length,
            0,
            "nothing reads /main yet",
          );
        },
      );

      await t.step(
        "recording copies the 640x480 main stream, PCMU audio as AAC",
        async () => {
          const rec = await recordSegments(stack, drive.id, 2);
          assert.ok(rec.segments.every((s) => s.video_codec === "h264"));
          assert.ok(
            rec.segments.every((s) => s.audio_codec === "aac"),
            "pcm_mulaw → AAC",
          );
          const recorders = ffmpegsWith(`:${main.port}/main`);
          assert.equal(recorders.length, 1, "one recorder reads /main");
          const argv = recorders[0].join(" ");
          assert.match(argv, /-c:v copy/, "video is stream-copied");
          assert.match(argv, /-rtsp_transport tcp/);
          await stopRecording(stack, drive.id);
          const dl = await stack.api(`/api/recordings/${rec.id}/download`);
          assert.equal(dl.status, 200);
          const streams = await probe(new Uint8Array(await dl.arrayBuffer()));
          const video = streams.find((s) => s.codec_type === "video")!;
          assert.equal(`${video.width}x${video.height}`, "640x480");
          assert.equal(video.codec_name, "h264");
          assert.equal(
            streams.find((s) => s.codec_type === "audio")?.codec_name,
            "aac",
          );
        },
      );

      await t.step(
        "a UDP camera streams and records over RTP/UDP",
        async () => {
          const frames = await liveFrames(stack, yard.id, 5, 10000);
          assert.equal(frames.length, 5);
          const relays = ffmpegsWith(udp.url);
          assert.ok(relays.length >= 1);
          assert.ok(
            relays.every((a) => a.join(" ").includes("-rtsp_transport udp")),
          );
          const rec = await recordSegments(stack, yard.id, 1);
          assert.equal(rec.segments[0].video_codec, "h264");
          await stopRecording(stack, yard.id);
        },
      );

      await t.step(
        "a wrong digest password is the camera's error, without the password",
        async () => {
          const bad = await createCamera(stack, {
            name: "Gate",
            protocol: "rtsp",
            source_url: sub.authUrl.replace(auth.password, "Wr0ng-pass"),
            resolution: "320x240",
            framerate: 10,
          });
          // The node learns of the new camera through its long poll; until
          // then the snapshot is a 502 "does not run on this node".
          let shot: Response;
          let text: string;
          const until = Date.now() + 15_000;
          do {
            shot = await stack.api(`/api/cameras/${bad.id}/snapshot`);
            text = await shot.text();
            if (shot.status === 503) break;
            await new Promise((r) => setTimeout(r, 250));
          } while (Date.now() < until);
          assert.equal(shot.status, 503, text);
          assert.match(text, /401|Unauthorized/i);
          assert.ok(!text.includes("Wr0ng-pass"));
        },
      );
    } finally {
      await stack.close();
    }
  },
});
