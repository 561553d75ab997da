import assert from "node:assert/strict";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`testdata/${name}.txt`, import.meta.url));

Deno.test("parseV4l2Ctl() reads a Logitech C920: YUYV, H264 and MJPG with sizes and rates", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_c920_video0"));
  assert.equal(r.card, "HD Pro Webcam C920");
  assert.equal(r.bus_info, "usb-0000:00:14.0-1");
  assert.equal(r.capture, true);
  assert.deepEqual(
    r.formats.map((f) => [
      f.pixel_format,
      f.description,
      f.ffmpeg_format,
      f.compressed,
    ]),
    [
      ["YUYV", "YUYV 4:2:2", "yuyv422", false],
      ["H264", "H.264", "h264", true],
      ["MJPG", "Motion-JPEG", "mjpeg", true],
    ],
  );
  const [yuyv, , mjpg] = r.formats;
  assert.equal(yuyv.sizes.length, 19);
  assert.deepEqual(yuyv.sizes[0], {
    width: 640,
    height: 480,
    fps: [30, 24, 20, 15, 10, 7.5, 5],
  });
  assert.deepEqual(
    yuyv.sizes.find((s) => s.width === 1920),
    { width: 1920, height: 1080, fps: [5] },
  );
  assert.deepEqual(yuyv.sizes.at(-1), { width: 2304, height: 1536, fps: [2] });
  assert.equal(mjpg.sizes.length, 17);
  assert.deepEqual(
    mjpg.sizes.find((s) => s.width === 1280),
    { width: 1280, height: 720, fps: [30, 24, 20, 15, 10, 7.5, 5] },
  );
  assert.equal(mjpg.size_range, null);
});

Deno.test("parseV4l2Ctl() marks a UVC metadata node as not capturing, with no formats", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_c920_video1"));
  assert.equal(r.card, "HD Pro Webcam C920");
  assert.equal(r.capture, false);
  assert.deepEqual(r.formats, []);
});

Deno.test("parseV4l2Ctl() reads an MJPEG-only webcam", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_mjpeg_only"));
  assert.equal(r.card, "USB 2.0 Camera: USB Camera");
  assert.equal(r.bus_info, "usb-0000:01:00.0-1.3");
  assert.equal(r.capture, true);
  assert.equal(r.formats.length, 1);
  assert.equal(r.formats[0].pixel_format, "MJPG");
  assert.deepEqual(
    r.formats[0].sizes.map((s) => `${s.width}x${s.height}@${s.fps.join("/")}`),
    [
      "1920x1080@30/25",
      "1280x720@30/25",
      "800x600@30/25",
      "640x480@30/25",
      "640x360@30/25",
      "352x288@30/25",
      "320x240@30/25",
    ],
  );
});

Deno.test("parseV4l2Ctl() reads the Raspberry Pi camera (bcm2835): 14 formats, stepwise sizes", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_bcm2835"));
  assert.equal(r.card, "mmal service 16.1");
  assert.equal(r.bus_info, "platform:bcm2835-v4l2-0");
  assert.equal(r.capture, true);
  assert.deepEqual(r.formats.map((f) => f.pixel_format), [
    "YU12",
    "YUYV",
    "RGB3",
    "JPEG",
    "H264",
    "MJPG",
    "YVYU",
    "VYUY",
    "UYVY",
    "NV12",
    "BGR3",
    "YV12",
    "NV21",
    "RX24",
  ]);
  const jpeg = r.formats[3];
  assert.equal(jpeg.description, "JFIF JPEG");
  assert.equal(jpeg.ffmpeg_format, "mjpeg");
  assert.equal(r.formats[6].ffmpeg_format, null, "YVYU: ffmpeg cannot read it");
  assert.equal(r.formats[11].ffmpeg_format, "yuv420p", "YV12: ffmpeg reads it");
  for (const f of r.formats) {
    assert.deepEqual(f.size_range, {
      min_width: 32,
      min_height: 32,
      max_width: 2592,
      max_height: 1944,
      step_width: 2,
      step_height: 2,
    });
    // Common sizes inside the range are offered; rates are not known.
    assert.ok(f.sizes.some((s) => s.width === 1920 && s.height === 1080));
    assert.deepEqual(f.sizes.at(-1), { width: 2592, height: 1944, fps: [] });
  }
});

