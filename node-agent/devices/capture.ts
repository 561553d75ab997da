/**
 * How to capture a USB camera, from what its device offers: the device's own
 * MJPEG copied as it is when it offers MJPEG at the wanted size (no decode,
 * no encode: ~1 % of a core), else a raw format (YUYV…) that the relay encodes
 * to MJPEG. Pure; relay_args.ts turns the plan into ffmpeg flags.
 *
 * Choice, in order:
 * 1. The wanted size in MJPEG → copy; in a raw format → encode (YUYV first,
 *    the format every UVC camera has).
 * 2. No format offers the size → the nearest offered size (same aspect ratio
 *    first, then the closest pixel count), MJPEG before raw at that size. A
 *    raw capture is scaled to the wanted size; an MJPEG copy keeps the
 *    device's size (scaling would cost the encode the copy avoids).
 * 3. Frame rate: the wanted one when offered (or when the device does not say),
 *    else the nearest offered one.
 * 4. A device that could not be listed → the driver's default format, encoded.
 *
 * `note` says what differs from what was asked, for the camera's runtime.
 */
import type { UsbDevice, UsbFormat } from "../../lib/protocol.ts";
import { inRange } from "./pixel_formats.ts";

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
  const usable = (device?.formats ?? []).filter((f) =>
    f.ffmpeg_format === "mjpeg" ||
    (!f.compressed && f.ffmpeg_format !== null &&
      RAW_PREFERENCE.includes(f.ffmpeg_format))
  );
  if (usable.length === 0) {
    return {
      input_format: null,
      width: want.width,
      height: want.height,
      fps: want.fps,
      copy: false,
      note: device?.formats.length
        ? `${device.path} offers no format ffmpeg can turn into MJPEG here`
        : null,
    };
  }
  const candidates = usable.flatMap((format) => {
    const list: Candidate[] = format.sizes.map((s) => ({
      format,
      width: s.width,
      height: s.height,
      fps: s.fps,
    }));
    const r = format.size_range;
    if (
      r && inRange(r, want.width, want.height) &&
      !list.some((c) => c.width === want.width && c.height === want.height)
    ) {
      list.push({ format, width: want.width, height: want.height, fps: [] });
    }
    return list;
  });
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
      `${
        device!.path
      } offers no ${want.width}x${want.height}; capturing ${best.width}x${best.height}` +
        (copy ? "" : ` scaled to ${want.width}x${want.height}`),
    );
  }
  if (fps !== want.fps) {
    notes.push(
      `${want.fps} fps is not offered at ${best.width}x${best.height} ${best.format.pixel_format}; using ${fps} fps`,
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

/** Lower is better: MJPEG first, then the raw preference; a format that has the rate wins ties. */
function rank(c: Candidate, want: CaptureRequest): number {
  const f = c.format.ffmpeg_format!;
  const kind = f === "mjpeg" ? 0 : 1 + RAW_PREFERENCE.indexOf(f);
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
