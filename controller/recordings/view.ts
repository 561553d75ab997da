/** Recordings as the API answers them: rows → lib/api/recordings.ts shapes. */
import type { Recording, Segment, Session } from "../../lib/api/recordings.ts";
import type {
  SegmentRow,
  SessionRow,
  SessionStatsRow,
} from "../db/recordings.ts";

/** The API's shapes of a recording (lib/api/recordings.ts). */
export type SessionJson = Session;
export type RecordingJson = Recording;
export type SegmentJson = Segment;

const iso = (d: Date | string | null) =>
  d === null ? null : new Date(d).toISOString();

export function sessionJson(r: SessionRow): SessionJson {
  return {
    id: r.id,
    camera_id: r.camera_id,
    camera_name: r.camera_name,
    camera_deleted: r.camera_id === null,
    node_name: r.node_name,
    kind: r.kind,
    status: r.status,
    started_at: iso(r.started_at)!,
    ended_at: iso(r.ended_at),
    keep: r.keep,
    error_message: r.error_message,
    download_url: `/api/recordings/${r.id}/download`,
    created_at: iso(r.created_at)!,
    updated_at: iso(r.updated_at)!,
  };
}

export function recordingJson(r: SessionStatsRow): RecordingJson {
  return {
    ...sessionJson(r),
    segment_count: r.segment_count,
    duration_ms: r.duration_ms,
    size_bytes: r.size_bytes,
  };
}

export function segmentJson(s: SegmentRow): SegmentJson {
  return {
    id: s.id,
    node_name: s.node_name,
    path: s.path,
    start_at: iso(s.start_at)!,
    end_at: iso(s.end_at)!,
    duration_ms: s.duration_ms,
    size_bytes: s.size_bytes,
    video_codec: s.video_codec,
    audio_codec: s.audio_codec,
    recovered: s.recovered,
  };
}

/**
 * A file name safe in a Content-Disposition header and on every file system:
 * ASCII letters, digits, dot, dash and underscore; the rest becomes `_`.
 */
export function safeFileName(
  cameraName: string,
  start: Date,
  ext = "mp4",
): string {
  const name = cameraName.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+|[._]+$/g, "")
    .slice(0, 80) || "recording";
  const when = start.toISOString().replace(/\.\d{3}Z$/, "Z").replaceAll(
    ":",
    "-",
  );
  return `${name}_${when}.${ext}`;
}
