import assert from "node:assert/strict";
import {
  anchorPath,
  audioPlan,
  clampSegmentSeconds,
  concatArgs,
  incomingPattern,
  probeRtspArgs,
  recordArgs,
  remuxArgs,
  type SegmentOutput,
} from "./args.ts";

const OUT: SegmentOutput = {
  incomingDir: "/data/recordings/cam1/.incoming",
  sessionId: "s-1234",
  run: "r1abc",
  segmentSeconds: 60,
};

const SEGMENT_TAIL = [
  "-f",
  "segment",
  "-segment_time",
  "60",
  "-segment_atclocktime",
  "1",
  "-reset_timestamps",
  "1",
  "-strftime",
  "1",
  "-segment_format",
  "mp4",
  "-segment_format_options",
  "movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=1000000:flush_packets=1",
  "-segment_list",
  "/data/recordings/cam1/.incoming/s-1234.r1abc.csv",
  "-segment_list_type",
  "csv",
  "/data/recordings/cam1/.incoming/s-1234.r1abc.%s.mp4",
];

const HEAD = [
  "-hide_banner",
  "-nostdin",
  "-loglevel",
  "error",
  "-nostats",
  "-progress",
  "pipe:1",
  "-stats_period",
  "0.5",
];

Deno.test("recordArgs() rtsp: copies H.264, transcodes audio to AAC, optional audio map", () => {
  assert.deepEqual(
    recordArgs({
      kind: "rtsp",
      url: "rtsp://u:p@cam/live",
      videoCodec: "h264",
      audio: "aac",
      fps: 15,
    }, OUT),
    [
      ...HEAD,
      "-protocol_whitelist",
      "rtsp,rtp,udp,tcp",
      "-rtsp_transport",
      "tcp",
      "-timeout",
      "5000000",
      "-i",
      "rtsp://u:p@cam/live",
      "-map",
      "0:v:0",
      "-map",
      "0:a:0?",
      "-c:v",
      "copy",
      "-c:a",
      "aac",
      "-b:a",
      "64k",
      ...SEGMENT_TAIL,
    ],
  );
});

Deno.test("recordArgs() rtsp: reads over UDP when the camera's transport is udp", () => {
  const args = recordArgs({
    kind: "rtsp",
    url: "rtsp://u:p@cam/main",
    transport: "udp",
    videoCodec: "h264",
    audio: "none",
    fps: 15,
  }, OUT);
  assert.deepEqual(args.slice(HEAD.length, HEAD.length + 8), [
    "-protocol_whitelist",
    "rtsp,rtp,udp,tcp",
    "-rtsp_transport",
    "udp",
    "-timeout",
    "5000000",
    "-i",
    "rtsp://u:p@cam/main",
  ]);
});

Deno.test("probeRtspArgs() uses the camera's transport, tcp by default", () => {
  const tcp = probeRtspArgs("rtsp://cam/a");
  assert.equal(tcp[tcp.indexOf("-rtsp_transport") + 1], "tcp");
  const udp = probeRtspArgs("rtsp://cam/a", "udp");
  assert.equal(udp[udp.indexOf("-rtsp_transport") + 1], "udp");
  assert.equal(udp.at(-1), "rtsp://cam/a");
});

Deno.test("recordArgs() rtsp: AAC is copied, no audio drops the audio map, HEVC gets hvc1", () => {
  const copy = recordArgs({
    kind: "rtsp",
    url: "rtsp://cam/a",
    videoCodec: "hevc",
    audio: "copy",
    fps: 25,
  }, OUT);
  assert.deepEqual(copy.slice(HEAD.length + 8, -SEGMENT_TAIL.length), [
    "-map",
    "0:v:0",
    "-map",
    "0:a:0?",
    "-c:v",
    "copy",
    "-tag:v",
    "hvc1",
    "-c:a",
    "copy",
  ]);
  const none = recordArgs({
    kind: "rtsp",
    url: "rtsp://cam/a",
    videoCodec: null,
    audio: "none",
    fps: 25,
  }, OUT);
  assert.deepEqual(none.slice(HEAD.length + 8, -SEGMENT_TAIL.length), [
    "-map",
    "0:v:0",
    "-c:v",
    "copy",
    "-an",
  ]);
});

Deno.test("recordArgs() rtsp: video MP4 cannot copy (e.g. MJPEG over RTSP) is encoded to H.264", () => {
  const args = recordArgs({
    kind: "rtsp",
    url: "rtsp://cam/a",
    videoCodec: "mjpeg",
    audio: "none",
    fps: 10,
  }, OUT);
  assert.deepEqual(args.slice(HEAD.length + 8, -SEGMENT_TAIL.length), [
    "-map",
    "0:v:0",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-g",
    "20",
    "-pix_fmt",
    "yuv420p",
    "-an",
  ]);
});

Deno.test("recordArgs() frames-in: MJPEG from the relay's socket, wall-clock stamps, H.264", () => {
  assert.deepEqual(
    recordArgs({ kind: "frames", socketPath: "/tmp/fr/1.sock", fps: 15 }, {
      ...OUT,
      segmentSeconds: 3,
    }),
    [
      ...HEAD,
      "-protocol_whitelist",
      "unix",
      "-f",
      "mjpeg",
      "-use_wallclock_as_timestamps",
      "1",
      "-i",
      "unix:/tmp/fr/1.sock",
      "-map",
      "0:v:0",
      "-vf",
      "scale=trunc(iw/2)*2:trunc(ih/2)*2",
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-tune",
      "zerolatency",
      "-g",
      "30",
      "-pix_fmt",
      "yuv420p",
      "-fps_mode",
      "vfr",
      "-an",
      ...SEGMENT_TAIL.map((a) => a === "60" ? "3" : a),
    ],
  );
});

Deno.test("incomingPattern() doubles % in the folder so strftime keeps it", () => {
  assert.equal(
    incomingPattern({ ...OUT, incomingDir: "/d/100%/cam/.incoming" }),
    "/d/100%%/cam/.incoming/s-1234.r1abc.%s.mp4",
  );
  assert.equal(
    anchorPath(OUT),
    "/data/recordings/cam1/.incoming/s-1234.r1abc.anchor",
  );
});

Deno.test("clampSegmentSeconds() keeps segments between 2 s and 1 h, default 60", () => {
  assert.equal(clampSegmentSeconds(undefined), 60);
  assert.equal(clampSegmentSeconds(NaN), 60);
  assert.equal(clampSegmentSeconds(0), 2);
  assert.equal(clampSegmentSeconds(2.6), 3);
  assert.equal(clampSegmentSeconds(86400), 3600);
});

Deno.test("audioPlan(): AAC copy, G.711 transcode, none, unknown transcode", () => {
  assert.equal(audioPlan("aac"), "copy");
  assert.equal(audioPlan("pcm_mulaw"), "aac");
  assert.equal(audioPlan("pcm_alaw"), "aac");
  assert.equal(audioPlan(null), "none");
  assert.equal(audioPlan(undefined), "aac");
});

Deno.test("remuxArgs() and concatArgs() stream-copy into a faststart MP4", () => {
  assert.deepEqual(remuxArgs("/i/a.mp4", "/i/a.repair.mp4"), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-nostats",
    "-y",
    "-protocol_whitelist",
    "file",
    "-i",
    "/i/a.mp4",
    "-map",
    "0",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    "/i/a.repair.mp4",
  ]);
  assert.deepEqual(concatArgs("/c/list.txt", "/c/x.mp4").slice(5, 14), [
    "-y",
    "-protocol_whitelist",
    "file",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    "/c/list.txt",
  ]);
});