Deno.test("parseV4l2Ctl() reads the old v4l-utils (<1.16) format layout", () => {
  const old = [
    "ioctl: VIDIOC_ENUM_FMT",
    "\tIndex       : 0",
    "\tType        : Video Capture",
    "\tPixel Format: 'YUYV'",
    "\tName        : YUYV 4:2:2",
    "\t\tSize: Discrete 640x480",
    "\t\t\tInterval: Discrete 0.033s (30.000 fps)",
    "\t\t\tInterval: Discrete 0.067s (15.000 fps)",
    "",
    "\tIndex       : 1",
    "\tType        : Video Capture",
    "\tPixel Format: 'MJPG' (compressed)",
    "\tName        : Motion-JPEG",
    "\t\tSize: Discrete 1280x960",
    "\t\t\tInterval: Discrete 0.033s (30.000 fps)",
    "",
  ].join("\n");
  const r = parseV4l2Ctl(old);
  assert.equal(r.capture, null, "no driver info printed");
  assert.deepEqual(r.formats, [
    {
      pixel_format: "YUYV",
      description: "YUYV 4:2:2",
      ffmpeg_format: "yuyv422",
      compressed: false,
      sizes: [{ width: 640, height: 480, fps: [30, 15] }],
      size_range: null,
    },
    {
      pixel_format: "MJPG",
      description: "Motion-JPEG",
      ffmpeg_format: "mjpeg",
      compressed: true,
      sizes: [{ width: 1280, height: 960, fps: [30] }],
      size_range: null,
    },
  ]);
});

Deno.test("parseV4l2Ctl() reads continuous sizes and interval ranges as v4l-utils 1.22 prints them", () => {
  // print_frmsize/print_frmival of v4l-utils 1.12 … 1.22: a continuous size
  // has no limits after the word; interval ranges end in "(min-max fps)".
  const text = [
    "Driver Info:",
    "\tCard type        : Capture: Odd",
    "\tSome new field   : whatever",
    "\tDevice Caps      : 0x04201000",
    "\t\tVideo Capture Multiplanar",
    "\t\tStreaming",
    "ioctl: VIDIOC_ENUM_FMT",
    "\tType: Video Capture Multiplanar",
    "",
    "\t[0]: 'NV12' (Y/CbCr 4:2:0 (N-C), emulated)",
    "\t\tSize: Discrete 1920x1080",
    "\t\t\tInterval: Discrete 0.033s (29.970 fps)",
    "\t\t\tSomething new: 42",
    "\t[1]: 'GREY' (8-bit Greyscale)",
    "\t\tSize: Discrete 640x480",
    "\t\t\tInterval: Stepwise 0.017s - 1.000s with step 0.001s (1.000-60.000 fps)",
    "\t\tSize: Discrete 320x240",
    "\t\t\tInterval: Continuous 0.040s - 0.500s (2.000-25.000 fps)",
    "\t[2]: 'YUYV' (YUYV 4:2:2)",
    "\t\tSize: Continuous ",
  ].join("\n");
  const r = parseV4l2Ctl(text);
  assert.equal(r.card, "Capture: Odd");
  assert.equal(r.capture, true);
  assert.equal(r.formats[0].description, "Y/CbCr 4:2:0 (N-C)");
  assert.equal(r.formats[0].compressed, false);
  assert.deepEqual(r.formats[0].sizes, [
    { width: 1920, height: 1080, fps: [29.97] },
  ]);
  assert.equal(r.formats[1].ffmpeg_format, "gray");
  // Any rate in the range: the common ones and both ends.
  assert.deepEqual(r.formats[1].sizes, [
    { width: 640, height: 480, fps: [60, 50, 30, 25, 24, 20, 15, 10, 5, 1] },
    { width: 320, height: 240, fps: [25, 24, 20, 15, 10, 5, 2] },
  ]);
  // "Size: Continuous" without limits: any size, common ones offered.
  const any = r.formats[2];
  assert.deepEqual(any.size_range, {
    min_width: 1,
    min_height: 1,
    max_width: 16384,
    max_height: 16384,
    step_width: 1,
    step_height: 1,
  });
  assert.ok(any.sizes.some((s) => s.width === 1920 && s.height === 1080));
  assert.ok(
    any.sizes.every((s) => s.width <= 4096),
    "no 16384x16384 choice",
  );
});

Deno.test("parseV4l2Ctl() reads the pre-1.16 layout of a real camera: driver info heading, narrow columns", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_elp_video0_old"));
  assert.equal(r.card, "H264 USB Camera: USB Camera");
  assert.equal(r.bus_info, "usb-3530000.xhci-2");
  assert.equal(r.capture, true);
  assert.deepEqual(
    r.formats.map((f) => [f.pixel_format, f.description, f.compressed]),
    [["MJPG", "Motion-JPEG", true], ["YUYV", "YUYV 4:2:2", false]],
  );
  assert.deepEqual(r.formats[1].sizes[0], {
    width: 1920,
    height: 1080,
    fps: [5],
  });
  // Its second node offers H.264 only.
  const h264 = parseV4l2Ctl(fixture("v4l2ctl_elp_video1_old"));
  assert.equal(h264.capture, true);
  assert.deepEqual(h264.formats.map((f) => f.ffmpeg_format), ["h264"]);
  assert.deepEqual(
    h264.formats[0].sizes.map((s) => `${s.width}x${s.height}`),
    ["1920x1080", "1280x720", "640x480"],
  );
});

