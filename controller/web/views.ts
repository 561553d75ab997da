/**
 * Projections to the dashboard's view types. Routes pass island props through
 * these, so an island receives exactly the documented fields and never extra
 * ones (metadata, internal state) that happen to ride on the domain objects.
 */
import type {
  CameraRuntimeView,
  CameraView,
  NodeChoice,
  NodeDetailView,
  NodeLoad,
  NodeView,
  RecordingView,
} from "./types.ts";
import { reportedUsb } from "../nodes/usb_devices.ts";

export function toCameraView(c: CameraView): CameraView {
  const view: CameraView = {
    id: c.id,
    name: c.name,
    protocol: c.protocol,
    location: c.location,
    device_path: c.device_path,
    node_name: c.node_name,
    assigned_node: c.assigned_node,
    resolution: c.resolution,
    framerate: c.framerate,
    status: c.status,
    error_message: c.error_message,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
  // Sources only for those the view was made for (admins): never an empty key.
  if (c.source_url !== undefined) view.source_url = c.source_url;
  // Recording facts only when known, so a view without them stays without them.
  if (c.recording_mode !== undefined) view.recording_mode = c.recording_mode;
  if (c.retention_days !== undefined) view.retention_days = c.retention_days;
  if (c.rtsp_transport !== undefined) view.rtsp_transport = c.rtsp_transport;
  if (c.record_source_url !== undefined) {
    view.record_source_url = c.record_source_url;
  }
  if (c.recording !== undefined) {
    view.recording = c.recording && {
      id: c.recording.id,
      started_at: c.recording.started_at,
      error_message: c.recording.error_message,
    };
  }
  return view;
}

/** A recording as the recordings page shows it (list entries keep their totals). */
export function toRecordingView(r: RecordingView): RecordingView {
  const view: RecordingView = {
    id: r.id,
    camera_id: r.camera_id,
    camera_name: r.camera_name,
    camera_deleted: r.camera_deleted,
    node_name: r.node_name,
    kind: r.kind,
    status: r.status,
    started_at: r.started_at,
    ended_at: r.ended_at,
    keep: r.keep,
    error_message: r.error_message,
    download_url: r.download_url,
  };
  if (r.segment_count !== undefined) view.segment_count = r.segment_count;
  if (r.duration_ms !== undefined) view.duration_ms = r.duration_ms;
  if (r.size_bytes !== undefined) view.size_bytes = r.size_bytes;
  return view;
}

export function toNodeView(n: NodeView): NodeView {
  return {
    name: n.name,
    status: n.status,
    address: n.address,
    last_heartbeat_at: n.last_heartbeat_at,
  };
}

/**
 * The nodes page's view of a node: its last heartbeat's facts, each checked
 * (the stored `info` is whatever the node agent sent). `cameraNames` names the
 * cameras of `camera_runtime` the user may see.
 */
export function toNodeDetail(
  n: NodeView,
  cameraNames: ReadonlyMap<string, string> = new Map(),
): NodeDetailView {
  const info = record(n.info) ?? {};
  const ffmpeg = record(info.ffmpeg);
  const disk = record(info.disk);
  return {
    name: n.name,
    status: n.status,
    address: n.address,
    version: str(n.version) ?? str(info.version),
    last_heartbeat_at: n.last_heartbeat_at,
    started_at: str(info.started_at),
    cameras: num(n.cameras) ?? 0,
    ...(n.enrolled_at !== undefined ? { enrolled_at: str(n.enrolled_at) } : {}),
    ffmpeg: ffmpeg
      ? { available: ffmpeg.available === true, version: str(ffmpeg.version) }
      : null,
    usb_devices: usbDevices(info),
    ...optionalUsb(info),
    disk: disk && str(disk.path) !== null && num(disk.total_bytes) !== null &&
        num(disk.free_bytes) !== null
      ? {
        path: str(disk.path)!,
        total_bytes: num(disk.total_bytes)!,
        free_bytes: num(disk.free_bytes)!,
      }
      : null,
    load: toLoad(info.load),
    camera_runtime:
      (Array.isArray(info.camera_runtime) ? info.camera_runtime : [])
        .map(record).filter((r): r is Record<string, unknown> =>
          r !== null && typeof r.id === "string"
        )
        .map((r): CameraRuntimeView => ({
          id: r.id as string,
          name: cameraNames.get(r.id as string) ?? null,
          state: str(r.state) ?? "unknown",
          viewers: num(r.viewers) ?? 0,
          fps: num(r.fps) ?? 0,
          error: str(r.error),
          restarts: num(r.restarts) ?? 0,
          last_frame_at: str(r.last_frame_at),
        })),
  };
}

/** A node as the camera forms offer it. */
export function toNodeChoice(n: NodeView): NodeChoice {
  return {
    name: n.name,
    status: n.status,
    usb_devices: usbDevices(record(n.info) ?? {}),
    ...optionalUsb(record(n.info) ?? {}),
  };
}

/** `{ usb }` when the node reported device details (newer node agents), else `{}`. */
function optionalUsb(info: Record<string, unknown>) {
  const usb = reportedUsb(info);
  return usb ? { usb } : {};
}

/** A heartbeat's `load`, or null when it is missing or malformed. */
export function toLoad(v: unknown): NodeLoad | null {
  const load = record(v);
  const cpu = num(load?.cpu_percent);
  const mem = num(load?.memory_bytes);
  return cpu === null || mem === null
    ? null
    : { cpu_percent: cpu, memory_bytes: mem };
}

function usbDevices(info: Record<string, unknown>): string[] {
  return Array.isArray(info.usb_devices)
    ? info.usb_devices.filter((d): d is string => typeof d === "string")
    : [];
}

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? v as Record<string, unknown>
    : null;
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
