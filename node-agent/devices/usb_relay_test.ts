/**
 * A usb camera end to end through the real relay, without a device: the
 * capture plan is made from recorded device listings, the relay runs its real
 * ffmpeg command with only the `-f v4l2 … -i DEVICE` part replaced by a
 * stand-in (an MJPEG file read in real time for a device's native MJPEG, an
 * ffmpeg lavfi source in the device's raw pixel format for YUYV, an H.264
 * stream for an H.264-only camera), and frames
 * flow through the FrameHub as they would from a camera. Also: a recording of
 * a usb camera reads the relay's frames and opens no second source.
 *
 * Wall time ≈ 10 s (the recording test waits for a 2-s segment).
 */
import assert from "node:assert/strict";
import type { CameraSpec, UsbDevice } from "../../lib/protocol/mod.ts";
import { marker, pidsWith, waitFor } from "../ffmpeg/testing.ts";
import { Recorder } from "../recorder/recorder.ts";
import { recEnv } from "../recorder/testing.ts";
import { CameraRelay } from "../relay/relay.ts";
import type { UsbCapture } from "./capture.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`testdata/${name}.txt`, import.meta.url));

/** A device as the listing reports it, from a recorded v4l2-ctl output. */
function recordedDevice(
  listing: string,
  byId: string,
  keep?: (fourcc: string) => boolean,
): UsbDevice {
  const p = parseV4l2Ctl(fixture(listing));
  return {
    path: "/dev/video0",
    name: p.card,
    by_id: byId,
    by_path: null,
    bus_info: p.bus_info,
    capture: true,
    formats: p.formats.filter((f) => !keep || keep(f.pixel_format)),
  };
}

function usbSpec(devicePath: string, over: Partial<CameraSpec>): CameraSpec {
  return {
    id: `usb-${marker()}`,
    name: "USB test",
    protocol: "usb",
    source_url: null,
    device_path: devicePath,
    width: 320,
    height: 240,
    framerate: 15,
    ...over,
  };
}

const TUNING = {
  backoff: { initialMs: 200, maxMs: 1000 },
  stallTimeoutMs: 5000,
  stopTimeoutMs: 2000,
};

/** The JPEGs of an MJPEG elementary stream (ffmpeg's encoder puts no EOI inside a frame). */
function splitJpegs(stream: Uint8Array): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i + 1 < stream.length; i++) {
    if (stream[i] !== 0xff) continue;
    if (stream[i + 1] === 0xd8 && start < 0) start = i;
    else if (stream[i + 1] === 0xd9 && start >= 0) {
      out.push(hex(stream.subarray(start, i + 2)));
      start = -1;
    }
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Width and height from a baseline JPEG's SOF0 segment. */
function jpegSize(jpeg: Uint8Array): [number, number] {
  for (let i = 2; i + 8 < jpeg.length;) {
    if (jpeg[i] !== 0xff) throw new Error("not a marker");
    const kind = jpeg[i + 1];
    const len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (kind === 0xc0) {
      return [
        (jpeg[i + 7] << 8) | jpeg[i + 8],
        (jpeg[i + 5] << 8) | jpeg[i + 6],
      ];
    }
    i += 2 + len;
  }
  throw new Error("no SOF0");
}

/** Frames the hub publishes while subscribed. */
async function frames(relay: CameraRelay, n: number): Promise<Uint8Array[]> {
  const leave = relay.hub.subscribe();
  const signal = AbortSignal.timeout(15_000);
  const got: Uint8Array[] = [];
  try {
    let seq = 0;
    while (got.length < n) {
      const f = await relay.hub.next(seq, signal);
      if (!f) {
        throw new Error(`only ${got.length} frames: ${relay.runtime().error}`);
      }
      got.push(f.data);
      seq = f.seq;
    }
  } finally {
    leave();
  }
  return got;
}

function cmdline(pid: number): string {
  return Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
}

/** A /dev/v4l/by-id path unique to this test run. */
function byIdPath(tag = marker()): string {
  return `/dev/v4l/by-id/usb-test-${tag}-video-index0`;
}

/** Writes `seconds` of a 320x240 test pattern at `fps`, encoded by `encode`, to `path`. */
async function makeClip(
  path: string,
  fps: number,
  seconds: number,
  encode: string[],
): Promise<void> {
  const made = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=320x240:rate=${fps}`,
      "-t",
      String(seconds),
      ...encode,
      path,
    ],
  }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
}

/** Stand-in input: `clip` looped in real time, as a device would send it. */
function loopedClip(format: string, fps: number, clip: string): string[] {
  return [
    "-re",
    "-stream_loop",
    "-1",
    "-f",
    format,
    "-framerate",
    String(fps),
    "-i",
    clip,
  ];
}

/** Stand-in input: a lavfi test pattern in the plan's raw pixel format. */
function rawPattern(c: UsbCapture): string[] {
  return [
    "-re",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${c.width}x${c.height}:rate=${c.fps},format=${c.input_format}`,
  ];
}

/**
 * A relay over the recorded `device` whose v4l2 input is replaced by
 * `input(plan, device)`; `plans` collects the capture plans it made.
 */
function standInRelay(
  spec: CameraSpec,
  device: UsbDevice,
  input: (c: UsbCapture, device: string) => string[],
  idleGraceMs = 100,
): { relay: CameraRelay; plans: UsbCapture[] } {
  const plans: UsbCapture[] = [];
  const relay = new CameraRelay(spec, {
    idleGraceMs,
    tuning: TUNING,
    usb: {
      devices: () => Promise.resolve([device]),
      input: (c, path) => {
        plans.push(c);
        return input(c, path);
      },
    },
  });
  return { relay, plans };
}

