/**
 * The add and edit camera forms' logic: which fields a protocol shows, the
 * bodies sent to `POST /api/cameras`, `PATCH /api/cameras/{id}` and
 * `POST /api/cameras/probe`, and the "Test connection" result line. Pure, no
 * DOM: tested in `islands/islands_test.ts`.
 */
import type { CameraProbeResult } from "../../lib/api/cameras.ts";
import type { ProbeResult } from "../../lib/protocol/mod.ts";
import type { CameraView, NodeChoice } from "../../controller/web/types.ts";
import { formatSeconds } from "./format.ts";

export type Protocol = "rtsp" | "http" | "usb" | "demo" | "onvif";
export type SourceField =
  | "name"
  | "protocol"
  | "source_url"
  | "device_path"
  | "node_name"
  | "resolution"
  | "framerate"
  | "location";
/** Recording settings: on the edit form (all protocols), never in a create body. */
export type RecordingField = "recording_mode" | "retention_days";
/** RTSP options: shown (and sent) for rtsp and onvif cameras (an onvif one runs as RTSP). */
export type RtspField = "record_source_url" | "rtsp_transport";
export type Field = SourceField | RecordingField | RtspField;
/** The form's values; the recording settings and RTSP options only where the form shows them. */
export type Values =
  & Record<SourceField, string>
  & Partial<Record<RecordingField | RtspField, string>>;

export const RTSP_TRANSPORT_OPTIONS: { value: string; label: string }[] = [
  { value: "tcp", label: "TCP (default: works through NAT and Wi-Fi)" },
  { value: "udp", label: "UDP (for cameras whose TCP mode fails)" },
];

export const RECORDING_FIELDS: readonly RecordingField[] = [
  "recording_mode",
  "retention_days",
];

export const RECORDING_MODES: { value: string; label: string }[] = [
  { value: "off", label: "Off (record by hand)" },
  { value: "manual", label: "Manual (record by hand)" },
  { value: "continuous", label: "Continuous" },
];

export const PROTOCOLS: { value: Protocol; label: string }[] = [
  { value: "rtsp", label: "RTSP" },
  { value: "onvif", label: "ONVIF" },
  { value: "http", label: "HTTP (MJPEG / JPEG)" },
  { value: "usb", label: "USB device" },
  { value: "demo", label: "Demo test pattern" },
];

export const SOURCE_PLACEHOLDER: Record<Protocol, string> = {
  rtsp: "rtsp://user:pass@192.168.1.10:554/stream1",
  onvif: "onvif://user:pass@192.168.1.20:80?profile=… (or Find profiles)",
  http: "http://192.168.1.11/video.mjpg",
  usb: "",
  demo: "demo://",
};

export const DEFAULTS: Values = {
  name: "",
  protocol: "rtsp",
  source_url: "",
  device_path: "",
  node_name: "",
  resolution: "640x480",
  framerate: "15",
  location: "",
  recording_mode: "off",
  retention_days: "",
  record_source_url: "",
  rtsp_transport: "tcp",
};

/**
 * Which fields a protocol shows, in the order they are shown and sent. A USB
 * camera names its node (the device belongs to it); a network camera may pin
 * one or leave it to any node; a demo camera runs on any node.
 */
export function fieldsFor(protocol: Protocol): Field[] {
  switch (protocol) {
    case "usb":
      return [
        "name",
        "protocol",
        "node_name",
        "device_path",
        "location",
        "resolution",
        "framerate",
      ];
    case "rtsp":
      return [
        "name",
        "protocol",
        "source_url",
        "record_source_url",
        "rtsp_transport",
        "node_name",
        "location",
        "resolution",
        "framerate",
      ];
    case "onvif":
      // The recording URL is the recording profile's (Find profiles fills both in).
      return [
        "name",
        "protocol",
        "source_url",
        "record_source_url",
        "rtsp_transport",
        "node_name",
        "location",
        "resolution",
        "framerate",
      ];
    case "http":
      return [
        "name",
        "protocol",
        "source_url",
        "node_name",
        "location",
        "resolution",
        "framerate",
      ];
    default:
      return [
        "name",
        "protocol",
        "source_url",
        "location",
        "resolution",
        "framerate",
      ];
  }
}

/** The JSON body for `POST /api/cameras`: only the protocol's fields, empty optional ones left out. */
export function toBody(v: Values): Record<string, string | number> {
  const body: Record<string, string | number> = {};
  for (const f of fieldsFor(v.protocol as Protocol)) {
    const value = (v[f] ?? "").trim();
    if (f === "framerate") body[f] = Number(value);
    else if (value !== "" || f === "name") body[f] = value;
  }
  return body;
}

