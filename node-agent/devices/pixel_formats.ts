/**
 * V4L2 pixel formats as the two listing tools name them: v4l2-ctl shows the
 * FourCC (`YUYV`), ffmpeg its own name (`yuyv422`). The capture plan needs
 * ffmpeg's name (`-input_format`), people and the API read the FourCC, so both
 * are kept. The pairs follow ffmpeg 5.1's conversion table
 * (libavdevice/v4l2-common.c); a FourCC missing here cannot be read by ffmpeg.
 */
import type { UsbFrameSize, UsbSizeRange } from "../../lib/protocol.ts";

const FOURCC_TO_FFMPEG: Record<string, string> = {
  MJPG: "mjpeg",
  JPEG: "mjpeg",
  H264: "h264",
  MPG4: "mpeg4",
  YUYV: "yuyv422",
  UYVY: "uyvy422",
  YU12: "yuv420p",
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
  "YVYU 4:2:2": "YVYU",
  "VYUY 4:2:2": "VYUY",
  "Planar YVU 4:2:0": "YV12",
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
];

/** True when `w`×`h` lies in `r` on its steps. */
export function inRange(r: UsbSizeRange, w: number, h: number): boolean {
  return w >= r.min_width && w <= r.max_width && h >= r.min_height &&
    h <= r.max_height &&
    (w - r.min_width) % Math.max(1, r.step_width) === 0 &&
    (h - r.min_height) % Math.max(1, r.step_height) === 0;
}

/** The common sizes inside a range, and its largest size, smallest first. */
export function sizesInRange(r: UsbSizeRange): UsbFrameSize[] {
  const out = COMMON_SIZES.filter(([w, h]) => inRange(r, w, h));
  if (!out.some(([w, h]) => w === r.max_width && h === r.max_height)) {
    out.push([r.max_width, r.max_height]);
  }
  return out.map(([width, height]) => ({ width, height, fps: [] }));
}

/** Frame rates highest first, without duplicates, to 3 decimals (7.5, 29.97). */
export function normaliseFps(fps: number[]): number[] {
  const rounded = fps.filter((f) => Number.isFinite(f) && f > 0).map((f) =>
    Math.round(f * 1000) / 1000
  );
  return [...new Set(rounded)].sort((a, b) => b - a);
}
