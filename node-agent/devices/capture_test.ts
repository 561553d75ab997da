import assert from "node:assert/strict";
import type { UsbDevice } from "../../lib/protocol/mod.ts";
import { chooseUsbCapture } from "./capture.ts";
import { parseFfmpegFormats } from "./ffmpeg_list.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`testdata/${name}.txt`, import.meta.url));

/** A listed device as usb.ts builds it from the recorded tool output. */
function device(name: string): UsbDevice {
  const parsed = name.startsWith("ffmpeg_")
    ? { capture: null, formats: parseFfmpegFormats(fixture(name)).formats }
    : parseV4l2Ctl(fixture(name));
  return {
    path: "/dev/video0",
    name,
    by_id: null,
    by_path: null,
    bus_info: null,
    capture: parsed.capture ?? parsed.formats.length > 0,
    formats: parsed.formats,
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

Deno.test("chooseUsbCapture(): no listing, a node that does not capture, or nothing ffmpeg reads → driver default, encoded", () => {
  assert.deepEqual(chooseUsbCapture(want(640, 480, 15), null), {
    input_format: null,
    width: 640,
    height: 480,
    fps: 15,
    copy: false,
    note: null,
  });
  assert.equal(
    chooseUsbCapture(want(640, 480, 15), device("v4l2ctl_c920_video1")).note,
    null,
    "a node without formats: no plan, no note",
  );
  const codec = chooseUsbCapture(
    want(1280, 720, 30),
    device("v4l2ctl_pi_codec_m2m"),
  );
  assert.equal(codec.input_format, null);
  assert.match(codec.note ?? "", /does not capture video/);
  const hevcOnly: UsbDevice = {
    ...device("v4l2ctl_h264_hevc"),
    formats: device("v4l2ctl_h264_hevc").formats.filter((f) =>
      f.pixel_format === "HEVC"
    ),
  };
  const c = chooseUsbCapture(want(1920, 1080, 25), hevcOnly);
  assert.equal(c.input_format, null);
  assert.match(
    c.note ?? "",
    /offers HEVC, none of which ffmpeg's v4l2 input reads/,
  );
});

Deno.test("chooseUsbCapture(): an H.264-only camera is decoded and encoded, and says so", () => {
  for (const name of ["v4l2ctl_h264_only", "ffmpeg_h264_only"]) {
    const c = chooseUsbCapture(want(1280, 720, 15), device(name));
    assert.deepEqual(
      [c.input_format, c.width, c.height, c.fps, c.copy],
      ["h264", 1280, 720, 15, false],
      name,
    );
    assert.match(c.note ?? "", /offers H264 only; it is decoded and encoded/);
  }
  // The old-layout second node of an "H264 USB Camera", and a camera with
  // H.264 and HEVC: H.264 is the one ffmpeg reads.
  assert.equal(
    chooseUsbCapture(want(1920, 1080, 30), device("v4l2ctl_elp_video1_old"))
      .input_format,
    "h264",
  );
  assert.equal(
    chooseUsbCapture(want(2560, 1440, 25), device("ffmpeg_h264_hevc"))
      .input_format,
    "h264",
  );
  // The C920's H.264 loses to its MJPEG and YUYV.
  const c920 = device("v4l2ctl_c920_video0");
  assert.equal(
    chooseUsbCapture(want(1280, 720, 30), c920).input_format,
    "mjpeg",
  );
  const noMjpeg: UsbDevice = {
    ...c920,
    formats: c920.formats.filter((f) => f.pixel_format !== "MJPG"),
  };
  // 1920x1080 at 30: YUYV offers only 5 fps there, H.264 has 30.
  assert.equal(
    chooseUsbCapture(want(1920, 1080, 30), noMjpeg).input_format,
    "h264",
  );
  assert.equal(
    chooseUsbCapture(want(640, 480, 30), noMjpeg).input_format,
    "yuyv422",
  );
});

Deno.test("chooseUsbCapture(): the old-layout camera's MJPEG is copied", () => {
  assert.deepEqual(
    chooseUsbCapture(want(1280, 720, 25), device("v4l2ctl_elp_video0_old")),
    {
      input_format: "mjpeg",
      width: 1280,
      height: 720,
      fps: 25,
      copy: true,
      note: null,
    },
  );
});

Deno.test("chooseUsbCapture(): a multiplanar ISP node captures raw at any size on its 8/2 grid", () => {
  const isp = device("v4l2ctl_rkisp_mplane");
  assert.deepEqual(chooseUsbCapture(want(1920, 1080, 30), isp), {
    input_format: "yuyv422",
    width: 1920,
    height: 1080,
    fps: 30,
    copy: false,
    note: null,
  });
  // Off the grid: the nearest size on it, scaled to the wanted one.
  const c = chooseUsbCapture(want(1921, 1081, 30), isp);
  assert.deepEqual([c.input_format, c.width, c.height], [
    "yuyv422",
    1920,
    1080,
  ]);
  assert.match(c.note ?? "", /capturing 1920x1080 scaled to 1921x1081/);
});

Deno.test("chooseUsbCapture(): a size beyond a range is fitted into it, aspect kept (Pi camera)", () => {
  const c = chooseUsbCapture(want(3840, 2160, 15), device("v4l2ctl_bcm2835"));
  assert.deepEqual([c.input_format, c.copy, c.width, c.height], [
    "mjpeg",
    true,
    2592,
    1458,
  ]);
  assert.match(c.note ?? "", /offers no 3840x2160; capturing 2592x1458$/);
});

Deno.test("chooseUsbCapture(): formats without known sizes are asked for the wanted size (unicam + HDMI bridge)", () => {
  for (const name of ["v4l2ctl_unicam_hdmi", "ffmpeg_unicam_hdmi"]) {
    assert.deepEqual(chooseUsbCapture(want(1920, 1080, 30), device(name)), {
      input_format: "uyvy422",
      width: 1920,
      height: 1080,
      fps: 30,
      copy: false,
      note: null,
    }, name);
  }
});

Deno.test("chooseUsbCapture(): a continuous-size format takes any size", () => {
  const cont: UsbDevice = {
    ...device("v4l2ctl_mjpeg_only"),
    formats: parseV4l2Ctl(
      "ioctl: VIDIOC_ENUM_FMT\n\tType: Video Capture\n\n\t[0]: 'YUYV' (YUYV 4:2:2)\n\t\tSize: Continuous \n",
    ).formats,
  };
  const c = chooseUsbCapture(want(1234, 567, 20), cont);
  assert.deepEqual([c.input_format, c.width, c.height, c.fps, c.note], [
    "yuyv422",
    1234,
    567,
    20,
    null,
  ]);
});