/** The form's values for an existing camera (its redacted source URL included). */
export function valuesOf(c: CameraView): Values {
  return {
    name: c.name,
    protocol: c.protocol,
    source_url: c.source_url ?? "",
    device_path: c.device_path ?? "",
    node_name: c.node_name ?? "",
    resolution: c.resolution,
    framerate: String(c.framerate),
    location: c.location ?? "",
    recording_mode: c.recording_mode ?? "off",
    retention_days: c.retention_days == null ? "" : String(c.retention_days),
    record_source_url: c.record_source_url ?? "",
    rtsp_transport: c.rtsp_transport ?? "tcp",
  };
}

/**
 * The body for `PATCH /api/cameras/{id}`: the protocol's fields and the
 * recording settings that differ from `before` (the protocol itself cannot change). An emptied location or
 * node is sent as null ("any node"). An untouched source URL is not sent, so
 * its stored password (shown as `***`) stays as it is.
 */
export function patchBody(
  before: Values,
  after: Values,
): Record<string, string | number | null> {
  const body: Record<string, string | number | null> = {};
  for (const f of fieldsFor(before.protocol as Protocol)) {
    if (f === "protocol") continue;
    const value = (after[f] ?? "").trim();
    if (value === (before[f] ?? "").trim()) continue;
    if (f === "framerate") body[f] = Number(value);
    else if (
      f === "location" || f === "node_name" || f === "device_path" ||
      f === "record_source_url"
    ) {
      body[f] = value === "" ? null : value;
    } else body[f] = value;
  }
  // Recording settings: an emptied retention is null ("until space runs low").
  for (const f of RECORDING_FIELDS) {
    const value = (after[f] ?? "").trim();
    if (value === (before[f] ?? "").trim()) continue;
    if (f === "retention_days") {
      body[f] = value === "" ? null : Number(value);
    } else body[f] = value;
  }
  return body;
}

/**
 * The body for `POST /api/cameras/probe` ("Test connection"): the live
 * source, and the recording URL when the form has one, read over the form's
 * RTSP transport where it has one.
 */
export function probeBody(
  v: Values,
  cameraId?: string,
): Record<string, string | null> {
  const shown = fieldsFor(v.protocol as Protocol);
  const opt = (f: Field) =>
    shown.includes(f) && (v[f] ?? "").trim() !== ""
      ? (v[f] ?? "").trim()
      : null;
  const body: Record<string, string | null> = {
    protocol: v.protocol,
    source_url: opt("source_url"),
    device_path: opt("device_path"),
    node_name: opt("node_name"),
  };
  const record = opt("record_source_url");
  if (record) body.record_source_url = record;
  const transport = opt("rtsp_transport");
  if (transport) body.rtsp_transport = transport;
  if (cameraId) body.camera_id = cameraId;
  return body;
}

/**
 * One line for a successful probe:
 * `h264 · 1920×1080 · 25 fps · audio pcm_mulaw (node n1, 0.8 s)`.
 */
export function describeProbe(r: ProbeResult): string {
  const parts: string[] = [];
  if (r.video) {
    parts.push(r.video.codec, `${r.video.width}×${r.video.height}`);
    if (r.video.fps !== null && Number.isFinite(r.video.fps)) {
      parts.push(`${Math.round(r.video.fps * 100) / 100} fps`);
    }
  } else parts.push("no video");
  parts.push(r.audio ? `audio ${r.audio.codec}` : "no audio");
  return `${parts.join(" · ")} (node ${r.node}, ${
    formatSeconds(r.elapsed_ms)
  })`;
}

/** One line for a failed probe: the node's reason, where and how long it took. */
export function describeProbeFailure(r: ProbeResult): string {
  return `${r.error ?? "The source did not answer"} (node ${r.node}, ${
    formatSeconds(r.elapsed_ms)
  })`;
}

/** One probed stream's result line (the recording URL's, beside the live one). */
export interface ProbeLine {
  ok: boolean;
  text: string;
}

/**
 * A probe answer as the form shows it: the live source's line (`kind`,
 * `text`) and, when the recording URL was tested too, its own line.
 */
export function probeOutcome(
  r: CameraProbeResult,
): { kind: "ok" | "failed"; text: string; record?: ProbeLine } {
  const line = (p: ProbeResult): ProbeLine =>
    p.ok
      ? { ok: true, text: describeProbe(p) }
      : { ok: false, text: describeProbeFailure(p) };
  const live = line(r);
  return {
    kind: live.ok ? "ok" : "failed",
    text: live.text,
    ...(r.record ? { record: line(r.record) } : {}),
  };
}

/** The nodes a form offers: the known ones, plus the camera's own when it is no longer known. */
export function nodeOptions(
  nodes: NodeChoice[],
  current: string,
): NodeChoice[] {
  if (!current || nodes.some((n) => n.name === current)) return nodes;
  return [...nodes, { name: current, status: "offline", usb_devices: [] }];
}
