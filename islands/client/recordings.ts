/**
 * The recordings page, pure: its filters as the page URL carries them
 * (`/recordings?camera&status&from&to&offset`), the matching
 * `GET /api/recordings` query, and a page after one SSE `recording` event.
 * The route uses these on the server, `RecordingsView` in the browser.
 */
import type {
  RecordingEvent,
  RecordingFilters,
  RecordingsPageView,
  RecordingStatus,
  RecordingView,
} from "../../controller/web/types.ts";

/** Rows per page. */
export const PAGE_SIZE = 25;

export const STATUS_CHOICES: { value: "" | RecordingStatus; label: string }[] =
  [
    { value: "", label: "Any status" },
    { value: "recording", label: "Recording" },
    { value: "completed", label: "Completed" },
    { value: "interrupted", label: "Interrupted" },
    { value: "expired", label: "Expired" },
    { value: "failed", label: "Failed" },
  ];

export const NO_FILTERS: RecordingFilters = {
  camera: "",
  status: "",
  from: "",
  to: "",
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const STATUSES = new Set(STATUS_CHOICES.map((s) => s.value));

/** The filters and offset of a page URL; unknown values are dropped, not trusted. */
export function filtersFrom(
  q: URLSearchParams,
): { filters: RecordingFilters; offset: number } {
  const status = q.get("status") ?? "";
  const day = (k: string) => {
    const v = q.get(k) ?? "";
    return DAY.test(v) ? v : "";
  };
  const off = Number(q.get("offset") ?? "0");
  return {
    filters: {
      camera: (q.get("camera") ?? "").slice(0, 64),
      status:
        (STATUSES.has(status as RecordingStatus)
          ? status
          : "") as RecordingFilters["status"],
      from: day("from"),
      to: day("to"),
    },
    offset: Number.isInteger(off) && off > 0 ? Math.min(off, 1e9) : 0,
  };
}

/** The UTC day after `day`. */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString()
    .slice(0, 10);
}

/**
 * `GET /api/recordings`'s query for the filters: `from`/`to` are whole UTC
 * days, so `to` ends at the next midnight (recordings overlapping the range match).
 */
export function apiQuery(
  f: RecordingFilters,
  limit: number,
  offset: number,
): Record<string, string> {
  const q: Record<string, string> = {
    limit: String(limit),
    offset: String(offset),
  };
  if (f.camera) q.camera_id = f.camera;
  if (f.status) q.status = f.status;
  if (f.from) q.start = `${f.from}T00:00:00Z`;
  if (f.to) q.end = `${nextDay(f.to)}T00:00:00Z`;
  return q;
}

export function apiPath(
  f: RecordingFilters,
  limit: number,
  offset: number,
): string {
  return `/api/recordings?${new URLSearchParams(apiQuery(f, limit, offset))}`;
}

/** The page URL of the filters and offset (defaults left out). */
export function pagePath(f: RecordingFilters, offset = 0): string {
  const q = new URLSearchParams();
  if (f.camera) q.set("camera", f.camera);
  if (f.status) q.set("status", f.status);
  if (f.from) q.set("from", f.from);
  if (f.to) q.set("to", f.to);
  if (offset > 0) q.set("offset", String(offset));
  const s = q.toString();
  return s ? `/recordings?${s}` : "/recordings";
}

/** A problem with the filters the browser can tell before asking, else null. */
export function checkFilters(f: RecordingFilters): string | null {
  if (f.from && f.to && f.to < f.from) {
    return "“To” must not be before “From”.";
  }
  return null;
}

/** Whether a session matches the camera and status filters (dates are left to the server). */
function matches(r: RecordingView, f: RecordingFilters): boolean {
  return (!f.camera || r.camera_id === f.camera) &&
    (!f.status || r.status === f.status);
}

/**
 * The page after one `recording` event: a changed session updates its row
 * (its totals stay unless the event carries new ones), a deleted one
 * leaves, and a new one is added on top of the first page when it matches
 * the filters and no "to" day excludes it. `total` follows.
 */
export function applyRecordingEventToPage(
  page: RecordingsPageView,
  ev: RecordingEvent,
  f: RecordingFilters,
  today: string,
): RecordingsPageView {
  if (ev.type === "failed") {
    const i = page.recordings.findIndex((r) => r.id === ev.id);
    if (i < 0) return page;
    const rows = page.recordings.slice();
    rows[i] = { ...rows[i], error_message: ev.error };
    return { ...page, recordings: rows };
  }
  if (ev.type === "deleted") {
    if (!page.recordings.some((r) => r.id === ev.id)) return page;
    return {
      ...page,
      recordings: page.recordings.filter((r) => r.id !== ev.id),
      total: Math.max(0, page.total - 1),
    };
  }
  const s = ev.recording;
  const i = page.recordings.findIndex((r) => r.id === s.id);
  if (i >= 0) {
    const rows = page.recordings.slice();
    const old = rows[i];
    // Totals come only with `updated` after a segment closed; else they stay.
    rows[i] = {
      ...s,
      segment_count: s.segment_count ?? old.segment_count,
      duration_ms: s.duration_ms ?? old.duration_ms,
      size_bytes: s.size_bytes ?? old.size_bytes,
    };
    if (!matches(rows[i], f)) {
      rows.splice(i, 1);
      return { ...page, recordings: rows, total: Math.max(0, page.total - 1) };
    }
    return { ...page, recordings: rows };
  }
  if (
    ev.type === "started" && page.offset === 0 && matches(s, f) &&
    (!f.to || f.to >= today)
  ) {
    const rows = [
      { ...s, segment_count: 0, duration_ms: 0, size_bytes: 0 },
      ...page.recordings,
    ];
    if (rows.length > page.limit) rows.pop();
    return { ...page, recordings: rows, total: page.total + 1 };
  }
  return page;
}

/** "26–50 of 123", "No recordings". */
export function pageLabel(page: RecordingsPageView): string {
  const n = page.recordings.length;
  if (n === 0) {
    return page.total === 0
      ? "No recordings"
      : `None at ${page.offset + 1} of ${page.total}`;
  }
  return `${page.offset + 1}–${page.offset + n} of ${page.total}`;
}
