/**
 * V4L2 pixel formats as the two listing tools name them: v4l2-ctl shows the
 * FourCC (`YUYV`), ffmpeg its own name (`yuyv422`). The capture plan needs
 * ffmpeg's name (`-input_format`), people and the API read the FourCC, so both
 * are kept. The pairs follow ffmpeg's conversion table
 * (libavdevice/v4l2-common.c, unchanged from 3.x to 7.x); a FourCC missing
 * here cannot be read by ffmpeg's v4l2 input (it lists it as "Unsupported":
 * HEVC, MPEG-4, NV21, YVYU, …).
 */
import type { UsbFrameSize, UsbSizeRange } from "../../lib/protocol/mod.ts";

const FOURCC_TO_FFMPEG: Record<string, string> = {
  MJPG: "mjpeg",
  JPEG: "mjpeg",
  H264: "h264",
  YUYV: "yuyv422",
  UYVY: "uyvy422",
  YU12: "yuv420p",
  // ffmpeg reads YV12 as yuv420p with U and V swapped back (codec tag YV12).
  YV12: "yuv420p",
  "422P": "yuv422p",
  "411P": "yuv411p",
  YUV9: "yuv410p",
  YVU9: "yuv410p",
  NV12: "nv12",
  RGB3: "rgb24",
  BGR3: "bgr24",
  BGR4: "bgr0",
  XR24: "bgr0",
  RGB4: "0rgb",
  BX24: "0rgb",
  GREY: "gray",
  "Y16 ": "gray16le",
  RGBP: "rgb565le",
  RGBR: "rgb565be",
  RGBO: "rgb555le",
  RGBQ: "rgb555be",
  BA81: "bayer_bggr8",
  GBRG: "bayer_gbrg8",
  GRBG: "bayer_grbg8",
  RGGB: "bayer_rggb8",
};

/**
 * FourCCs of formats ffmpeg lists as "Unsupported", by the description the
 * V4L2 core gives them, so an ffmpeg-only listing still names them.
 */
const DESCRIPTION_TO_FOURCC: Record<string, string> = {
  "Planar YVU 4:2:0": "YV12",
  HEVC: "HEVC",
  "YVYU 4:2:2": "YVYU",
  "VYUY 4:2:2": "VYUY",
  "Y/CrCb 4:2:0": "NV21",
  "Y/VU 4:2:0": "NV21",
  "32-bit XBGR 8-8-8-8": "RX24",
  "JFIF JPEG": "JPEG",
};

/** ffmpeg's `-input_format` name of a V4L2 FourCC, or null when ffmpeg cannot read it. */
export function ffmpegFormatOf(fourcc: string): string | null {
  return FOURCC_TO_FFMPEG[fourcc] ?? null;
}

/**
 * The FourCC behind an ffmpeg listing line: ffmpeg's name mapped back (the
 * description tells JPEG from MJPG), else the description; `?` when neither
 * says.
 */
export function fourccOf(
  ffmpegName: string | null,
  description: string,
): string {
  const byDescription = DESCRIPTION_TO_FOURCC[description];
  if (byDescription) return byDescription;
  if (ffmpegName) {
    for (const [fourcc, name] of Object.entries(FOURCC_TO_FFMPEG)) {
      if (name === ffmpegName) return fourcc;
    }
  }
  return "?";
}

/** Sizes offered in the form for a ranged format (the Pi camera takes any size in range). */
const COMMON_SIZES: [number, number][] = [
  [320, 240],
  [640, 480],
  [800, 600],
  [1024, 768],
  [1280, 720],
  [1280, 960],
  [1640, 1232],
  [1920, 1080],
  [2592, 1944],
  [3280, 2464],
  [3840, 2160],
];

/**
 * The largest size offered as "the range's maximum". Some drivers state no
 * real limit (the Pi's unicam: `Stepwise 16x16 - 16376x16376`), and a 16376²
 * choice in a camera form is noise.
 */
const LARGEST_OFFERED = 4096;

/**
 * A `Size: Continuous` format: v4l2-ctl prints no limits for it (v4l-utils
 * 1.12 … 1.22 print only the word), so it stands for "any size" up to the
 * controller's 16384 cap and the driver adjusts what it cannot do.
 */
export const ANY_SIZE: UsbSizeRange = {
  min_width: 1,
  min_height: 1,
  max_width: 16384,
  max_height: 16384,
  step_width: 1,
  step_height: 1,
};

/** True when `w`×`h` lies in `r` on its steps. */
export function inRange(r: UsbSizeRange, w: number, h: number): boolean {
  return w >= r.min_width && w <= r.max_width && h >= r.min_height &&
    h <= r.max_height &&
    (w - r.min_width) % Math.max(1, r.step_width) === 0 &&
    (h - r.min_height) % Math.max(1, r.step_height) === 0;
}

/**
 * The common sizes inside a range, and its largest size when that is a real
 * one (≤ 4096 a side), smallest first; never empty.
 */
export function sizesInRange(r: UsbSizeRange): UsbFrameSize[] {
  const out = COMMON_SIZES.filter(([w, h]) => inRange(r, w, h));
  const maxIsReal = r.max_width <= LARGEST_OFFERED &&
    r.max_height <= LARGEST_OFFERED;
  if (
    maxIsReal &&
    !out.some(([w, h]) => w === r.max_width && h === r.max_height)
  ) {
    out.push([r.max_width, r.max_height]);
  }
  if (out.length === 0) out.push(fitInRange(r, 1920, 1080));
  return out.map(([width, height]) => ({ width, height, fps: [] }));
}

/**
 * The size in `r` nearest to `w`×`h`: scaled (aspect kept) into the range's
 * bounds, then rounded down onto its steps.
 */
export function fitInRange(
  r: UsbSizeRange,
  w: number,
  h: number,
): [number, number] {
  const down = Math.min(1, r.max_width / w, r.max_height / h);
  const up = Math.max(1, r.min_width / w, r.min_height / h);
  const scale = down < 1 ? down : up;
  const snap = (v: number, min: number, max: number, step: number) => {
    const s = Math.max(1, step);
    const on = min + Math.floor((Math.round(v) - min) / s) * s;
    return Math.min(max, Math.max(min, on));
  };
  return [
    snap(w * scale, r.min_width, r.max_width, r.step_width),
    snap(h * scale, r.min_height, r.max_height, r.step_height),
  ];
}

/** Rates offered in the form for a continuous or stepwise interval range. */
const COMMON_RATES = [120, 90, 60, 50, 30, 25, 24, 20, 15, 10, 5, 1];

/** The common rates within `min`…`max` fps, and both ends, highest first. */
export function ratesInRange(min: number, max: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  return normaliseFps([
    max,
    ...COMMON_RATES.filter((f) => f >= min && f <= max),
    min,
  ]);
}

/** Frame rates highest first, without duplicates, to 3 decimals (7.5, 29.97). */
export function normaliseFps(fps: number[]): number[] {
  const rounded = fps.filter((f) => Number.isFinite(f) && f > 0).map((f) =>
    Math.round(f * 1000) / 1000
  );
  return [...new Set(rounded)].sort((a, b) => b - a);
}
