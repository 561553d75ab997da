/**
 * The ffmpeg command line of a camera relay: read the camera once, emit MJPEG
 * at the camera's size and frame rate on stdout, where the relay parses it into
 * frames for the hub. Pure and golden-tested, because a wrong flag here shows
 * up only as a black tile in a browser.
 *
 * Choices, per source:
 * - every source: `-protocol_whitelist` for its kind (protocols.ts: a
 *   camera's playlist cannot make ffmpeg open local files), `-loglevel error` (warnings are noise in the stderr tail that
 *   becomes the camera's error), `-nostdin` (ffmpeg must never wait on a tty),
 *   `-an` (live view is video only), `-f mpjpeg -boundary_tag ffmpeg pipe:1`
 *   (multipart with Content-Length, which `MjpegParser` reads without scanning).
 * - rtsp/rtsps: TCP interleaving by default (survives NAT and lossy Wi-Fi
 *   without smearing), RTP over UDP when the camera says `rtsp_transport:
 *   "udp"` (cameras whose TCP mode is broken, or LANs where latency matters
 *   more than loss), and a 5 s socket timeout either way, so a dead camera
 *   fails fast instead of waiting for the stall watchdog.
 * - http(s): ffmpeg reconnects short drops itself (`-reconnect*`, max 2 s) and
 *   gives up after 5 s without data (`-rw_timeout`); the supervisor restarts it.
 * - demo: a moving test pattern at real time (`-re`), so pixels differ frame to
 *   frame like a real camera.
 * - usb: per the capture plan (devices/capture.ts), the device's native MJPEG
 *   is copied, not re-encoded (almost no CPU; size and rate are negotiated
 *   with the device), or a raw format (YUYV…) is captured and encoded to MJPEG
 *   at the camera's size and rate. Without a plan (the device could not be
 *   listed) the driver's default format is captured and encoded.
 */
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { AppError } from "../../lib/errors.ts";
import { chooseUsbCapture, type UsbCapture } from "../devices/capture.ts";
import { whitelist, whitelistForUrl } from "./protocols.ts";

/** JPEG quality scale of ffmpeg's mjpeg encoder (2 best … 31 worst). */
export const MJPEG_QUALITY = 5;

/** RTSP / HTTP socket timeout, µs (ffmpeg's unit for these options). */
export const SOCKET_TIMEOUT_US = 5_000_000;

/**
 * How long ffmpeg studies an RTSP stream before the first frame, µs. Its 5 s
 * default spends ~3 s guessing the frame rate of a 10 fps camera; the relay
 * re-times frames itself, so half a second is plenty (3.0 s → 1.0 s measured).
 */
export const RTSP_ANALYZE_US = 500_000;

const COMMON = ["-hide_banner", "-nostdin", "-loglevel", "error"];
const OUTPUT = ["-f", "mpjpeg", "-boundary_tag", "ffmpeg", "pipe:1"];

export interface RelayArgsOptions {
  /** A usb camera's capture plan (devices/capture.ts); absent = driver default, encoded. */
  usb?: UsbCapture;
  /**
   * Replaces the v4l2 input flags (`-f v4l2 … -i DEVICE`) with another source:
   * the seam where tests stand an ffmpeg lavfi source in for a device.
   */
  usbInput?: (capture: UsbCapture, device: string) => string[];
}

