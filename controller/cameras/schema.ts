/**
 * Validation of camera input. Each rule names its field, so an API error can
 * point the form at the input to fix.
 */
import { z } from "zod";
import { CAMERA_PROTOCOLS } from "../../lib/protocol.ts";

/** off: records only when started; manual: the same, stated; continuous: always records. */
export const RECORDING_MODES = ["off", "manual", "continuous"] as const;

export const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;
const RESOLUTION = /^(\d{2,5})x(\d{2,5})$/;

const resolution = z.string().trim().regex(
  RESOLUTION,
  "resolution must look like 640x480",
).refine((v) => {
  const [w, h] = v.split("x").map(Number);
  return w >= 16 && h >= 16 && w <= 7680 && h <= 4320 && w % 2 === 0 &&
    h % 2 === 0;
}, "resolution must be even numbers between 16x16 and 7680x4320");

const metadata = z.record(z.string(), z.unknown()).refine(
  (m) => JSON.stringify(m).length <= 8192,
  "metadata must be at most 8 KiB of JSON",
);

const fields = {
  name: z.string().trim().min(1, "name must not be empty").max(
    100,
    "name must be at most 100 characters",
  ),
  location: z.string().trim().max(
    200,
    "location must be at most 200 characters",
  ).nullable(),
  source_url: z.string().trim().max(
    2048,
    "source_url must be at most 2048 characters",
  ).nullable(),
  device_path: z.string().trim().regex(
    /^\/dev\/video\d{1,3}$/,
    "device_path must look like /dev/video0",
  )
    .nullable(),
  node_name: z.string().trim().regex(
    NODE_NAME,
    "node_name must be a node name like worker-1",
  ).nullable(),
  resolution,
  framerate: z.number({ error: "framerate must be a number" }).int(
    "framerate must be a whole number",
  )
    .min(1, "framerate must be between 1 and 60").max(
      60,
      "framerate must be between 1 and 60",
    ),
  metadata,
  recording_mode: z.enum(RECORDING_MODES, {
    error: `recording_mode must be one of ${RECORDING_MODES.join(", ")}`,
  }),
  retention_days: z.number({ error: "retention_days must be a number or null" })
    .int("retention_days must be a whole number of days")
    .min(1, "retention_days must be between 1 and 3650")
    .max(3650, "retention_days must be between 1 and 3650")
    .nullable(),
};

export const createCameraSchema = z.strictObject({
  name: fields.name,
  protocol: z.enum(CAMERA_PROTOCOLS, {
    error: (issue) =>
      issue.input === "onvif"
        ? "protocol onvif is not supported yet; give the camera's rtsp:// URL instead"
        : `protocol must be one of ${CAMERA_PROTOCOLS.join(", ")}`,
  }),
  location: fields.location.optional(),
  source_url: fields.source_url.optional(),
  device_path: fields.device_path.optional(),
  node_name: fields.node_name.optional(),
  resolution: resolution.default("640x480"),
  framerate: fields.framerate.default(15),
  metadata: metadata.default({}),
  recording_mode: fields.recording_mode.default("off"),
  retention_days: fields.retention_days.default(null),
});

export const updateCameraSchema = z.strictObject({
  name: fields.name.optional(),
  location: fields.location.optional(),
  source_url: fields.source_url.optional(),
  device_path: fields.device_path.optional(),
  node_name: fields.node_name.optional(),
  resolution: resolution.optional(),
  framerate: fields.framerate.optional(),
  metadata: metadata.optional(),
  recording_mode: fields.recording_mode.optional(),
  retention_days: fields.retention_days.optional(),
});

export type CreateCameraInput = z.infer<typeof createCameraSchema>;
export type UpdateCameraInput = z.infer<typeof updateCameraSchema>;

export interface SourceFields {
  protocol: string;
  source_url: string | null;
  device_path: string | null;
  node_name: string | null;
}

/** A field-level complaint: [field, message]. */
export type FieldProblem = [field: string, message: string];

/**
 * Protocol rules over the merged camera (create or after a patch). Returns the
 * normalised source fields, or the first problem found.
 */
export function checkSource(c: SourceFields): SourceFields | FieldProblem {
  switch (c.protocol) {
    case "rtsp":
    case "http": {
      if (!c.source_url) {
        return [
          "source_url",
          `source_url is required for ${c.protocol} cameras`,
        ];
      }
      const schemes = c.protocol === "rtsp"
        ? ["rtsp:", "rtsps:"]
        : ["http:", "https:"];
      let url: URL;
      try {
        url = new URL(c.source_url);
      } catch {
        return [
          "source_url",
          `source_url is not a valid URL (expected ${schemes[0]}//host/path)`,
        ];
      }
      if (!schemes.includes(url.protocol)) {
        return [
          "source_url",
          `source_url must start with ${
            schemes.map((s) => s + "//").join(" or ")
          }`,
        ];
      }
      if (!url.hostname) return ["source_url", "source_url must name a host"];
      return { ...c, device_path: null };
    }
    case "demo": {
      const src = c.source_url || "demo://";
      if (!src.startsWith("demo://")) {
        return [
          "source_url",
          "source_url must start with demo:// for demo cameras",
        ];
      }
      return { ...c, source_url: src, device_path: null };
    }
    case "usb":
      if (!c.node_name) {
        return [
          "node_name",
          "node_name is required for usb cameras: a USB device belongs to one node",
        ];
      }
      if (c.source_url) {
        return [
          "source_url",
          "source_url must be empty for usb cameras; set device_path",
        ];
      }
      return { ...c, device_path: c.device_path ?? "/dev/video0" };
    default:
      return [
        "protocol",
        `protocol must be one of ${CAMERA_PROTOCOLS.join(", ")}`,
      ];
  }
}
