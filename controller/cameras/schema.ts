/**
 * Validation of camera input. Each rule names its field, so an API error can
 * point the form at the input to fix.
 */
import { z } from "zod";
import {
  CAMERA_PROTOCOLS,
  RTSP_TRANSPORTS,
  USB_DEVICE_PATH,
} from "../../lib/protocol.ts";
import { type OnvifAddress, parseOnvifUrl } from "../../lib/onvif_url.ts";
import { normaliseUrl } from "../../lib/source_url.ts";

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
    USB_DEVICE_PATH,
    "device_path must look like /dev/video0 or /dev/v4l/by-id/usb-…-video-index0",
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
  rtsp_transport: z.enum(RTSP_TRANSPORTS, {
    error: `rtsp_transport must be one of ${RTSP_TRANSPORTS.join(", ")}`,
  }),
  record_source_url: z.string({
    error: "record_source_url must be a URL or null",
  }).trim().max(2048, "record_source_url must be at most 2048 characters")
    .nullable(),
};

export const createCameraSchema = z.strictObject({
  name: fields.name,
  protocol: z.enum(CAMERA_PROTOCOLS, {
    error: `protocol must be one of ${CAMERA_PROTOCOLS.join(", ")}`,
  }),
  location: fields.location.optional(),
  source_url: fields.source_url.optional(),
  device_path: fields.device_path.optional(),
  node_name: fields.node_name.optional(),
  // Left out: the camera service fills in the default_resolution / default_framerate settings.
  resolution: resolution.optional(),
  framerate: fields.framerate.optional(),
  metadata: metadata.default({}),
  recording_mode: fields.recording_mode.default("off"),
  retention_days: fields.retention_days.default(null),
  rtsp_transport: fields.rtsp_transport.default("tcp"),
  record_source_url: fields.record_source_url.optional(),
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
  rtsp_transport: fields.rtsp_transport.optional(),
  record_source_url: fields.record_source_url.optional(),
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
      return normalised(c, "source_url");
    }
    case "onvif": {
      if (!c.source_url) {
        return [
          "source_url",
          "source_url is required for onvif cameras: onvif://user:pass@host[:port]?profile=TOKEN",
        ];
      }
      try {
        parseOnvifUrl(c.source_url);
      } catch (e) {
        return ["source_url", (e as Error).message];
      }
      return normalised(c, "source_url");
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

/**
 * The source with its URL in the one stored form (lib/source_url.ts: parsed
 * once, serialised again) — what is sealed, sent to the node and redacted,
 * so all three read the same userinfo (issue 11 #1).
 */
function normalised(
  c: SourceFields,
  field: string,
): SourceFields | FieldProblem {
  const n = normaliseUrl(c.source_url!);
  if ("problem" in n) return [field, `${field} ${n.problem}`];
  return { ...c, source_url: n.url, device_path: null };
}

/**
 * The recording URL (main stream) of a camera; empty means "record
 * source_url". rtsp cameras: an rtsp(s):// URL, same scheme rules as
 * `source_url`. onvif cameras: an onvif:// URL of the same device (host and
 * port) as `sourceUrl`, naming the recording profile; the node resolves it
 * like the live one. Returns the normalised URL (null when none) or the
 * problem.
 */
export function checkRecordSource(
  protocol: string,
  url: string | null | undefined,
  sourceUrl?: string | null,
): { url: string | null } | FieldProblem {
  if (!url) return { url: null };
  if (protocol === "onvif") return checkOnvifRecordSource(url, sourceUrl);
  if (protocol !== "rtsp") {
    return [
      "record_source_url",
      `record_source_url is only used by rtsp and onvif cameras, not ${protocol}`,
    ];
  }
  const checked = checkSource({
    protocol,
    source_url: url,
    device_path: null,
    node_name: null,
  });
  if (Array.isArray(checked)) {
    return [
      "record_source_url",
      checked[1].replace(/^source_url/, "record_source_url"),
    ];
  }
  return { url: checked.source_url };
}

function checkOnvifRecordSource(
  url: string,
  sourceUrl: string | null | undefined,
): { url: string | null } | FieldProblem {
  let rec: OnvifAddress;
  try {
    rec = parseOnvifUrl(url);
  } catch (e) {
    const msg = (e as Error).message;
    return [
      "record_source_url",
      msg.startsWith("source_url")
        ? msg.replace(/^source_url/, "record_source_url")
        : `record_source_url: ${msg}`,
    ];
  }
  let live: OnvifAddress | null = null;
  try {
    live = sourceUrl ? parseOnvifUrl(sourceUrl) : null;
  } catch {
    // source_url's own check reports it
  }
  // Main and sub of one camera. Another device is a mistake, and a `***` in
  // the URL would hand it this camera's stored password.
  if (
    !live || live.host.toLowerCase() !== rec.host.toLowerCase() ||
    live.port !== rec.port
  ) {
    return [
      "record_source_url",
      "record_source_url must be a profile of the same ONVIF camera (host and port) as source_url",
    ];
  }
  const n = normaliseUrl(url);
  if ("problem" in n) {
    return ["record_source_url", `record_source_url ${n.problem}`];
  }
  return { url: n.url };
}
