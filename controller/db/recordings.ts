/**
 * Queries on `recording_sessions`, `recording_segments` and
 * `node_events_applied` (migration 0003). Callers decide what leaves.
 */
import {
  RECORDING_STATUSES,
  type RecordingStatus,
  type Session,
} from "../../lib/api/recordings.ts";
import type { Sql, TxSql } from "./client.ts";

type Q = Sql | TxSql;

// The values are the API's (lib/api/recordings.ts); the rows hold the same.
export type SessionKind = Session["kind"];
export type SessionStatus = RecordingStatus;
export const SESSION_STATUSES: readonly SessionStatus[] = RECORDING_STATUSES;

export interface SessionRow {
  id: string;
  camera_id: string | null;
  camera_name: string;
  node_name: string | null;
  kind: SessionKind;
  status: SessionStatus;
  started_at: Date;
  ended_at: Date | null;
  keep: boolean;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A session with the totals of its segments. */
export interface SessionStatsRow extends SessionRow {
  segment_count: number;
  duration_ms: number;
  size_bytes: number;
}

export interface SegmentRow {
  id: number;
  session_id: string;
  camera_id: string | null;
  node_name: string;
  path: string;
  start_at: Date;
  end_at: Date;
  duration_ms: number;
  size_bytes: number;
  video_codec: string;
  audio_codec: string | null;
  recovered: boolean;
  created_at: Date;
}

// bigint columns come back as strings from postgres.js; cast what leaves SQL to float8.
const SEGMENT_COLUMNS = (sql: Q) =>
  sql`id::float8 as id, session_id, camera_id, node_name, path, start_at, end_at,
      duration_ms::float8 as duration_ms, size_bytes::float8 as size_bytes,
      video_codec, audio_codec, recovered, created_at`;

const STATS = (sql: Q) =>
  sql`coalesce(st.n, 0)::int as segment_count,
      coalesce(st.dur, 0)::float8 as duration_ms,
      coalesce(st.bytes, 0)::float8 as size_bytes`;

const STATS_JOIN = (sql: Q) =>
  sql`left join lateral (
        select count(*) as n, sum(g.duration_ms) as dur, sum(g.size_bytes) as bytes
        from recording_segments g where g.session_id = s.id
      ) st on true`;

export async function getSession(
  sql: Q,
  id: string,
): Promise<SessionRow | null> {
  const [row] = await sql<
    SessionRow[]
  >`select * from recording_sessions where id = ${id}`;
  return row ?? null;
}

export async function getSessionWithStats(
  sql: Q,
  id: string,
): Promise<SessionStatsRow | null> {
  const [row] = await sql<SessionStatsRow[]>`
    select s.*, ${STATS(sql)} from recording_sessions s ${STATS_JOIN(sql)}
    where s.id = ${id}`;
  return row ?? null;
}

/** The open (`recording`) session of a camera, if any. */
export async function openSessionOf(
  sql: Q,
  cameraId: string,
): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`
    select * from recording_sessions where camera_id = ${cameraId} and status = 'recording'`;
  return row ?? null;
}

/** Open sessions of these cameras, by camera id. */
export async function openSessionsOf(
  sql: Q,
  cameraIds: string[],
): Promise<Map<string, SessionRow>> {
  if (cameraIds.length === 0) return new Map();
  const rows = await sql<SessionRow[]>`
    select * from recording_sessions
    where status = 'recording' and camera_id = any(${
    sql.array(cameraIds)
  }::uuid[])`;
  return new Map(rows.map((r) => [r.camera_id!, r]));
}

export interface NewSession {
  id?: string;
  camera_id: string | null;
  camera_name: string;
  node_name: string | null;
  kind: SessionKind;
  status?: SessionStatus;
  started_at?: Date;
  ended_at?: Date | null;
  error_message?: string | null;
}

/**
 * Inserts a session. An open session conflicting with the camera's existing
 * open one is not inserted: the answer is then null.
 */
export async function insertSession(
  sql: Q,
  s: NewSession,
): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`
    insert into recording_sessions
      (id, camera_id, camera_name, node_name, kind, status, started_at, ended_at, error_message)
    values (${
    s.id ?? crypto.randomUUID()
  }, ${s.camera_id}, ${s.camera_name}, ${s.node_name},
            ${s.kind}, ${s.status ?? "recording"}, ${
    s.started_at ?? new Date()
  },
            ${s.ended_at ?? null}, ${s.error_message ?? null})
    on conflict (camera_id) where status = 'recording' do nothing
    returning *`;
  return row ?? null;
}