/** A transcoding plan (copy false); the note is checked on its own. */
function assertTranscodePlan(
  plan: UsbCapture | undefined,
  expected: Pick<UsbCapture, "input_format" | "width" | "height" | "fps">,
): void {
  assert.deepEqual({ ...plan!, note: undefined }, {
    ...expected,
    copy: false,
    note: undefined,
  });
}

Deno.test({
  name:
    "usb relay: a device's native MJPEG is copied through unchanged into the hub",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "falcon-usb-relay-" });
    const byId = byIdPath();
    // What the camera would send: MJPEG at the size and rate the plan asks for.
    const clip = `${dir}/device.mjpeg`;
    await makeClip(clip, 25, 1, ["-c:v", "mjpeg", "-q:v", "7", "-f", "mjpeg"]);
    const clipFrames = new Set(splitJpegs(await Deno.readFile(clip)));
    assert.equal(clipFrames.size, 25);

    const { relay, plans } = standInRelay(
      usbSpec(byId, { framerate: 25 }),
      recordedDevice("v4l2ctl_mjpeg_only", byId),
      (c) => loopedClip("mjpeg", c.fps, clip),
    );
    try {
      const got = await frames(relay, 10);
      assert.deepEqual(plans[0], {
        input_format: "mjpeg",
        width: 320,
        height: 240,
        fps: 25,
        copy: true,
        note: null,
      });
      for (const f of got) {
        assert.ok(clipFrames.has(hex(f)), "byte for byte the device's JPEG");
      }
      assert.match(cmdline(relay.pid!), /-an -c:v copy -f mpjpeg/);
      assert.equal(relay.runtime().state, "running");
      assert.equal(relay.runtime().note, undefined);
    } finally {
      await relay.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "usb relay: a raw YUYV device is encoded to MJPEG, scaled to the camera's size, with a note",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const byId = byIdPath();
    // 400x300 is not offered: the nearest 4:3 YUYV size is captured and scaled.
    const { relay, plans } = standInRelay(
      usbSpec(byId, { width: 400, height: 300, framerate: 15 }),
      recordedDevice("v4l2ctl_c920_video0", byId, (f) => f === "YUYV"),
      rawPattern,
    );
    try {
      const got = await frames(relay, 5);
      assertTranscodePlan(plans[0], {
        input_format: "yuyv422",
        width: 320,
        height: 240,
        fps: 15,
      });
      for (const f of got) assert.deepEqual(jpegSize(f), [400, 300]);
      assert.match(
        cmdline(relay.pid!),
        /format=yuyv422 -an -vf fps=15,scale=400:300 -c:v mjpeg -q:v 5/,
      );
      assert.match(
        relay.runtime().note ?? "",
        /offers no 400x300; capturing 320x240 scaled to 400x300/,
      );
    } finally {
      await relay.close();
    }
  },
});

Deno.test({
  name:
    "usb relay: an H.264-only device is decoded and encoded to MJPEG, with a note",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "falcon-usb-relay-" });
    const byId = byIdPath();
    // What the camera would send: an H.264 elementary stream at the plan's size.
    const clip = `${dir}/device.h264`;
    await makeClip(clip, 15, 2, [
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-f",
      "h264",
    ]);
    const { relay, plans } = standInRelay(
      usbSpec(byId, { framerate: 15 }),
      recordedDevice("v4l2ctl_h264_only", byId),
      (c) => loopedClip(c.input_format!, c.fps, clip),
    );
    try {
      const got = await frames(relay, 5);
      assertTranscodePlan(plans[0], {
        input_format: "h264",
        width: 320,
        height: 240,
        fps: 15,
      });
      for (const f of got) assert.deepEqual(jpegSize(f), [320, 240]);
      assert.match(
        cmdline(relay.pid!),
        /device\.h264 -an -vf fps=15,scale=320:240 -c:v mjpeg -q:v 5/,
      );
      assert.match(
        relay.runtime().note ?? "",
        /offers H264 only; it is decoded/,
      );
    } finally {
      await relay.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "usb relay: recording a usb camera reads the relay's frames; no second process opens the device",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tag = marker();
    const byId = byIdPath(tag);
    const spec: CameraSpec = {
      ...usbSpec(byId, { width: 320, height: 240, framerate: 10 }),
      record: { session_id: `s${tag}`, segment_seconds: 2 },
    };
    // The stand-in's argv carries the device path, as a real v4l2 input would,
    // so /proc shows every process that "opens the device".
    const { relay } = standInRelay(
      spec,
      // Raw YUYV, so the lavfi stand-in delivers what the plan expects.
      recordedDevice("v4l2ctl_c920_video0", byId, (f) => f === "YUYV"),
      (c, device) => [
        ...rawPattern(c),
        "-metadata",
        `comment=stand-in for ${device}`,
      ],
      200,
    );
    await using env = await recEnv({ hubOf: () => relay.hub });
    try {
      const rec = new Recorder(spec, spec.record!, env.deps);
      await rec.start();
      assert.equal(relay.hub.subscribers, 1, "the recorder reads the relay");
      await waitFor(() => rec.segments >= 1, "a closed segment", 20_000);
      const openers = pidsWith(byId);
      assert.deepEqual(openers, [relay.pid], "only the relay opens the device");
      assert.ok(rec.pid, "the recorder's ffmpeg runs");
      const recArgv = cmdline(rec.pid!);
      assert.ok(!recArgv.includes("v4l2") && !recArgv.includes("/dev/"));
      assert.match(recArgv, /unix:/, "it reads frames from the relay's feed");
      await rec.stop();
      const segs = await env.segments();
      assert.ok(segs.length >= 1);
      assert.equal(segs[0].video_codec, "h264");
    } finally {
      await relay.close();
    }
  },
});
