/**
 * The relay's reader for a usb camera: one supervised ffmpeg, like rtsp, whose
 * arguments are built at every start from what the device offers now — its
 * native MJPEG copied when it has the size, else a raw format encoded
 * (capture.ts). Listing at start (cached, see usb.ts) means a camera swapped
 * on the same port gets the right plan after its next restart.
 *
 * The relay is the only process that opens the device: recorders read the
 * relay's frames (recorder/feed.ts), never `/dev/video*`.
 */
import type { CameraSpec, UsbDevice } from "../../lib/protocol/mod.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { relayArgs } from "../ffmpeg/relay_args.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import type { FrameSink, FrameSource, SourceOptions } from "./source.ts";
import { chooseUsbCapture, type UsbCapture } from "../devices/capture.ts";
import { findDevice, listUsbDevices } from "../devices/usb.ts";

const log = logger("devices.usb_source");

export interface UsbSourceDeps {
  /** The node's devices. @default listUsbDevices */
  devices?: () => Promise<UsbDevice[]>;
  /**
   * Replaces the v4l2 input flags of the plan: tests stand an ffmpeg lavfi
   * source in for a device that cannot exist on the build machine.
   */
  input?: (capture: UsbCapture, device: string) => string[];
}

/** A FrameSource that also says how it captures (`note` for the runtime). */
export interface UsbFrameSource extends FrameSource {
  /** The plan of the last start; null before the first. */
  readonly capture: UsbCapture | null;
  /** What differs from the camera's size or rate; null when nothing does. */
  readonly note: string | null;
}

export function usbFrameSource(
  spec: () => CameraSpec,
  sink: FrameSink,
  options: SourceOptions,
  deps: UsbSourceDeps = {},
): UsbFrameSource {
  let capture: UsbCapture | null = null;
  const listDevices = deps.devices ?? listUsbDevices;
  const ffmpeg = new FfmpegSource(
    async () => {
      const s = spec();
      let devices: UsbDevice[] = [];
      try {
        devices = await listDevices();
      } catch (e) {
        log.warn("could not list video devices; capturing the default format", {
          camera: s.id,
          error: errorMessage(e),
        });
      }
      const device = s.device_path ? findDevice(devices, s.device_path) : null;
      const plan = chooseUsbCapture(
        { width: s.width, height: s.height, fps: s.framerate },
        device,
      );
      if (plan.note && plan.note !== capture?.note) {
        log.info("usb capture differs from the camera's settings", {
          camera: s.id,
          note: plan.note,
        });
      }
      capture = plan;
      return relayArgs(s, { usb: plan, usbInput: deps.input });
    },
    sink,
    options,
  );

  return {
    get state() {
      return ffmpeg.state;
    },
    get pid() {
      return ffmpeg.pid;
    },
    get restarts() {
      return ffmpeg.restarts;
    },
    get lastError() {
      return ffmpeg.lastError;
    },
    get capture() {
      return capture;
    },
    get note() {
      return capture?.note ?? null;
    },
    start: () => ffmpeg.start(),
    stop: () => ffmpeg.stop(),
    restart: () => ffmpeg.restart(),
    setSecrets: (secrets) => ffmpeg.setSecrets(secrets),
  };
}
