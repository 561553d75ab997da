/**
 * USB (V4L2) devices (docs/guide/usb.md). Node → controller in `Heartbeat.usb`;
 * controller → node `GET /v1/devices/usb` → `{ devices: UsbDevice[] }`
 * (listed now, cached briefly). Bounded, as the controller stores it per heartbeat.
 */
import { z } from "zod";

/**
 * A usb camera's `device_path`: `/dev/videoN`, or a udev alias that survives
 * re-plugging and reboots (`/dev/v4l/by-id/…`, `/dev/v4l/by-path/…`).
 */
export const USB_DEVICE_PATH =
  /^\/dev\/(video\d{1,3}|v4l\/by-(id|path)\/(?!\.\.?$)[\w.:+-]{1,200})$/;

/** One frame size a format offers, with its frame rates. */
export const usbFrameSizeSchema = z.object({
  width: z.number().int().min(1).max(16384),
  height: z.number().int().min(1).max(16384),
  /** Frame rates offered at this size, highest first; empty = not known. */
  fps: z.array(z.number().min(0).max(1000)).max(64),
});
export type UsbFrameSize = z.infer<typeof usbFrameSizeSchema>;

/** A range of sizes (drivers such as the Raspberry Pi's bcm2835 offer any size in it). */
export const usbSizeRangeSchema = z.object({
  min_width: z.number().int(),
  max_width: z.number().int(),
  step_width: z.number().int(),
  min_height: z.number().int(),
  max_height: z.number().int(),
  step_height: z.number().int(),
});
export type UsbSizeRange = z.infer<typeof usbSizeRangeSchema>;

/** One pixel format of a device. */
export const usbFormatSchema = z.object({
  /** V4L2 FourCC, e.g. `MJPG`, `YUYV`, `H264` (as v4l2-ctl shows it). */
  pixel_format: z.string().max(8),
  /** The driver's words, e.g. `Motion-JPEG`, `YUYV 4:2:2`. */
  description: z.string().max(128),
  /** ffmpeg's `-input_format` name (`mjpeg`, `yuyv422`, …); null when ffmpeg cannot read it. */
  ffmpeg_format: z.string().max(32).nullable(),
  compressed: z.boolean(),
  /** Discrete sizes; for a ranged format, common sizes within the range (`size_range`). */
  sizes: z.array(usbFrameSizeSchema).max(256),
  size_range: usbSizeRangeSchema.nullable().optional(),
});
export type UsbFormat = z.infer<typeof usbFormatSchema>;

/** A video device node of a node agent. */
export const usbDeviceSchema = z.object({
  /** `/dev/videoN`. */
  path: z.string().max(256),
  /** Card name, e.g. `HD Pro Webcam C920`; null when unreadable. */
  name: z.string().max(256).nullable(),
  /** Stable alias under `/dev/v4l/by-id/` (survives re-plugging); null when none. */
  by_id: z.string().max(512).nullable(),
  /** Alias under `/dev/v4l/by-path/` (the USB port); null when none. */
  by_path: z.string().max(512).nullable(),
  /** Bus info from the driver, e.g. `usb-0000:00:14.0-1`; null when not known. */
  bus_info: z.string().max(256).nullable(),
  /** The node captures video (UVC cameras also have a metadata-only node that does not). */
  capture: z.boolean(),
  formats: z.array(usbFormatSchema).max(64),
  /** Why the formats could not be listed (tool timed out, device busy…); null when they were. */
  error: z.string().max(1000).nullable().optional(),
});
export type UsbDevice = z.infer<typeof usbDeviceSchema>;
