/**
 * The listing against a node laid out as a real one (device nodes, sysfs
 * names, udev's by-id/by-path links) with the tools replaced by scripts that
 * print the recorded outputs of real devices: no V4L2 device can exist on the
 * build machine, everything else runs for real (spawn, deadline, kill, cache).
 */
import assert from "node:assert/strict";
import { pidAlive, pidsWith, waitFor } from "../ffmpeg/testing.ts";
import { findDevice, UsbLister } from "./usb.ts";

const testdata = new URL("testdata/", import.meta.url).pathname;

interface FakeNode {
  root: string;
  dev: string;
  sys: string;
  /** Tool invocations so far (each appends a line). */
  calls(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A node with a C920 (video0 capture, video1 metadata) and an MJPEG-only camera (video2). */
async function fakeNode(): Promise<FakeNode> {
  const root = await Deno.makeTempDir({ prefix: "falcon-usb-test-" });
  const dev = `${root}/dev`;
  const sys = `${root}/sys/class/video4linux`;
  await Deno.mkdir(`${dev}/v4l/by-id`, { recursive: true });
  await Deno.mkdir(`${dev}/v4l/by-path`, { recursive: true });
  const names = [
    "HD Pro Webcam C920",
    "HD Pro Webcam C920",
    "USB 2.0 Camera: USB Camera",
  ];
  for (const [i, name] of names.entries()) {
    await Deno.writeTextFile(`${dev}/video${i}`, "");
    await Deno.mkdir(`${sys}/video${i}`, { recursive: true });
    await Deno.writeTextFile(`${sys}/video${i}/name`, `${name}\n`);
  }
  await Deno.writeTextFile(`${dev}/video10`, ""); // no sysfs entry, unknown to the tool
  await Deno.writeTextFile(`${dev}/videos`, ""); // not a video node
  const link = (dir: string, name: string, target: string) =>
    Deno.symlink(target, `${dev}/v4l/${dir}/${name}`);
  await link(
    "by-id",
    "usb-046d_HD_Pro_Webcam_C920_6D3D4D5F-video-index0",
    "../../video0",
  );
  await link(
    "by-id",
    "usb-046d_HD_Pro_Webcam_C920_6D3D4D5F-video-index1",
    "../../video1",
  );
  await link(
    "by-path",
    "pci-0000:00:14.0-usb-0:1:1.0-video-index0",
    "../../video0",
  );
  await link("by-id", "usb-dangling-video-index0", "../../video99");
  return {
    root,
    dev,
    sys,
    calls: async () =>
      (await Deno.readTextFile(`${root}/calls`).catch(() => "")).split("\n")
        .filter(Boolean).length,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

/** A stand-in for v4l2-ctl: prints the recording of the device it is asked about. */
async function fakeV4l2Ctl(node: FakeNode): Promise<string> {
  const path = `${node.root}/v4l2-ctl`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
# v4l2-ctl --device DEV --info --list-formats-ext
echo "$*" >> "${node.root}/calls"
case "$2" in
  */video0) cat "${testdata}v4l2ctl_c920_video0.txt" ;;
  */video1) cat "${testdata}v4l2ctl_c920_video1.txt" ;;
  */video2) cat "${testdata}v4l2ctl_mjpeg_only.txt" ;;
  *) echo "Cannot open device $2, exiting." >&2; exit 1 ;;
esac
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** A stand-in for ffmpeg -list_formats: the recording on stderr, exit 1 like ffmpeg. */
async function fakeFfmpeg(node: FakeNode): Promise<string> {
  const path = `${node.root}/ffmpeg`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh
echo "$*" >> "${node.root}/calls"
for dev; do :; done
case "$dev" in
  */video0) cat "${testdata}ffmpeg_c920_video0.txt" >&2 ;;
  */video1) cat "${testdata}ffmpeg_c920_video1.txt" >&2 ;;
  */video2) cat "${testdata}ffmpeg_mjpeg_only.txt" >&2 ;;
  *) echo "$dev: No such file or directory" >&2 ;;
