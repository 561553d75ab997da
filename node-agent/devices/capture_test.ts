import assert from "node:assert/strict";
import type { UsbDevice } from "../../lib/protocol.ts";
import { chooseUsbCapture } from "./capture.ts";
import { parseFfmpegFormats } from "./ffmpeg_list.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`testdata/${name}.txt`, import.meta.url));

function device(name: string): UsbDevice {
  const formats = name.startsWith("ffmpeg_")
    ? parseFfmpegFormats(fixture(name)).formats
    : parseV4l2Ctl(fixture(name)).formats;
  return {
    path: "/dev/video0",
    name,
    by_id: null,
    by_path: null,
    bus_info: null,
    capture: formats.length > 0,
    formats,
  };
}

const want = (width: number, height: number, fps: number) => ({
  width,
  height,
  fps,
});

Deno.test("chooseUsbCapture(): the C920's MJPEG is copied at every size it offers", () => {
  const c920 = device("v4l2ctl_c920_video0");
  for (const [w, h] of [[640, 480], [1280, 720], [1920, 1080], [160, 90]]) {
    assert.deepEqual(chooseUsbCapture(want(w, h, 30), c920), {
      input_format: "mjpeg",
      width: w,
      height: h,
      fps: 30,
      copy: true,
      note: null,
    });
  }
});

Deno.test("chooseUsbCapture(): a size only YUYV offers is captured raw and encoded", () => {
  const c920 = device("v4l2ctl_c920_video0");
  assert.deepEqual(chooseUsbCapture(want(2304, 1536, 2), c920), {
    input_format: "yuyv422",
    width: 2304,
    height: 1536,
    fps: 2,
    copy: false,
    note: null,
  });
});

Deno.test("chooseUsbCapture(): a rate the device lacks becomes the nearest it has, and says so", () => {
  const c920 = device("v4l2ctl_c920_video0");
  const c = chooseUsbCapture(want(1280, 720, 12), c920);
  assert.equal(c.input_format, "mjpeg");
  assert.equal(c.fps, 10);
  assert.match(
    c.note ?? "",
    /12 fps is not offered at 1280x720 MJPG; using 10 fps/,
  );
  // A tie goes to the higher rate.
  assert.equal(chooseUsbCapture(want(640, 480, 27), c920).fps, 30);
});

Deno.test("chooseUsbCapture(): an MJPEG-only camera without the size copies the nearest size", () => {
  const cheap = device("v4l2ctl_mjpeg_only");
  const c = chooseUsbCapture(want(1024, 576, 15), cheap);
  assert.equal(c.copy, true);
  // 16:9 sizes first; 1280x720 is the nearest in pixels among them.
  assert.deepEqual([c.width, c.height], [1280, 720]);
  assert.equal(c.fps, 25);
  assert.match(c.note ?? "", /offers no 1024x576; capturing 1280x720/);
  // 4:3 wanted: a 4:3 size, not the nearer 640x360.
  const d = chooseUsbCapture(want(400, 300, 30), cheap);
  assert.deepEqual([d.width, d.height, d.fps], [320, 240, 30]);
});

Deno.test("chooseUsbCapture(): a raw-only nearest size is scaled to the wanted one", () => {
  const yuyvOnly: UsbDevice = {
    ...device("v4l2ctl_c920_video0"),
    formats: device("v4l2ctl_c920_video0").formats.filter((f) =>
      f.pixel_format === "YUYV"
    ),
  };
  const c = chooseUsbCapture(want(1280, 960, 5), yuyvOnly);
  assert.equal(c.copy, false);
  assert.equal(c.input_format, "yuyv422");
  assert.deepEqual([c.width, c.height], [960, 720]);
  assert.match(c.note ?? "", /capturing 960x720 scaled to 1280x960/);
});

Deno.test("chooseUsbCapture(): the Pi camera takes any size in its range, as MJPEG", () => {
  for (const name of ["v4l2ctl_bcm2835", "ffmpeg_bcm2835"]) {
    const pi = device(name);
    assert.deepEqual(chooseUsbCapture(want(1296, 972, 15), pi), {
      input_format: "mjpeg",
      width: 1296,
      height: 972,
      fps: 15,
      copy: true,
      note: null,
    }, name);
  }
});

Deno.test("chooseUsbCapture(): rates unknown (ffmpeg listing) → the wanted rate is asked for", () => {
  const c = chooseUsbCapture(
    want(1280, 720, 30),
    device("ffmpeg_c920_video0"),
  );
  assert.deepEqual([c.input_format, c.copy, c.fps, c.note], [
    "mjpeg",
    true,
    30,
    null,
  ]);
});

Deno.test("chooseUsbCapture(): no listing, or nothing ffmpeg can turn into MJPEG → driver default, encoded", () => {
  assert.deepEqual(chooseUsbCapture(want(640, 480, 15), null), {
    input_format: null,
    width: 640,
    height: 480,
    fps: 15,
    copy: false,
    note: null,
  });
  const h264Only: UsbDevice = {
    ...device("v4l2ctl_c920_video0"),
    formats: device("v4l2ctl_c920_video0").formats.filter((f) =>
      f.pixel_format === "H264"
    ),
  };
  const c = chooseUsbCapture(want(640, 480, 15), h264Only);
  assert.equal(c.input_format, null);
  assert.match(c.note ?? "", /no format ffmpeg can turn into MJPEG/);
  assert.equal(
    chooseUsbCapture(want(640, 480, 15), device("v4l2ctl_c920_video1")).note,
    null,
    "a node without formats: no plan, no note",
  );
});
