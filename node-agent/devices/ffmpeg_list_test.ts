import assert from "node:assert/strict";
import { parseFfmpegFormats } from "./ffmpeg_list.ts";
import { parseV4l2Ctl } from "./v4l2ctl.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`testdata/${name}.txt`, import.meta.url));

Deno.test("parseFfmpegFormats() reads a C920: raw and compressed formats, sizes, no rates", () => {
  const r = parseFfmpegFormats(fixture("ffmpeg_c920_video0"));
  assert.equal(r.error, null);
  assert.deepEqual(
    r.formats.map((f) => [
      f.pixel_format,
      f.description,
      f.ffmpeg_format,
      f.compressed,
      f.sizes.length,
    ]),
    [
      ["YUYV", "YUYV 4:2:2", "yuyv422", false, 19],
      ["H264", "H.264", "h264", true, 17],
      ["MJPG", "Motion-JPEG", "mjpeg", true, 17],
    ],
  );
  assert.deepEqual(r.formats[0].sizes[0], { width: 640, height: 480, fps: [] });
  assert.deepEqual(r.formats[0].sizes.at(-1), {
    width: 2304,
    height: 1536,
    fps: [],
  });
});

Deno.test("parseFfmpegFormats() and parseV4l2Ctl() agree on formats and sizes of every recorded device", () => {
  for (
    const device of [
      "c920_video0",
      "c920_video1",
      "mjpeg_only",
      "bcm2835",
      "h264_only",
      "h264_hevc",
      "unicam_hdmi",
      "elp_video0_old",
      "elp_video1_old",
    ]
  ) {
    const ff = parseFfmpegFormats(fixture(`ffmpeg_${device}`)).formats;
    const ctl = parseV4l2Ctl(fixture(`v4l2ctl_${device}`)).formats;
    const shape = (fs: typeof ff) =>
      fs.map((f) => ({
        pixel_format: f.pixel_format,
        description: f.description,
        ffmpeg_format: f.ffmpeg_format,
        compressed: f.compressed,
        sizes: f.sizes.map((s) => `${s.width}x${s.height}`),
        size_range: f.size_range,
      }));
    assert.deepEqual(shape(ff), shape(ctl), device);
  }
});

Deno.test("parseFfmpegFormats() reads the Pi camera's ranges and names the formats ffmpeg cannot read", () => {
  const r = parseFfmpegFormats(fixture("ffmpeg_bcm2835"));
  assert.equal(r.formats.length, 14);
  const yvyu = r.formats.find((f) => f.pixel_format === "YVYU")!;
  assert.equal(yvyu.ffmpeg_format, null);
  assert.equal(yvyu.description, "YVYU 4:2:2");
  assert.equal(r.formats[3].pixel_format, "JPEG");
  assert.equal(r.formats[5].pixel_format, "MJPG");
  assert.deepEqual(r.formats[0].size_range, {
    min_width: 32,
    max_width: 2592,
    step_width: 2,
    min_height: 32,
    max_height: 1944,
    step_height: 2,
  });
});

Deno.test("parseFfmpegFormats() returns the v4l2 input's error for a node that does not capture", () => {
  const r = parseFfmpegFormats(fixture("ffmpeg_c920_video1"));
  assert.deepEqual(r.formats, []);
  assert.equal(
    r.error,
    "ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device",
  );
  // ffmpeg 7 ends with its own summary lines instead of "/dev/video1: …".
  const seven = parseFfmpegFormats([
    "[video4linux2,v4l2 @ 0x5615b1e3f0c0] ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device",
    "[in#0 @ 0x5615b1e3e9c0] Error opening input: Inappropriate ioctl for device",
    "Error opening input file /dev/video1.",
    "Error opening input files: Inappropriate ioctl for device",
  ].join("\n"));
  assert.equal(
    seven.error,
    "ioctl(VIDIOC_G_INPUT): Inappropriate ioctl for device",
  );
});

Deno.test("parseFfmpegFormats() says why ffmpeg < 8 lists nothing on a multiplanar-only node", () => {
  const r = parseFfmpegFormats(fixture("ffmpeg_rkisp_mplane"));
  assert.deepEqual(r.formats, []);
  // Not ffmpeg's summary "/dev/video0: No such device": the device exists.
  assert.equal(r.error, "Not a video capture device.");
});

Deno.test("parseFfmpegFormats() reads H.264 and the HEVC ffmpeg cannot read, and formats without sizes", () => {
  const cam = parseFfmpegFormats(fixture("ffmpeg_h264_hevc")).formats;
  assert.deepEqual(
    cam.map((f) => [f.pixel_format, f.ffmpeg_format, f.compressed]),
    [["H264", "h264", true], ["HEVC", null, true]],
  );
  const hdmi = parseFfmpegFormats(fixture("ffmpeg_unicam_hdmi"));
  assert.equal(hdmi.error, null);
  assert.deepEqual(
    hdmi.formats.map((f) => [f.pixel_format, f.sizes.length, f.size_range]),
    [["RGB3", 0, null], ["UYVY", 0, null]],
  );
  // ffmpeg 7's normal end of a listing is not an error either.
  const seven = parseFfmpegFormats([
    "[video4linux2,v4l2 @ 0x55d0] Compressed:       mjpeg :          Motion-JPEG : 640x480",
    "[in#0 @ 0x55cf] Error opening input: Immediate exit requested",
    "Error opening input file /dev/video0.",
    "Error opening input files: Immediate exit requested",
  ].join("\n"));
  assert.equal(seven.error, null);
  assert.equal(seven.formats.length, 1);
});

Deno.test("parseFfmpegFormats() reads emulated formats (libv4l) and ignores other log lines", () => {
  const r = parseFfmpegFormats([
    "[video4linux2,v4l2 @ 0x5600] The V4L2 driver changed the video from 1x1 to 640x480",
    "[video4linux2,v4l2 @ 0x5600] Raw       :       rgb24 :     RGB3 : Emulated : 640x480 320x240",
    "[video4linux2,v4l2 @ 0x5600] Compressed:       mjpeg :          Motion-JPEG : 640x480",
    "/dev/video0: Immediate exit requested",
  ].join("\n"));
  assert.equal(r.error, null);
  assert.deepEqual(
    r.formats.map((f) => [f.ffmpeg_format, f.description, f.sizes.length]),
    [["rgb24", "RGB3", 2], ["mjpeg", "Motion-JPEG", 1]],
  );
});

Deno.test("parseFfmpegFormats() of a real ffmpeg run on a non-device is an error, not a throw", async () => {
  const notDevice = await Deno.makeTempFile();
  try {
    const out = await new Deno.Command("ffmpeg", {
      args: [
        "-hide_banner",
        "-f",
        "v4l2",
        "-list_formats",
        "all",
        "-i",
        notDevice,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const r = parseFfmpegFormats(new TextDecoder().decode(out.stderr));
    assert.deepEqual(r.formats, []);
    assert.match(r.error ?? "", /Inappropriate ioctl for device/);
  } finally {
    await Deno.remove(notDevice);
  }
});
