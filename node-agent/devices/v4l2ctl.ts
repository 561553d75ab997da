/**
 * Parser of `v4l2-ctl --device DEV --info --list-formats-ext` (v4l-utils
 * 1.14 … 1.24): the card name, bus info, whether the node captures video, and
 * every pixel format with its sizes and frame rates. Pure: the command runs in
 * usb.ts, the recorded outputs of real devices are in testdata/.
 *
 * The output is indented text, one fact per line:
 *
 *     Driver Info:
 *         Card type        : HD Pro Webcam C920
 *         Bus info         : usb-0000:00:14.0-1
 *         Device Caps      : 0x04200001
 *             Video Capture
 *     ioctl: VIDIOC_ENUM_FMT
 *         [2]: 'MJPG' (Motion-JPEG, compressed)
 *             Size: Discrete 1280x720
 *                 Interval: Discrete 0.033s (30.000 fps)
 *
 * v4l-utils before 1.16 printed a format as `Pixel Format: 'MJPG'
 * (compressed)` plus `Name : Motion-JPEG`; both shapes are read. Lines this
 * parser does not know are skipped, so a newer v4l2-ctl that adds facts does
 * not break the listing.
 */
import type { UsbFormat, UsbSizeRange } from "../../lib/protocol.ts";
import { ffmpegFormatOf, normaliseFps, sizesInRange } from "./pixel_formats.ts";

export interface V4l2CtlListing {
  /** `Card type`, null when the output had no driver info. */
  card: string | null;
  bus_info: string | null;
  /** From `Device Caps` (else `Capabilities`); null when neither was printed. */
  capture: boolean | null;
  formats: UsbFormat[];
}

/** Flags v4l2-ctl appends to a format's description. */
const FORMAT_FLAGS = new Set([
  "compressed",
  "emulated",
  "continuous-bytestream",
  "dyn-resolution",
  "enc-cap-frame-interval",
  "csc-colorspace",
  "csc-ycbcr-enc",
  "csc-hsv-enc",
  "csc-quantization",
  "csc-xfer-func",
]);

const FORMAT_LINE = /^\[(\d+)\]: '(.{1,4})' \((.*)\)$/;
const OLD_FORMAT_LINE = /^Pixel Format\s*: '(.{1,4})'( \(([^)]*)\))?$/;
const OLD_NAME_LINE = /^Name\s*: (.*)$/;
const SIZE_DISCRETE = /^Size: Discrete (\d+)x(\d+)$/;
const SIZE_RANGE =
  /^Size: (Stepwise|Continuous) (\d+)x(\d+) - (\d+)x(\d+)(?: with step (\d+)\/(\d+))?$/;
const INTERVAL_DISCRETE = /^Interval: Discrete [\d.]+s \(([\d.]+) fps\)$/;
/** Stepwise/continuous intervals end in `(min-max fps)`, on the same or the next line. */
const FPS_RANGE = /\(([\d.]+)-([\d.]+) fps\)$/;

export function parseV4l2Ctl(text: string): V4l2CtlListing {
  const out: V4l2CtlListing = {
    card: null,
    bus_info: null,
    capture: null,
    formats: [],
  };
  let section: "driver" | "formats" | "other" = "other";
  /** Which caps block the indented lines belong to. */
  let caps: "device" | "all" | null = null;
  const deviceCaps: string[] = [];
  const allCaps: string[] = [];
  let format: UsbFormat | null = null;
  let size: UsbFormat["sizes"][number] | null = null;

  const finish = () => {
    if (format) {
      for (const s of format.sizes) s.fps = normaliseFps(s.fps);
      if (format.size_range && format.sizes.length === 0) {
        format.sizes = sizesInRange(format.size_range);
      }
      out.formats.push(format);
    }
    format = null;
    size = null;
  };
  const begin = (fourcc: string, description: string, compressed: boolean) => {
    finish();
    format = {
      pixel_format: fourcc,
      description,
      ffmpeg_format: ffmpegFormatOf(fourcc),
      compressed,
      sizes: [],
      size_range: null,
    };
  };

  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (!/^\s/.test(raw)) {
      // A heading: `Driver Info:`, `Media Driver Info:`, `ioctl: VIDIOC_ENUM_FMT`, …
      caps = null;
      if (/^Driver Info\b/.test(line)) section = "driver";
      else if (line.startsWith("ioctl: VIDIOC_ENUM_FMT")) section = "formats";
      else {
        finish();
        section = "other";
      }
      continue;
    }
    if (section === "driver") {
      const kv = /^([A-Za-z][A-Za-z ]*?)\s*: (.*)$/.exec(line);
      if (kv) {
        caps = null;
        const [, key, value] = kv;
        if (key === "Card type") out.card = value.trim() || null;
        else if (key === "Bus info") out.bus_info = value.trim() || null;
        else if (key === "Device Caps") caps = "device";
        else if (key === "Capabilities") caps = "all";
        continue;
      }
      if (caps === "device") deviceCaps.push(line);
      else if (caps === "all") allCaps.push(line);
      continue;
    }
    if (section !== "formats") continue;

    let m = FORMAT_LINE.exec(line);
    if (m) {
      const parts = m[3].split(", ");
      const flags: string[] = [];
      while (parts.length > 1 && FORMAT_FLAGS.has(parts[parts.length - 1])) {
        flags.unshift(parts.pop()!);
      }
      begin(m[2], parts.join(", "), flags.includes("compressed"));
      continue;
    }
    if ((m = OLD_FORMAT_LINE.exec(line))) {
      begin(m[1], m[1], (m[3] ?? "").split(", ").includes("compressed"));
      continue;
    }
    const current = format as UsbFormat | null;
    if (!current) continue;
    if ((m = OLD_NAME_LINE.exec(line))) {
      current.description = m[1].trim();
      continue;
    }
    if ((m = SIZE_DISCRETE.exec(line))) {
      size = { width: Number(m[1]), height: Number(m[2]), fps: [] };
      current.sizes.push(size);
      continue;
    }
    if ((m = SIZE_RANGE.exec(line))) {
      const range: UsbSizeRange = {
        min_width: Number(m[2]),
        min_height: Number(m[3]),
        max_width: Number(m[4]),
        max_height: Number(m[5]),
        step_width: Number(m[6] ?? 1),
        step_height: Number(m[7] ?? 1),
      };
      current.size_range = range;
      size = null;
      continue;
    }
    if ((m = INTERVAL_DISCRETE.exec(line))) {
      size?.fps.push(Number(m[1]));
      continue;
    }
    if (line.startsWith("Interval:") || FPS_RANGE.test(line)) {
      const r = FPS_RANGE.exec(line);
      // A continuous range: its top rate is what a camera form offers.
      if (r && size) size.fps.push(Number(r[2]));
    }
  }
  finish();
  const caplist = deviceCaps.length ? deviceCaps : allCaps;
  if (caplist.length) {
    out.capture = caplist.some((c) =>
      c === "Video Capture" || c === "Video Capture Multiplanar"
    );
  }
  return out;
}