Deno.test("parseV4l2Ctl() reads pasted copies: spaces for tabs, blank lines between lines, CRLF", () => {
  const tabbed = fixture("v4l2ctl_mjpeg_only");
  const pasted = tabbed.split("\n").map((l) => l.replaceAll("\t", "        "))
    .join("\r\n\r\n");
  assert.deepEqual(parseV4l2Ctl(pasted), parseV4l2Ctl(tabbed));
});

Deno.test("parseV4l2Ctl() reads an H.264-only camera and an H.264 + HEVC one", () => {
  const only = parseV4l2Ctl(fixture("v4l2ctl_h264_only"));
  assert.equal(only.capture, true);
  assert.deepEqual(only.formats.map((f) => [f.pixel_format, f.ffmpeg_format]), [
    ["H264", "h264"],
  ]);
  assert.deepEqual(only.formats[0].sizes[1], {
    width: 1280,
    height: 720,
    fps: [30, 15, 10],
  });
  const both = parseV4l2Ctl(fixture("v4l2ctl_h264_hevc"));
  assert.equal(both.capture, null, "no driver info asked");
  assert.deepEqual(
    both.formats.map((f) => [f.pixel_format, f.description, f.ffmpeg_format]),
    [["H264", "H.264", "h264"], ["HEVC", "HEVC", null]],
  );
});

Deno.test("parseV4l2Ctl() reads a multiplanar-only ISP node with stepwise sizes", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_rkisp_mplane"));
  assert.equal(r.card, "rkisp1_mainpath");
  assert.equal(r.capture, true);
  assert.equal(r.formats.length, 8);
  assert.deepEqual(
    r.formats.map((f) => f.ffmpeg_format),
    ["yuyv422", null, null, null, "nv12", null, null, "gray"],
  );
  const yuyv = r.formats[0];
  assert.deepEqual(yuyv.size_range, {
    min_width: 32,
    min_height: 16,
    max_width: 4416,
    max_height: 3312,
    step_width: 8,
    step_height: 2,
  });
  // Common sizes on the 8/2 grid from 32x16; the 4416 maximum is beyond 4096.
  assert.deepEqual(
    yuyv.sizes.map((s) => `${s.width}x${s.height}`),
    [
      "320x240",
      "640x480",
      "800x600",
      "1024x768",
      "1280x720",
      "1280x960",
      "1640x1232",
      "1920x1080",
      "2592x1944",
      "3280x2464",
      "3840x2160",
    ],
  );
});

Deno.test("parseV4l2Ctl() keeps formats whose sizes cannot be enumerated (unicam behind an HDMI bridge)", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_unicam_hdmi"));
  assert.equal(r.card, "unicam");
  assert.equal(r.capture, true);
  assert.deepEqual(r.formats, [
    {
      pixel_format: "RGB3",
      description: "24-bit RGB 8-8-8",
      ffmpeg_format: "rgb24",
      compressed: false,
      sizes: [],
      size_range: null,
    },
    {
      pixel_format: "UYVY",
      description: "UYVY 4:2:2",
      ffmpeg_format: "uyvy422",
      compressed: false,
      sizes: [],
      size_range: null,
    },
  ]);
});

Deno.test("parseV4l2Ctl() marks a memory-to-memory codec node as not capturing", () => {
  const r = parseV4l2Ctl(fixture("v4l2ctl_pi_codec_m2m"));
  assert.equal(r.card, "bcm2835-codec-decode");
  assert.equal(r.capture, false);
  assert.equal(r.formats.length, 5, "its decoded-side formats are listed");
  // The Pi codec's 1920x1920 maximum is a real size and is offered.
  assert.deepEqual(r.formats[0].sizes.at(-1), {
    width: 1920,
    height: 1920,
    fps: [],
  });
});

Deno.test("parseV4l2Ctl() of an error or empty output is an empty listing", () => {
  for (
    const text of ["", "Cannot open device /dev/video7, exiting.\n"]
  ) {
    assert.deepEqual(parseV4l2Ctl(text), {
      card: null,
      bus_info: null,
      capture: null,
      formats: [],
    });
  }
});