esac
exit 1
`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("UsbLister lists names, aliases, capture and formats via v4l2-ctl", async () => {
  await using node = await fakeNode();
  const lister = new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: await fakeV4l2Ctl(node),
    ffmpegPath: "/nonexistent/ffmpeg",
  });
  const devices = await lister.list();
  assert.deepEqual(devices.map((d) => d.path), [
    `${node.dev}/video0`,
    `${node.dev}/video1`,
    `${node.dev}/video2`,
    `${node.dev}/video10`,
  ]);
  const [c920, meta, cheap, unknown] = devices;
  assert.equal(c920.name, "HD Pro Webcam C920");
  assert.equal(
    c920.by_id,
    `${node.dev}/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_6D3D4D5F-video-index0`,
  );
  assert.equal(
    c920.by_path,
    `${node.dev}/v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0`,
  );
  assert.equal(c920.bus_info, "usb-0000:00:14.0-1");
  assert.equal(c920.capture, true);
  assert.deepEqual(c920.formats.map((f) => f.pixel_format), [
    "YUYV",
    "H264",
    "MJPG",
  ]);
  assert.equal(c920.error, null);
  assert.equal(meta.capture, false);
  assert.deepEqual(meta.formats, []);
  assert.match(meta.by_id ?? "", /index1$/);
  assert.equal(cheap.name, "USB 2.0 Camera: USB Camera");
  assert.equal(cheap.by_id, null);
  assert.equal(cheap.formats[0].sizes[0].fps.join(), "30,25");
  // No sysfs name, and the tool cannot open it: listed, with the tool's reason.
  assert.equal(unknown.name, null);
  assert.equal(unknown.capture, false);
  assert.match(unknown.error ?? "", /Cannot open device/);

  assert.equal(
    findDevice(devices, c920.by_id!),
    c920,
    "found by its by-id alias",
  );
  assert.equal(findDevice(devices, `${node.dev}/video2`), cheap);
  assert.equal(findDevice(devices, "/dev/video7"), null);
});

Deno.test("UsbLister falls back to ffmpeg -list_formats when v4l2-ctl is not installed", async () => {
  await using node = await fakeNode();
  const lister = new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: `${node.root}/no-such-v4l2-ctl`,
    ffmpegPath: await fakeFfmpeg(node),
  });
  const [c920, meta, cheap] = await lister.list();
  assert.equal(c920.name, "HD Pro Webcam C920", "from sysfs");
  assert.equal(c920.bus_info, null, "ffmpeg does not say");
  assert.equal(c920.capture, true);
  assert.deepEqual(c920.formats.map((f) => f.ffmpeg_format), [
    "yuyv422",
    "h264",
    "mjpeg",
  ]);
  assert.deepEqual(c920.formats[2].sizes[0].fps, [], "ffmpeg lists no rates");
  assert.equal(meta.capture, false);
  assert.equal(
    meta.error,
    "ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device",
  );
  assert.equal(cheap.formats.length, 1);
  // The arguments ffmpeg got.
  const calls = (await Deno.readTextFile(`${node.root}/calls`)).split("\n");
  assert.ok(
    calls.includes(
      `-hide_banner -nostdin -protocol_whitelist file -f v4l2 -list_formats all -i ${node.dev}/video0`,
    ),
  );
});

Deno.test("UsbLister caches a listing and shares one run between concurrent callers", async () => {
  await using node = await fakeNode();
  const lister = new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: await fakeV4l2Ctl(node),
    ttlMs: 60_000,
  });
  const [a, b] = await Promise.all([lister.list(), lister.list()]);
  assert.equal(a, b);
  assert.equal(await node.calls(), 4, "one tool run per device node");
  await lister.list();
  assert.equal(await node.calls(), 4, "served from the cache");
  lister.invalidate();
  await lister.list();
  assert.equal(await node.calls(), 8);
});

Deno.test("UsbLister kills a tool that hangs at the deadline and leaves no process", async () => {
  await using node = await fakeNode();
  const marker = `hang-${crypto.randomUUID().slice(0, 8)}`;
  const hang = `${node.root}/v4l2-ctl-hang`;
  // A wrapper whose child sleeps: the whole process group must go.
  await Deno.writeTextFile(
    hang,
    `#!/bin/sh\nexec sh -c 'sleep 30; : ${marker}'\n`,
  );
  await Deno.chmod(hang, 0o755);
  const lister = new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: hang,
    timeoutMs: 300,
  });
  const started = performance.now();
  const devices = await lister.list();
  const took = performance.now() - started;
  assert.ok(took < 2000, `bounded by the deadline, took ${took} ms`);
  assert.equal(devices.length, 4);
  for (const d of devices) {
    assert.equal(d.error, "v4l2-ctl gave no answer within 300 ms");
    assert.deepEqual(d.formats, []);
  }
  await waitFor(
    () => pidsWith(marker).every((pid) => !pidAlive(pid)),
    "the hung tools to be gone",
    2000,
  );
});

Deno.test("UsbLister on a node without video devices runs no tool", async () => {
  await using node = await fakeNode();
  await Deno.remove(node.dev, { recursive: true });
  const lister = new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: await fakeV4l2Ctl(node),
  });
  assert.deepEqual(await lister.list(), []);
  assert.equal(await node.calls(), 0);
});

