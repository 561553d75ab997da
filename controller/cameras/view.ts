/**
 * The camera as the API answers it: never the sealed source, always
 * redacted; source URLs for admins only (`maySeeSources`).
 */
import type { CameraRow } from "../db/cameras.ts";
import type { Camera } from "../../lib/api/cameras.ts";
import type { CameraProtocol } from "../../lib/protocol/mod.ts";
import { redactText, redactUrl, stripUrls } from "../../lib/redact.ts";

export type CameraJson = Camera;

/** A camera without its source fields: what a viewer receives. */
export type ViewerCameraJson = Omit<
  CameraJson,
  "source_url" | "record_source_url"
>;

/**
 * Who may read a camera's source URLs (redacted: host, path, user name) —
 * admins only. The one place this is decided (issue 11 #1), so it can move
 * into the access policy as is.
 */
export function maySeeSources(
  who: { role: string } | null | undefined,
): boolean {
  return who?.role === "admin";
}

/**
 * The camera as `who` may see it. Anyone but an admin gets no
 * `source_url` / `record_source_url` field, and the URLs in `error_message`
 * (ffmpeg's words, already redacted) cut to their scheme, so no camera
 * address reaches a viewer either.
 */
export function cameraFor(
  who: { role: string } | null | undefined,
  cam: CameraJson,
): CameraJson | ViewerCameraJson {
  if (maySeeSources(who)) return cam;
  const { source_url: _s, record_source_url: _r, ...rest } = cam;
  return {
    ...rest,
    error_message: rest.error_message && stripUrls(rest.error_message),
  };
}

export function cameraJson(row: CameraRow): CameraJson {
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol as CameraProtocol,
    location: row.location,
    // Redacted again on the way out: rows written before structural
    // redaction (issue 11 #1) may hold a password the old pattern missed.
    source_url: row.source_url_redacted && redactUrl(row.source_url_redacted),
    device_path: row.device_path,
    node_name: row.node_name,
    assigned_node: row.assigned_node,
    resolution: row.resolution,
    framerate: row.framerate,
    status: row.status,
    error_message: row.error_message && redactText(row.error_message),
    metadata: row.metadata ?? {},
    recording_mode: row.recording_mode ?? "off",
    retention_days: row.retention_days ?? null,
    rtsp_transport: row.rtsp_transport ?? "tcp",
    record_source_url: row.record_source_url_redacted
      ? redactUrl(row.record_source_url_redacted)
      : null,
    stream_url: `/api/cameras/${row.id}/stream`,
    snapshot_url: `/api/cameras/${row.id}/snapshot`,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
