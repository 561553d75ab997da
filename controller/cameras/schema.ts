/**
 * Validation of camera input. Each rule names its field, so an API error can
 * point the form at the input to fix.
 */
import { CAMERA_PROTOCOLS } from "../../lib/protocol/mod.ts";
import { type OnvifAddress, parseOnvifUrl } from "../../lib/onvif_url.ts";
import { normaliseUrl } from "../../lib/source_url.ts";

// The contract (bodies, answers) lives in lib/api/cameras.ts; the node name rule in lib/protocol.
export {
  type CreateCameraInput,
  createCameraSchema,
  RECORDING_MODES,
  type UpdateCameraInput,
  updateCameraSchema,
} from "../../lib/api/cameras.ts";
export { NODE_NAME } from "../../lib/protocol/mod.ts";

export interface SourceFields {
  protocol: string;
  source_url: string | null;
  device_path: string | null;
  node_name: string | null;
}

/** A field-level complaint: [field, message]. */
export type { FieldProblem } from "../../lib/validation.ts";
import type { FieldProblem } from "../../lib/validation.ts";

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