/**
 * A node with the other layouts real devices print: an H.264-only camera, a
 * multiplanar-only ISP, unicam behind an HDMI bridge, the Pi's codec (a
 * memory-to-memory node) and an old-layout H.264 node. The ffmpeg stand-in
 * prints a device's ffmpeg recording, or ffmpeg 5.1's refusal of a node
 * without single-planar capture (the ISP, the codec).
 */
async function variantNode(): Promise<
  { node: FakeNode; v4l2ctl: string; ffmpeg: string }
> {
  const node = await fakeNode();
  const names = [
    "h264_only",
    "rkisp_mplane",
    "unicam_hdmi",
    "pi_codec_m2m",
    "elp_video1_old",
  ];
  for (const n of [0, 1, 2, 10]) {
    await Deno.remove(`${node.dev}/video${n}`);
  }
  for (const [i, name] of names.entries()) {
    await Deno.writeTextFile(`${node.dev}/video${i}`, "");
    await Deno.mkdir(`${node.sys}/video${i}`, { recursive: true });
    await Deno.writeTextFile(`${node.sys}/video${i}/name`, `${name}\n`);
  }
  const cases = (tool: "v4l2ctl" | "ffmpeg") =>
    names.map((name, i) => {
      const file = `${testdata}${tool}_${name}.txt`;
      const out = tool === "ffmpeg" ? ">&2" : "";
      const missing =
        `printf '[video4linux2,v4l2 @ 0x1] Not a video capture device.\\n/dev/video${i}: No such device\\n' >&2`;
      return `  */video${i}) if [ -f "${file}" ]; then cat "${file}" ${out}; else ${missing}; fi ;;`;
    }).join("\n");
  const v4l2ctl = `${node.root}/v4l2-ctl`;
  await Deno.writeTextFile(
    v4l2ctl,
    `#!/bin/sh\ncase "$2" in\n${cases("v4l2ctl")}\nesac\n`,
  );
  const ffmpeg = `${node.root}/ffmpeg`;
  await Deno.writeTextFile(
    ffmpeg,
    `#!/bin/sh\nfor dev; do :; done\ncase "$dev" in\n${
      cases("ffmpeg")
    }\nesac\nexit 1\n`,
  );
  await Deno.chmod(v4l2ctl, 0o755);
  await Deno.chmod(ffmpeg, 0o755);
  return { node, v4l2ctl, ffmpeg };
}

Deno.test("UsbLister lists the other real-world layouts sensibly, via v4l2-ctl and via ffmpeg", async () => {
  const { node, v4l2ctl, ffmpeg } = await variantNode();
  await using _ = node;
  const summary = (devices: Awaited<ReturnType<UsbLister["list"]>>) =>
    devices.map((d) => ({
      capture: d.capture,
      formats: d.formats.map((f) =>
        `${f.pixel_format}:${f.ffmpeg_format}:${f.sizes.length}`
      ),
      error: d.error,
    }));
  const byCtl = await new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl,
    ffmpegPath: "/nonexistent/ffmpeg",
  }).list();
  assert.deepEqual(summary(byCtl), [
    { capture: true, formats: ["H264:h264:4"], error: null },
    {
      capture: true,
      formats: [
        "YUYV:yuyv422:11",
        "NV16:null:11",
        "NV61:null:11",
        "NV21:null:11",
        "NV12:nv12:11",
        "NM21:null:11",
        "NM12:null:11",
        "GREY:gray:11",
      ],
      error: null,
    },
    { capture: true, formats: ["RGB3:rgb24:0", "UYVY:uyvy422:0"], error: null },
    {
      capture: false,
      formats: [
        "YU12:yuv420p:9",
        "YV12:yuv420p:9",
        "NV12:nv12:9",
        "NV21:null:9",
        "RGBP:rgb565le:9",
      ],
      error: null,
    },
    { capture: true, formats: ["H264:h264:3"], error: null },
  ]);
  const byFfmpeg = await new UsbLister({
    devDir: node.dev,
    sysDir: node.sys,
    v4l2ctl: `${node.root}/no-such-v4l2-ctl`,
    ffmpegPath: ffmpeg,
  }).list();
  assert.deepEqual(summary(byFfmpeg), [
    { capture: true, formats: ["H264:h264:4"], error: null },
    // ffmpeg before 8 cannot open a multiplanar-only node, nor a codec.
    { capture: false, formats: [], error: "Not a video capture device." },
    { capture: true, formats: ["RGB3:rgb24:0", "UYVY:uyvy422:0"], error: null },
    { capture: false, formats: [], error: "Not a video capture device." },
    { capture: true, formats: ["H264:h264:3"], error: null },
  ]);
});
