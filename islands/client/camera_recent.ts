/**
 * The camera page's "Recent recordings", pure: the `GET /api/recordings`
 * query of one camera's newest sessions, the list after one SSE `recording`
 * event, and the text of each cell. The route uses the query on the server,
 * `islands/RecentRecordings.tsx` the rest in the browser; tested in
 * `camera_recent_test.ts`.
 */
import type {
  RecordingEvent,
  RecordingsPageView,
  RecordingView,
} from "../../controller/web/types.ts";
import { formatBytes, formatDuration, formatUtc } from "./format.ts";

/** Sessions the camera page lists. */
export const RECENT_LIMIT = 8;

/** `GET /api/recordings`'s query for a camera's newest `limit` sessions. */
export function recentQuery(
  cameraId: string,
  limit = RECENT_LIMIT,
): Record<string, string> {
  return { camera_id: cameraId, limit: String(limit), offset: "0" };
}

export function recentPath(cameraId: string, limit = RECENT_LIMIT): string {
  return `/api/recordings?${new URLSearchParams(recentQuery(cameraId, limit))}`;
}

/** Newest first, as the API lists them. */
function newestFirst(rows: RecordingView[]): RecordingView[] {
  return rows.slice().sort((a, b) =>
    Date.parse(b.started_at) - Date.parse(a.started_at)
  );
}

/**
 * The list after one `recording` event of any camera (others are ignored).
 * A new session goes on top (the oldest shown drops off); a change replaces
 * its row, keeping the totals it had unless the event carries them (events
 * sent when a segment closes do); a deleted one leaves. Applying the same
 * event twice gives the same list, so events seen during a reload can be
 * applied again to its answer.
 */
export function applyRecentEvent(
  page: RecordingsPageView,
  ev: RecordingEvent,
  cameraId: string,
): RecordingsPageView {
  const rows = page.recordings;
  if (ev.type === "deleted" || ev.type === "failed") {
    const i = rows.findIndex((r) => r.id === ev.id);
    if (i < 0) return page;
    if (ev.type === "deleted") {
      return {
        ...page,
        recordings: rows.filter((r) => r.id !== ev.id),
        total: Math.max(0, page.total - 1),
      };
    }
    const next = rows.slice();
    next[i] = { ...rows[i], error_message: ev.error };
    return { ...page, recordings: next };
  }
  const s = ev.recording;
  if (s.camera_id !== cameraId) return page;
  const i = rows.findIndex((r) => r.id === s.id);
  if (i >= 0) {
    const old = rows[i];
    const next = rows.slice();
    next[i] = {
      ...s,
      segment_count: s.segment_count ?? old.segment_count,
      duration_ms: s.duration_ms ?? old.duration_ms,
      size_bytes: s.size_bytes ?? old.size_bytes,
    };
    return { ...page, recordings: next };
  }
  // A session not shown: new (started), or one an event names before the
  // list had it. Older than every row of a full list: not among the newest.
  const full = rows.length >= page.limit;
  const oldest = rows.at(-1);
  if (
    full && oldest && Date.parse(s.started_at) < Date.parse(oldest.started_at)
  ) {
    return page;
  }
  const added = newestFirst([{
    ...s,
    segment_count: s.segment_count ?? 0,
    duration_ms: s.duration_ms ?? 0,
    size_bytes: s.size_bytes ?? 0,
  }, ...rows]).slice(0, page.limit);
  return { ...page, recordings: added, total: page.total + 1 };
}

/** Whether the session has footage on a node (a closed segment). */
export function hasFootage(r: RecordingView): boolean {
  return (r.segment_count ?? 0) > 0;
}

/** `4 min`, `4 min so far`, or `—` while no segment has closed. */
export function durationText(r: RecordingView): string {
  if (!hasFootage(r)) return "—";
  const d = formatDuration(r.duration_ms ?? 0);
  return r.status === "recording" ? `${d} so far` : d;
}

/** `1.2 MiB`, or `—` while no segment has closed. */
export function sizeText(r: RecordingView): string {
  return hasFootage(r) ? formatBytes(r.size_bytes ?? 0) : "—";
}

export function modeText(r: RecordingView): string {
  return r.kind === "continuous" ? "Continuous" : "Manual";
}

const STATUS_TEXT: Record<string, string> = {
  recording: "Recording",
  completed: "Completed",
  interrupted: "Interrupted",
  expired: "Expired",
  failed: "Failed",
};

export function statusText(r: RecordingView): string {
  return STATUS_TEXT[r.status] ?? r.status;
}

/** What each row's buttons name: `recording from 2026-02-26 10:02:05 UTC`. */
export function rowName(r: RecordingView): string {
  return `recording from ${formatUtc(r.started_at)} UTC`;
}

/** The link under the list: every recording of the camera, with how many. */
export function allLabel(total: number): string {
  return total > 1
    ? `All ${total} recordings of this camera`
    : "All recordings of this camera";
}
