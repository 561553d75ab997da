import assert from "node:assert/strict";
import type { CameraSpec, UsbDevice } from "../../lib/protocol/mod.ts";
import { AppError } from "../../lib/errors.ts";
import { relayArgs } from "./relay_args.ts";
import { chooseUsbCapture } from "../devices/capture.ts";
import { parseV4l2Ctl } from "../devices/v4l2ctl.ts";

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
    "-protocol_whitelist",
    "rtsp,rtp,udp,tcp",
    "-rtsp_transport",
    "tcp",
    "-timeout",
    "5000000",
    "-analyzeduration",
    "500000",
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

Deno.test("relayArgs() reads RTSP over UDP when the camera asks for it", () => {
  const url = "rtsp://admin:s3cret@10.0.0.7:554/stream2";
  assert.deepEqual(
    relayArgs(
      spec({ protocol: "rtsp", source_url: url, rtsp_transport: "udp" }),
    ),
    [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-protocol_whitelist",
      "rtsp,rtp,udp,tcp",
      "-rtsp_transport",
      "udp",
      "-timeout",
      "5000000",
      "-analyzeduration",
      "500000",
      "-i",
      url,
      ...ENCODE,
    ],
  );
  const tcp = relayArgs(
    spec({ protocol: "rtsp", source_url: url, rtsp_transport: "tcp" }),
  );
  assert.equal(tcp[tcp.indexOf("-rtsp_transport") + 1], "tcp");
});

Deno.test("relayArgs() refuses an unknown rtsp_transport instead of passing it on", () => {
  assert.throws(
    () =>
      relayArgs(spec({
        protocol: "rtsp",
        source_url: "rtsp://cam/x",
        // deno-lint-ignore no-explicit-any
        rtsp_transport: "udp_multicast -i file:/etc/passwd" as any,
      })),
    (e) =>
      e instanceof AppError && e.kind === "invalid_input" &&
      /rtsp_transport must be tcp or udp/.test(e.message),
  );
});

Deno.test("relayArgs() reads the live URL, never the recording one", () => {
  const args = relayArgs(spec({
    protocol: "rtsp",
    source_url: "rtsp://cam/sub",
    record_source_url: "rtsp://cam/main",
  }));
  assert.equal(args[args.indexOf("-i") + 1], "rtsp://cam/sub");
  assert.ok(!args.join(" ").includes("/main"));
});

Deno.test("relayArgs() reads HTTP MJPEG with reconnects and a read timeout", () => {
  const url = "http://cam.local/video.mjpg?user=a";
  assert.deepEqual(relayArgs(spec({ protocol: "http", source_url: url })), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "http,https,tcp,tls",
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
      "-protocol_whitelist",
      "file",
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

// --- usb: the capture plan comes from the device's recorded formats ---------

const fixture = (name: string) =>
  Deno.readTextFileSync(
    new URL(`../devices/testdata/${name}.txt`, import.meta.url),
  );

function usbDevice(listing: string): UsbDevice {
  const p = parseV4l2Ctl(fixture(listing));
  return {
    path: "/dev/video2",
    name: p.card,
    by_id: null,
    by_path: null,
    bus_info: p.bus_info,
    capture: p.capture ?? false,
    formats: p.formats,
  };
}

function usbSpec(width: number, height: number, framerate: number) {
  return spec({
    protocol: "usb",
    source_url: null,
    device_path: "/dev/video2",
    width,
    height,
    framerate,
  });
}

function usbArgs(s: CameraSpec, device: UsbDevice | null): string[] {
  return relayArgs(s, {
    usb: chooseUsbCapture(
      { width: s.width, height: s.height, fps: s.framerate },
      device,
    ),
  });
}

Deno.test("relayArgs() copies a USB camera's native MJPEG when it offers the size (C920)", () => {
  assert.deepEqual(
    usbArgs(usbSpec(1280, 720, 30), usbDevice("v4l2ctl_c920_video0")),
    [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-protocol_whitelist",
      "file",
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
    ],
  );
});

Deno.test("relayArgs() captures raw YUYV and encodes MJPEG when the size has no MJPEG (C920 2304x1296)", () => {
  assert.deepEqual(
    usbArgs(usbSpec(2304, 1296, 2), usbDevice("v4l2ctl_c920_video0")),
    [
      "-hide_banner",
      "-nostdin",
      "-loglevel",
      "error",
      "-protocol_whitelist",
      "file",
      "-f",
      "v4l2",
      "-input_format",
      "yuyv422",
      "-video_size",
      "2304x1296",
      "-framerate",
      "2",
      "-i",
      "/dev/video2",
      "-an",
      "-vf",
      "fps=2,scale=2304:1296",
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

Deno.test("relayArgs() without a device listing captures the driver's default format and encodes", () => {
  assert.deepEqual(usbArgs(usbSpec(640, 480, 15), null), [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "file",
    "-f",
    "v4l2",
    "-video_size",
    "640x480",
    "-framerate",
    "15",
    "-i",
    "/dev/video2",
    ...ENCODE,
  ]);
  // The same without a plan at all.
  assert.deepEqual(
    relayArgs(usbSpec(640, 480, 15)),
    usbArgs(usbSpec(640, 480, 15), null),
  );
});

Deno.test("relayArgs() usbInput replaces only the device input (the test seam)", () => {
  const args = relayArgs(usbSpec(640, 480, 15), {
    usb: chooseUsbCapture(
      { width: 640, height: 480, fps: 15 },
      usbDevice("v4l2ctl_mjpeg_only"),
    ),
    usbInput: (
      c,
      device,
    ) => ["-f", "lavfi", "-i", `stand-in-for:${device}:${c.input_format}`],
  });
  assert.deepEqual(args.slice(4, 6), ["-protocol_whitelist", "file"]);
  assert.deepEqual(args.slice(6, 10), [
    "-f",
    "lavfi",
    "-i",
    "stand-in-for:/dev/video2:mjpeg",
  ]);
  assert.deepEqual(args.slice(10, 13), ["-an", "-c:v", "copy"]);
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
