/**
 * Camera sources: what reads a camera for its relay. `createFrameSource()`
 * picks the reader per protocol; everything it returns is a `FrameSource`
 * (same states, backoff, stall watchdog and error text), so the relay does
 * not care which.
 *
 * - http: `HttpSource` — MJPEG passed through, JPEG snapshots polled, other
 *   streams through ffmpeg (decided by the camera's Content-Type).
 * - rtsp, usb, demo: one supervised ffmpeg emitting MJPEG (`relayArgs`).
 */
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { relayArgs } from "../ffmpeg/relay_args.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import { HttpSource } from "./http_source.ts";
import { onvifFrameSource } from "./onvif_source.ts";
import { usbFrameSource } from "./usb_source.ts";
import type { FrameSink, FrameSource, SourceOptions } from "./source.ts";

export type {
  FrameSink,
  FrameSource,
  SourceOptions,
  SourceState,
  SourceTuning,
} from "./source.ts";

/**
 * The reader for a camera. `spec` is read again at every start, so a changed
 * URL, size or rate takes effect on the next (re)start.
 */
export function createFrameSource(
  spec: () => CameraSpec,
  sink: FrameSink,
  options: SourceOptions,
): FrameSource {
  switch (spec().protocol) {
    case "http":
      return new HttpSource(spec, sink, options);
    case "onvif": // the profile's RTSP URI, asked for before each start
      return onvifFrameSource(spec, sink, options);
    case "usb": // the device's formats decide copy or encode (devices/capture.ts)
      return usbFrameSource(spec, sink, options, options.usb);
    default:
      return new FfmpegSource(() => relayArgs(spec()), sink, options);
  }
}
