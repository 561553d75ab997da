/**
 * Parser of `ffmpeg -hide_banner -f v4l2 -list_formats all -i DEV` (stderr),
 * the fallback when v4l2-ctl is not installed. ffmpeg 4.x–7.x print one line
 * per format (libavdevice/v4l2.c `list_formats`):
 *
 *     [video4linux2,v4l2 @ 0x…] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720
 *     [video4linux2,v4l2 @ 0x…] Compressed:       mjpeg :          Motion-JPEG : 640x480 1280x720
 *     [video4linux2,v4l2 @ 0x…] Raw       :     yuv420p :     Planar YUV 4:2:0 : {32-2592, 2}x{32-1944, 2}
 *     /dev/video0: Immediate exit requested
 *
 * and nothing about frame rates, so `fps` stays empty (unknown). A node that
 * does not capture (a UVC metadata node, a codec) fails with an error line
 * instead, which is returned so the listing can say why there are no formats.
 */
import type { UsbFormat, UsbSizeRange } from "../../lib/protocol.ts";
import { fourccOf, sizesInRange } from "./pixel_formats.ts";

export interface FfmpegFormatListing {
  formats: UsbFormat[];
  /** The last line that was neither a format nor ffmpeg's normal exit; null when none. */
  error: string | null;
}

// Description: `%20s`, may hold colons ("YUYV 4:2:2") but never " :".
const LINE =
  /\]\s(Raw|Compressed)\s*:\s+(\S+) : (.*?) :( Emulated :)?((?: (?:\d+x\d+|\{\d+-\d+, \d+\}x\{\d+-\d+, \d+\}))*)\s*$/;
const SIZE_TOKEN = /\d+x\d+|\{\d+-\d+, \d+\}x\{\d+-\d+, \d+\}/g;
const RANGE = /^\{(\d+)-(\d+), (\d+)\}x\{(\d+)-(\d+), (\d+)\}$/;

export function parseFfmpegFormats(stderr: string): FfmpegFormatListing {
  const formats: UsbFormat[] = [];
  let error: string | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const m = LINE.exec(line);
    if (!m) {
      if (!/Immediate exit requested$/.test(line)) error = line;
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
  // The ffmpeg error line names the input first: "/dev/video1: …".
  return { formats, error: formats.length ? null : error };
}
