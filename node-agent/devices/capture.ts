/**
 * How to capture a USB camera, from what its device offers: the device's own
 * MJPEG copied as it is when it offers MJPEG at the wanted size (no decode,
 * no encode: ~1 % of a core), else a raw format (YUYV…) that the relay encodes
 * to MJPEG, else H.264 decoded and encoded (cameras whose node offers only
 * H.264). Pure; relay_args.ts turns the plan into ffmpeg flags.
 *
 * Choice, in order:
 * 1. The wanted size in MJPEG → copy; in a raw format → encode (YUYV first,
 *    the format every UVC camera has); in H.264 → decode and encode.
 * 2. No format offers the size → the nearest offered size (same aspect ratio
 *    first, then the closest pixel count), MJPEG before raw before H.264 at
 *    that size. A ranged format (Pi camera) offers every size on its steps,
 *    and the wanted size fitted into its bounds; a format whose sizes are not
 *    known is asked for the wanted size (the driver adjusts). A raw or decoded
 *    capture is scaled to the wanted size; an MJPEG copy keeps the device's
 *    size (scaling would cost the encode the copy avoids).
 * 3. Frame rate: the wanted one when offered (or when the device does not say),
 *    else the nearest offered one.
 * 4. A device that could not be listed, does not capture, or offers nothing
 *    ffmpeg reads (HEVC only) → the driver's default format, encoded; `note`
 *    says why.
 *
 * `note` says what differs from what was asked, for the camera's runtime.
 */
import type { UsbDevice, UsbFormat } from "../../lib/protocol/mod.ts";
import { fitInRange, inRange } from "./pixel_formats.ts";

export interface UsbCapture {
  /** ffmpeg `-input_format`; null = the driver's default. */
  input_format: string | null;
  /** Size and rate asked of the device. */
  width: number;
  height: number;
  fps: number;
  /** True: the device's MJPEG goes out as it is (`-c:v copy`). */
  copy: boolean;
  /** What differs from the request, in words; null when nothing does. */
  note: string | null;
}

export interface CaptureRequest {
  width: number;
  height: number;
  fps: number;
}

/** Raw formats in order of preference: cheap to convert and widely offered. */
const RAW_PREFERENCE = [
  "yuyv422",
  "nv12",
  "yuv420p",
  "uyvy422",
  "yuv422p",
  "rgb24",
  "bgr24",
  "bgr0",
  "gray",
];

/** Compressed formats ffmpeg decodes before encoding MJPEG: after every raw one (decoding costs most). */
const DECODE_PREFERENCE = ["h264"];

interface Candidate {
  format: UsbFormat;
  width: number;
  height: number;
  /** Offered rates at this size; empty = not known. */
  fps: number[];
}

export function chooseUsbCapture(
  want: CaptureRequest,
  device: UsbDevice | null,
): UsbCapture {
  const fallback = (note: string | null): UsbCapture => ({
    input_format: null,
    width: want.width,
    height: want.height,
    fps: want.fps,
    copy: false,
    note,
  });
  if (!device || device.formats.length === 0) return fallback(null);
  if (!device.capture) {
    return fallback(
      `${device.path} does not capture video (a metadata or codec node)`,
    );
  }
  const usable = device.formats.filter((f) => kindOf(f) !== null);
  if (usable.length === 0) {
    const offered = [...new Set(device.formats.map((f) => f.pixel_format))];
    return fallback(
      `${device.path} offers ${
        offered.join(", ")
      }, none of which ffmpeg's v4l2 input reads; trying the driver's default format`,
    );
  }
  const candidates = usable.flatMap((format) => candidatesOf(format, want));
  const exact = candidates.filter((c) =>
    c.width === want.width && c.height === want.height
  );
  const pool = exact.length ? exact : nearestSize(candidates, want);
  pool.sort((a, b) => rank(a, want) - rank(b, want));
  const best = pool[0];
  const copy = best.format.ffmpeg_format === "mjpeg";
  const fps = pickFps(best.fps, want.fps);
  const notes: string[] = [];
  if (best.width !== want.width || best.height !== want.height) {
    notes.push(
      `${device.path} offers no ${want.width}x${want.height}; capturing ${best.width}x${best.height}` +
        (copy ? "" : ` scaled to ${want.width}x${want.height}`),
    );
  }
  if (fps !== want.fps) {
    notes.push(
      `${want.fps} fps is not offered at ${best.width}x${best.height} ${best.format.pixel_format}; using ${fps} fps`,
    );
  }
  if (kindOf(best.format) === "decode") {
    notes.push(
      `${device.path} offers ${best.format.pixel_format} only; it is decoded and encoded to MJPEG, which costs CPU`,
    );
  }
  return {
    input_format: best.format.ffmpeg_format,
    width: best.width,
    height: best.height,
    fps,
    copy,
    note: notes.length ? notes.join("; ") : null,
  };
}