/** Ends an open session; null when it was not open. */
export async function endSession(
  sql: Q,
  id: string,
  status: Exclude<SessionStatus, "recording">,
  errorMessage?: string,
): Promise<SessionRow | null> {
  const [row] = await sql<SessionRow[]>`
    update recording_sessions set status = ${status},
      ended_at = greatest(started_at, now()),
      error_message = coalesce(${errorMessage ?? null}, error_message),
      updated_at = now()
    where id = ${id} and status = 'recording'
    returning *`;
  return row ?? null;
}

/** Sets plain columns of a session (node, keep flag, last error). */
export async function updateSession(
  sql: Q,
  id: string,
  fields: Partial<Pick<SessionRow, "node_name" | "keep" | "error_message">>,
): Promise<SessionRow | null> {
  const cols = Object.keys(fields) as (keyof typeof fields)[];
  if (cols.length === 0) return null;
  const [row] = await sql<SessionRow[]>`
    update recording_sessions set ${sql(fields, cols)}, updated_at = now()
    where id = ${id} returning *`;
  return row ?? null;
}

export async function deleteSession(sql: Q, id: string): Promise<boolean> {
  const rows =
    await sql`delete from recording_sessions where id = ${id} returning id`;
  return rows.length > 0;
}

export interface SessionFilter {
  cameraId?: string;
  status?: SessionStatus;
  /** Sessions that overlap [start, end). */
  start?: Date;
  end?: Date;
  /** Only sessions of these cameras (a viewer's grants); null = all. */
  visible?: string[] | null;
  limit: number;
  offset: number;
}

/** A page of sessions, newest first, with the real number of matches. */
export async function listSessions(
  sql: Sql,
  f: SessionFilter,
): Promise<{ rows: SessionStatsRow[]; total: number }> {
  if (f.visible && f.visible.length === 0) return { rows: [], total: 0 };
  const where = sql`where true
    ${f.cameraId ? sql`and s.camera_id = ${f.cameraId}` : sql``}
    ${f.status ? sql`and s.status = ${f.status}` : sql``}
    ${f.end ? sql`and s.started_at < ${f.end}` : sql``}
    ${f.start ? sql`and coalesce(s.ended_at, now()) >= ${f.start}` : sql``}
    ${
    f.visible
      ? sql`and s.camera_id = any(${sql.array(f.visible)}::uuid[])`
      : sql``
  }`;
  const [{ total }] = await sql<{ total: number }[]>`
    select count(*)::int as total from recording_sessions s ${where}`;
  const rows = await sql<SessionStatsRow[]>`
    select s.*, ${STATS(sql)} from recording_sessions s ${STATS_JOIN(sql)}
    ${where}
    order by s.started_at desc, s.id
    limit ${f.limit} offset ${f.offset}`;
  return { rows, total };
}

export async function segmentsOf(
  sql: Q,
  sessionId: string,
): Promise<SegmentRow[]> {
  return await sql<SegmentRow[]>`
    select ${SEGMENT_COLUMNS(sql)} from recording_segments
    where session_id = ${sessionId} order by start_at, id`;
}

/** Segments of a camera that overlap [start, end), oldest first. */
export async function segmentsInRange(
  sql: Q,
  cameraId: string,
  start: Date,
  end: Date,
): Promise<SegmentRow[]> {
  return await sql<SegmentRow[]>`
    select ${SEGMENT_COLUMNS(sql)} from recording_segments
    where camera_id = ${cameraId} and start_at < ${end} and end_at > ${start}
    order by start_at, id`;
}

export interface NewSegment {
  session_id: string;
  camera_id: string | null;
  node_name: string;
  path: string;
  start_at: Date;
  end_at: Date;
  duration_ms: number;
  size_bytes: number;
  video_codec: string;
  audio_codec: string | null;
  recovered: boolean;
}

/** Inserts a segment; the same file reported again updates its row. */
export async function upsertSegment(sql: Q, s: NewSegment): Promise<void> {
  await sql`
    insert into recording_segments (session_id, camera_id, node_name, path, start_at, end_at,
                                    duration_ms, size_bytes, video_codec, audio_codec, recovered)
    values (${s.session_id}, ${s.camera_id}, ${s.node_name}, ${s.path}, ${s.start_at}, ${s.end_at},
            ${Math.round(s.duration_ms)}, ${
    Math.round(s.size_bytes)
  }, ${s.video_codec},
            ${s.audio_codec}, ${s.recovered})
    on conflict (node_name, path) do update set
      session_id = excluded.session_id, camera_id = excluded.camera_id,
      start_at = excluded.start_at, end_at = excluded.end_at,
      duration_ms = excluded.duration_ms, size_bytes = excluded.size_bytes,
      video_codec = excluded.video_codec, audio_codec = excluded.audio_codec,
      recovered = excluded.recovered`;
}

