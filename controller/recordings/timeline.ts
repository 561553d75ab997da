/**
 * A camera's recorded time on one UTC day, for the dashboard's timeline:
 * the segments of that day merged into spans in SQL (gaps-and-islands), so
 * a day of 1,440 one-minute segments leaves the database as a few rows.
 *
 *   GET /api/cameras/{id}/timeline?day=YYYY-MM-DD   (controller/http/api/recordings.ts)
 */
import type { Timeline } from "../../lib/api/recordings.ts";
import { AppError } from "../../lib/errors.ts";
import type { Sql } from "../db/client.ts";

/** Segments closer than this are one span (cuts between segments are a few ms apart). */
export const TIMELINE_JOIN_MS = 1000;

/** The answer of `GET /api/cameras/{id}/timeline` (lib/api/recordings.ts). */
export type { Timeline };
export type TimelineSpan = Timeline["spans"][number];

/** Today's UTC date as `YYYY-MM-DD`. */
export function utcToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` → the UTC day [start, end); 400 naming `day` otherwise. Empty = today. */
export function parseDay(
  raw: string | undefined,
  now = new Date(),
): { day: string; start: Date; end: Date } {
  const day = raw === undefined || raw === "" ? utcToday(now) : raw;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const start = m
    ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    : null;
  if (!start || start.toISOString().slice(0, 10) !== day) {
    throw new AppError(
      "invalid_input",
      "day must be a date like 2026-02-26 (a UTC day)",
      { field: "day" },
    );
  }
  return { day, start, end: new Date(start.getTime() + 86_400_000) };
}

/** The merged recorded spans of a camera on one UTC day. */
export async function cameraTimeline(
  sql: Sql,
  cameraId: string,
  dayRaw: string | undefined,
  now = new Date(),
): Promise<Timeline> {
  const { day, start, end } = parseDay(dayRaw, now);
  const rows = await sql<{ s: Date; e: Date }[]>`
    with seg as (
      select greatest(start_at, ${start}::timestamptz) as s,
             least(end_at, ${end}::timestamptz) as e
      from recording_segments
      where camera_id = ${cameraId} and start_at < ${end} and end_at > ${start}
    ), marked as (
      select s, e,
        case when s <= max(e) over (order by s, e rows between unbounded preceding and 1 preceding)
                        + make_interval(secs => ${TIMELINE_JOIN_MS / 1000})
             then 0 else 1 end as first
      from seg
    ), grouped as (
      select s, e, sum(first) over (order by s, e rows unbounded preceding) as grp from marked
    )
    select min(s) as s, max(e) as e from grouped group by grp order by 1`;
  const [open] = await sql<{ started_at: Date }[]>`
    select started_at from recording_sessions
    where camera_id = ${cameraId} and status = 'recording' and started_at < ${end}`;
  return {
    camera_id: cameraId,
    day,
    start: start.toISOString(),
    end: end.toISOString(),
    spans: rows.map((r) => ({
      start: new Date(r.s).toISOString(),
      end: new Date(r.e).toISOString(),
    })),
    recording_since: open ? new Date(open.started_at).toISOString() : null,
  };
}
