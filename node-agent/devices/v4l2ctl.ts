/**
 * Parser of `v4l2-ctl --device DEV --info --list-formats-ext` (v4l-utils
 * 1.12 … 1.24): the card name, bus info, whether the node captures video, and
 * every pixel format with its sizes and frame rates. Pure: the command runs in
 * usb.ts; testdata/ holds outputs in the layouts real devices print (see
 * README.md, "Fixtures").
 *
 * The output is indented text, one fact per line:
 *
 *     Driver Info:
 *         Card type        : HD Pro Webcam C920
 *         Bus info         : usb-0000:00:14.0-1
 *         Device Caps      : 0x04200001
 *             Video Capture
 *     ioctl: VIDIOC_ENUM_FMT
 *         Type: Video Capture
 *
 *         [2]: 'MJPG' (Motion-JPEG, compressed)
 *             Size: Discrete 1280x720
 *                 Interval: Discrete 0.033s (30.000 fps)
 *
 * Variants real devices print, all read here:
 * - v4l-utils before 1.16: a format is `Index : 2`, `Type : Video Capture`,
 *   `Pixel Format: 'MJPG' (compressed)`, `Name : Motion-JPEG`, and the heading
 *   may read `Driver Info (not using libv4l2):` with narrower key columns.
 * - `Size: Stepwise 32x32 - 2592x1944 with step 2/2` (the Pi's bcm2835,
 *   unicam, ISPs): no intervals follow; common sizes in the range are offered.
 * - `Size: Continuous` with no limits printed (v4l2-ctl never prints them):
 *   any size (`ANY_SIZE`).
 * - `Interval: Continuous 0.033s - 1.000s (1.000-30.000 fps)` and
 *   `Interval: Stepwise … with step 0.001s (1.000-60.000 fps)`: the common
 *   rates in the range.
 * - A format with no `Size:` line at all (unicam behind an HDMI bridge): no
 *   sizes known, the capture plan asks for the camera's size.
 * - `Type: Video Capture Multiplanar` and `Video Capture Multiplanar` in the
 *   caps (Rockchip ISP/HDMI-RX): a capture node like any other.
 * - Indentation by tabs (the tool) or spaces (pasted copies), blank lines
 *   anywhere, CRLF line ends.
 * Lines this parser does not know are skipped, so a newer v4l2-ctl that adds
 * facts does not break the listing.
 */
import type { UsbFormat, UsbSizeRange } from "../../lib/protocol/mod.ts";
import {
  ANY_SIZE,
  ffmpegFormatOf,
  normaliseFps,
  ratesInRange,
  sizesInRange,
} from "./pixel_formats.ts";

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
/** `Continuous` comes without limits from every v4l2-ctl; limits are read if a later one adds them. */
const SIZE_RANGE =
  /^Size: (?:Stepwise|Continuous)(?: (\d+)x(\d+) - (\d+)x(\d+)(?: with step (\d+)\/(\d+))?)?$/;
const INTERVAL_DISCRETE = /^Interval: Discrete [\d.]+s \(([\d.]+) fps\)$/;
/** Stepwise/continuous intervals end in `(min-max fps)`. */
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
      const range: UsbSizeRange = m[1] === undefined ? { ...ANY_SIZE } : {
        min_width: Number(m[1]),
        min_height: Number(m[2]),
        max_width: Number(m[3]),
        max_height: Number(m[4]),
        step_width: Number(m[5] ?? 1),
        step_height: Number(m[6] ?? 1),
      };
      current.size_range = range;
      size = null;
      continue;
    }
    if ((m = INTERVAL_DISCRETE.exec(line))) {
      size?.fps.push(Number(m[1]));
      continue;
    }
    const r = FPS_RANGE.exec(line);
    // Any rate in the range: the common ones are what a camera form offers.
    if (r && size) size.fps.push(...ratesInRange(Number(r[1]), Number(r[2])));
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