/** How the relay turns a format into MJPEG; null when it cannot. */
function kindOf(f: UsbFormat): "copy" | "raw" | "decode" | null {
  const name = f.ffmpeg_format;
  if (name === "mjpeg") return "copy";
  if (name === null) return null;
  if (!f.compressed && RAW_PREFERENCE.includes(name)) return "raw";
  if (f.compressed && DECODE_PREFERENCE.includes(name)) return "decode";
  return null;
}

/** The sizes a format can be captured at, for `want`. */
function candidatesOf(format: UsbFormat, want: CaptureRequest): Candidate[] {
  const list: Candidate[] = format.sizes.map((s) => ({
    format,
    width: s.width,
    height: s.height,
    fps: s.fps,
  }));
  const has = (w: number, h: number) =>
    list.some((c) => c.width === w && c.height === h);
  const r = format.size_range;
  if (r) {
    // Any size on the range's steps: the wanted one, or the nearest to it.
    const [w, h] = inRange(r, want.width, want.height)
      ? [want.width, want.height]
      : fitInRange(r, want.width, want.height);
    if (!has(w, h)) list.push({ format, width: w, height: h, fps: [] });
  } else if (list.length === 0) {
    // Sizes not enumerable (unicam behind an HDMI bridge): ask, the driver adjusts.
    list.push({ format, width: want.width, height: want.height, fps: [] });
  }
  return list;
}

/** Candidates of the size nearest to the wanted one: same aspect first, then pixel count. */
function nearestSize(all: Candidate[], want: CaptureRequest): Candidate[] {
  const aspect = want.width / want.height;
  const cost = (c: Candidate) => {
    const aspectOff = Math.abs(c.width / c.height - aspect) > 0.01 ? 1 : 0;
    const areaOff = Math.abs(
      Math.log((c.width * c.height) / (want.width * want.height)),
    );
    return aspectOff * 100 + areaOff;
  };
  const best = Math.min(...all.map(cost));
  const bestSize = all.find((c) => cost(c) === best)!;
  return all.filter((c) =>
    c.width === bestSize.width && c.height === bestSize.height
  );
}

/** Lower is better: MJPEG first, then the raw preference, then H.264; a format that has the rate wins ties. */
function rank(c: Candidate, want: CaptureRequest): number {
  const f = c.format.ffmpeg_format!;
  const kind = f === "mjpeg"
    ? 0
    : RAW_PREFERENCE.includes(f)
    ? 1 + RAW_PREFERENCE.indexOf(f)
    : 1 + RAW_PREFERENCE.length + DECODE_PREFERENCE.indexOf(f);
  const hasRate = c.fps.length === 0 || c.fps.includes(want.fps) ? 0 : 0.5;
  // A format far below the wanted rate (YUYV 1920x1080 at 5 fps) loses to one that has it.
  const slow = c.fps.length && Math.max(...c.fps) < want.fps ? 20 : 0;
  return kind + hasRate + slow;
}

/** The wanted rate when offered or unknown, else the nearest offered (higher on a tie). */
function pickFps(offered: number[], want: number): number {
  if (offered.length === 0 || offered.includes(want)) return want;
  return [...offered].sort((a, b) =>
    Math.abs(a - want) - Math.abs(b - want) || b - a
  )[0];
}
