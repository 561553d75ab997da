/** The camera as the API answers it: never the sealed source, always redacted. */
import type { CameraRow } from "../db/cameras.ts";
import type { Camera } from "../../lib/api/cameras.ts";
import type { CameraProtocol } from "../../lib/protocol/mod.ts";

export type CameraJson = Camera;

export function cameraJson(row: CameraRow): CameraJson {
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol as CameraProtocol,
    location: row.location,
    source_url: row.source_url_redacted,
    device_path: row.device_path,
    node_name: row.node_name,
    assigned_node: row.assigned_node,
    resolution: row.resolution,
    framerate: row.framerate,
    status: row.status,
    error_message: row.error_message,
    metadata: row.metadata ?? {},
    recording_mode: row.recording_mode ?? "off",
    retention_days: row.retention_days ?? null,
    rtsp_transport: row.rtsp_transport ?? "tcp",
    record_source_url: row.record_source_url_redacted ?? null,
    stream_url: `/api/cameras/${row.id}/stream`,
    snapshot_url: `/api/cameras/${row.id}/snapshot`,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