/** Deletes the row of a file on a node; returns its session id, or null if unknown. */
export async function deleteSegmentByPath(
  sql: Q,
  node: string,
  path: string,
): Promise<string | null> {
  const [row] = await sql<{ session_id: string }[]>`
    delete from recording_segments where node_name = ${node} and path = ${path}
    returning session_id`;
  return row?.session_id ?? null;
}

export async function countSegments(
  sql: Q,
  sessionId: string,
): Promise<number> {
  const [{ n }] = await sql<{ n: number }[]>`
    select count(*)::int as n from recording_segments where session_id = ${sessionId}`;
  return n;
}

/**
 * A session that lost its last segment on the node is `expired` (unless it is
 * still recording): its row stays as history.
 */
export async function expireIfEmpty(
  sql: Q,
  sessionId: string,
): Promise<boolean> {
  const rows = await sql`
    update recording_sessions set status = 'expired', ended_at = coalesce(ended_at, greatest(started_at, now())),
      updated_at = now()
    where id = ${sessionId} and status <> 'recording' and status <> 'expired'
      and not exists (select 1 from recording_segments where session_id = ${sessionId})
    returning id`;
  return rows.length > 0;
}

/**
 * A segment arrived for a session that is no longer open: an `interrupted`
 * session grows to cover it, an `expired` one has footage again.
 */
export async function coverSegment(
  sql: Q,
  sessionId: string,
  start: Date,
  end: Date,
): Promise<void> {
  await sql`
    update recording_sessions set
      started_at = case when status = 'interrupted' then least(started_at, ${start}) else started_at end,
      ended_at = case when status = 'interrupted' then greatest(ended_at, ${end}) else ended_at end,
      status = case when status = 'expired' then 'completed' else status end,
      updated_at = now()
    where id = ${sessionId}`;
}

/** Ids of kept sessions whose segments lie on a node. */
export async function keptSessionIds(sql: Q, node: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from recording_sessions where keep and node_name = ${node}
    union
    select distinct s.id from recording_sessions s
      join recording_segments g on g.session_id = s.id
      where s.keep and g.node_name = ${node}
    order by id`;
  return rows.map((r) => r.id);
}

/**
 * Records an event id as applied; false when it already was (the caller then
 * skips the effect). Call inside the transaction that applies the effect.
 */
export async function markApplied(
  sql: Q,
  eventId: string,
  node: string,
): Promise<boolean> {
  const rows = await sql`
    insert into node_events_applied (event_id, node_name) values (${eventId}, ${node})
    on conflict (event_id) do nothing returning event_id`;
  return rows.length > 0;
}

export async function pruneAppliedEvents(
  sql: Q,
  olderThanDays: number,
): Promise<number> {
  const rows = await sql`
    delete from node_events_applied
    where applied_at < now() - make_interval(days => ${olderThanDays}) returning event_id`;
  return rows.length;
}

/** Sessions still `recording` whose camera was deleted. */
export async function orphanedOpenSessions(sql: Q): Promise<SessionRow[]> {
  return await sql<SessionRow[]>`
    select * from recording_sessions where status = 'recording' and camera_id is null`;
}

/** Sessions still `recording` on a node that has been offline (or unknown) for longer than `ms`. */
export async function openSessionsOnLostNodes(
  sql: Q,
  ms: number,
): Promise<SessionRow[]> {
  return await sql<SessionRow[]>`
    select s.* from recording_sessions s
    left join nodes n on n.name = s.node_name
    where s.status = 'recording' and s.node_name is not null
      and (
        (n.name is null and s.updated_at < now() - make_interval(secs => ${
    ms / 1000
  }))
        or (n.status = 'offline'
            and coalesce(n.last_heartbeat_at, n.updated_at) < now() - make_interval(secs => ${
    ms / 1000
  }))
      )`;
}

/** Open continuous sessions that began before the start of the current UTC day. */
export async function continuousSessionsToRotate(
  sql: Q,
): Promise<SessionRow[]> {
  return await sql<SessionRow[]>`
    select * from recording_sessions
    where status = 'recording' and kind = 'continuous'
      and started_at < date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'`;
}

/** Segment count and bytes per camera on one node, as the controller knows them. */
export async function usageOnNode(
  sql: Q,
  node: string,
): Promise<Map<string, { segments: number; bytes: number }>> {
  const rows = await sql<
    { camera_id: string | null; segments: number; bytes: number }[]
  >`
    select camera_id, count(*)::int as segments, coalesce(sum(size_bytes), 0)::float8 as bytes
    from recording_segments where node_name = ${node} group by camera_id`;
  return new Map(
    rows.filter((r) => r.camera_id).map((
      r,
    ) => [r.camera_id!, { segments: r.segments, bytes: r.bytes }]),
  );
}

export async function deleteSegmentById(sql: Q, id: number): Promise<void> {
  await sql`delete from recording_segments where id = ${id}`;
}
