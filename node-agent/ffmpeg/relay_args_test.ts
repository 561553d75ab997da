import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol.ts";
import { AppError } from "../../lib/errors.ts";
import { relayArgs } from "./relay_args.ts";

function spec(over: Partial<CameraSpec>): CameraSpec {
  return {
    id: "cam1",
    name: "Front door",
    protocol: "demo",
    source_url: "demo://pattern",
    device_path: null,
    width: 640,
    height: 480,
    framerate: 15,
    ...over,
  };
}

const ENCODE = [
  "-an",
  "-vf",
  "fps=15,scale=640:480",
  "-c:v",
  "mjpeg",
  "-q:v",
  "5",
  "-f",
  "mpjpeg",
  "-boundary_tag",
  "ffmpeg",
  "pipe:1",
];

Deno.test("relayArgs() reads RTSP over TCP with a socket timeout", () => {
  const url = "rtsp://admin:s3cret@10.0.0.7:554/stream1";
  assert.deepEqual(relayArgs(spec({ protocol: "rtsp", source_url: url })), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-rtsp_transport",
    "tcp",
    "-timeout",
    "5000000",
    "-i",
    url,
    ...ENCODE,
  ]);
});

Deno.test("relayArgs() accepts rtsps:// for the rtsp protocol", () => {
  const url = "rtsps://10.0.0.7:322/s";
  const args = relayArgs(spec({ protocol: "rtsp", source_url: url }));
  assert.equal(args[args.indexOf("-i") + 1], url);
});

Deno.test("relayArgs() reads HTTP MJPEG with reconnects and a read timeout", () => {
  const url = "http://cam.local/video.mjpg?user=a";
  assert.deepEqual(relayArgs(spec({ protocol: "http", source_url: url })), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-reconnect",
    "1",
    "-reconnect_streamed",
    "1",
    "-reconnect_delay_max",
    "2",
    "-rw_timeout",
    "5000000",
    "-i",
    url,
    ...ENCODE,
  ]);
});

Deno.test("relayArgs() makes demo:// a real-time moving test pattern", () => {
  assert.deepEqual(
    relayArgs(spec({ width: 320, height: 240, framerate: 10 })),
    [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=320x240:rate=10",
      "-an",
      "-vf",
      "fps=10,scale=320:240",
      "-c:v",
      "mjpeg",
      "-q:v",
      "5",
      "-f",
      "mpjpeg",
      "-boundary_tag",
      "ffmpeg",
      "pipe:1",
    ],
  );
});

Deno.test("relayArgs() copies a USB camera's native MJPEG", () => {
  const usb = spec({
    protocol: "usb",
    source_url: null,
    device_path: "/dev/video2",
    width: 1280,
    height: 720,
    framerate: 30,
  });
  assert.deepEqual(relayArgs(usb), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-f",
    "v4l2",
    "-input_format",
    "mjpeg",
    "-video_size",
    "1280x720",
    "-framerate",
    "30",
    "-i",
    "/dev/video2",
    "-an",
    "-c:v",
    "copy",
    "-f",
    "mpjpeg",
    "-boundary_tag",
    "ffmpeg",
    "pipe:1",
  ]);
});

Deno.test("relayArgs() refuses a source whose scheme does not match the protocol", () => {
  for (
    const bad of [
      spec({ protocol: "rtsp", source_url: "file:///etc/passwd" }),
      spec({ protocol: "http", source_url: "rtsp://x/y" }),
      spec({ protocol: "http", source_url: "not a url" }),
      spec({ protocol: "rtsp", source_url: null }),
      spec({ protocol: "demo", source_url: "concat:/a|/b" }),
    ]
  ) {
    assert.throws(
      () => relayArgs(bad),
      (e) => e instanceof AppError && e.kind === "invalid_input",
    );
  }
});

Deno.test("relayArgs() refuses bad sizes and device paths without echoing the URL", () => {
  const url = "rtsp://u:topsecret@h/s";
  assert.throws(
    () => relayArgs(spec({ protocol: "rtsp", source_url: url, width: 0 })),
    (e) =>
      e instanceof AppError && /width/.test(e.message) &&
      !e.message.includes("topsecret"),
  );
  assert.throws(() => relayArgs(spec({ framerate: NaN })), AppError);
  assert.throws(() => relayArgs(spec({ width: 320.5 })), AppError);
  for (const device_path of [null, "/etc/passwd", "/dev/../etc/passwd"]) {
    assert.throws(
      () => relayArgs(spec({ protocol: "usb", source_url: null, device_path })),
      AppError,
    );
  }
});