/** ffmpeg argv (without the binary) that relays `spec` as MJPEG on stdout. */
export function relayArgs(
  spec: CameraSpec,
  options: RelayArgsOptions = {},
): string[] {
  checkSize(spec);
  const { width: w, height: h, framerate: fps } = spec;
  const encode = [
    "-an",
    "-vf",
    `fps=${fps},scale=${w}:${h}`,
    "-c:v",
    "mjpeg",
    "-q:v",
    String(MJPEG_QUALITY),
  ];
  switch (spec.protocol) {
    case "rtsp": {
      const url = sourceUrl(spec, ["rtsp:", "rtsps:"]);
      return [
        ...COMMON,
        ...whitelistForUrl(url),
        "-rtsp_transport",
        rtspTransport(spec),
        "-timeout",
        String(SOCKET_TIMEOUT_US),
        "-analyzeduration",
        String(RTSP_ANALYZE_US),
        "-i",
        url,
        ...encode,
        ...OUTPUT,
      ];
    }
    case "http":
      return [
        ...COMMON,
        ...whitelist("http"),
        "-reconnect",
        "1",
        "-reconnect_streamed",
        "1",
        "-reconnect_delay_max",
        "2",
        "-rw_timeout",
        String(SOCKET_TIMEOUT_US),
        "-i",
        sourceUrl(spec, ["http:", "https:"]),
        ...encode,
        ...OUTPUT,
      ];
    case "demo":
      sourceUrl(spec, ["demo:"]);
      return [
        ...COMMON,
        ...whitelist("file"),
        "-re",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${w}x${h}:rate=${fps}`,
        ...encode,
        ...OUTPUT,
      ];
    case "usb": {
      const device = devicePath(spec);
      const capture = options.usb ??
        chooseUsbCapture({ width: w, height: h, fps }, null);
      return [
        ...COMMON,
        ...whitelist("file"),
        ...(options.usbInput ?? usbInputArgs)(capture, device),
        ...(capture.copy ? ["-an", "-c:v", "copy"] : encode),
        ...OUTPUT,
      ];
    }
    default:
      throw invalid(spec, `unknown protocol "${String(spec.protocol)}"`);
  }
}

/** "tcp" unless the camera asks for "udp"; anything else is refused, not passed to ffmpeg. */
export function rtspTransport(
  spec: Pick<CameraSpec, "name" | "rtsp_transport">,
): "tcp" | "udp" {
  const t = spec.rtsp_transport ?? "tcp";
  if (t !== "tcp" && t !== "udp") {
    throw new AppError(
      "invalid_input",
      `Cannot read camera "${spec.name}": rtsp_transport must be tcp or udp, got "${
        String(t)
      }"`,
    );
  }
  return t;
}

/** The V4L2 input of a capture plan: format (when chosen), size and rate asked of the device. */
export function usbInputArgs(capture: UsbCapture, device: string): string[] {
  return [
    "-f",
    "v4l2",
    ...(capture.input_format ? ["-input_format", capture.input_format] : []),
    "-video_size",
    `${capture.width}x${capture.height}`,
    "-framerate",
    String(capture.fps),
    "-i",
    device,
  ];
}

function checkSize(spec: CameraSpec): void {
  for (const key of ["width", "height", "framerate"] as const) {
    const v = spec[key];
    if (!Number.isFinite(v) || v <= 0) {
      throw invalid(spec, `${key} must be a positive number, got ${v}`);
    }
  }
  if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height)) {
    throw invalid(spec, "width and height must be whole pixels");
  }
}

/**
 * The source URL, checked against the schemes the protocol allows. The check
 * matters for security: ffmpeg opens `file:`, `concat:` and friends too, so a
 * camera record must never smuggle a local path into `-i`.
 */
function sourceUrl(spec: CameraSpec, schemes: string[]): string {
  const url = spec.source_url;
  let scheme: string | null = null;
  try {
    if (url) scheme = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (!url || !scheme || !schemes.includes(scheme)) {
    throw invalid(
      spec,
      `source_url must be a ${schemes.map((s) => s + "//").join(" or ")} URL`,
    );
  }
  return url;
}

function devicePath(spec: CameraSpec): string {
  const path = spec.device_path;
  // /dev/videoN, or a stable alias such as /dev/v4l/by-id/usb-…-video-index0.
  if (!path || !/^\/dev\/[\w.:/-]+$/.test(path) || path.includes("..")) {
    throw invalid(
      spec,
      "device_path must be a device under /dev, e.g. /dev/video0",
    );
  }
  return path;
}

function invalid(spec: CameraSpec, why: string): AppError {
  return new AppError(
    "invalid_input",
    `Cannot build the relay command for camera "${spec.name}": ${why}`,
  );
}
