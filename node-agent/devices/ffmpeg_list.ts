/**
 * Parser of `ffmpeg -hide_banner -f v4l2 -list_formats all -i DEV` (stderr),
 * the fallback when v4l2-ctl is not installed. ffmpeg 2.x–7.x print one line
 * per format (libavdevice/v4l2.c `list_formats`: `%11s : %20s :`, then the
 * sizes):
 *
 *     [video4linux2,v4l2 @ 0x…] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720
 *     [video4linux2,v4l2 @ 0x…] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720
 *     [video4linux2,v4l2 @ 0x…] Compressed: Unsupported :                 HEVC : 1920x1080
 *     [video4linux2,v4l2 @ 0x…] Raw       :     yuv420p :     Planar YUV 4:2:0 : {32-2592, 2}x{32-1944, 2}
 *     [video4linux2,v4l2 @ 0x…] Raw       :       rgb24 :     24-bit RGB 8-8-8 :
 *     /dev/video0: Immediate exit requested
 *
 * A stepwise or continuous size is one `{min-max, step}x{min-max, step}`
 * token; a format whose sizes cannot be enumerated has none. Nothing about
 * frame rates, so `fps` stays empty (unknown). A node ffmpeg cannot list (a
 * UVC metadata node; a multiplanar-only device before ffmpeg 8) fails with an
 * error instead, which is returned so the listing can say why there are no
 * formats.
 */
import type { UsbFormat, UsbSizeRange } from "../../lib/protocol/mod.ts";
import { fourccOf, sizesInRange } from "./pixel_formats.ts";

export interface FfmpegFormatListing {
  formats: UsbFormat[];
  /**
   * Why nothing was listed: the v4l2 input's own last error (`Not a video
   * capture device.`), else the last other line; null when formats were listed.
   */
  error: string | null;
}

// Description: `%20s`, may hold colons ("YUYV 4:2:2") but never " :".
const LINE =
  /\]\s(Raw|Compressed)\s*:\s+(\S+) : (.*?) :( Emulated :)?((?: (?:\d+x\d+|\{\d+-\d+, \d+\}x\{\d+-\d+, \d+\}))*)\s*$/;
const SIZE_TOKEN = /\d+x\d+|\{\d+-\d+, \d+\}x\{\d+-\d+, \d+\}/g;
const RANGE = /^\{(\d+)-(\d+), (\d+)\}x\{(\d+)-(\d+), (\d+)\}$/;
/** A line logged by the v4l2 input itself (`[video4linux2,v4l2 @ 0x…] …`). */
const V4L2_LOG = /^\[video4linux2[^\]]*\]\s*(.+)$/;

export function parseFfmpegFormats(stderr: string): FfmpegFormatListing {
  const formats: UsbFormat[] = [];
  let lastLine: string | null = null;
  let v4l2Error: string | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const m = LINE.exec(line);
    if (!m) {
      // ffmpeg's normal end of a listing (7.x adds "Error opening input…" lines).
      if (/Immediate exit requested$|^Error opening input file /.test(line)) {
        continue;
      }
      lastLine = line;
      const own = V4L2_LOG.exec(line);
      if (own) v4l2Error = own[1];
      continue;
    }
    const [, kind, name, desc, , sizeList] = m;
    const ffmpegName = name === "Unsupported" ? null : name;
    const description = desc.trim();
    const format: UsbFormat = {
      pixel_format: fourccOf(ffmpegName, description),
      description,
      ffmpeg_format: ffmpegName,
      compressed: kind === "Compressed",
      sizes: [],
      size_range: null,
    };
    for (const [token] of sizeList.matchAll(SIZE_TOKEN)) {
      const r = RANGE.exec(token);
      if (r) {
        const range: UsbSizeRange = {
          min_width: Number(r[1]),
          max_width: Number(r[2]),
          step_width: Number(r[3]),
          min_height: Number(r[4]),
          max_height: Number(r[5]),
          step_height: Number(r[6]),
        };
        format.size_range = range;
        continue;
      }
      const [w, h] = token.split("x").map(Number);
      if (w > 0 && h > 0) format.sizes.push({ width: w, height: h, fps: [] });
    }
    if (format.size_range && format.sizes.length === 0) {
      format.sizes = sizesInRange(format.size_range);
    }
    formats.push(format);
  }
  // ffmpeg's own summary ("/dev/video0: No such device" for a multiplanar
  // node) says less than the v4l2 input's line ("Not a video capture device.").
  return { formats, error: formats.length ? null : v4l2Error ?? lastLine };
}
