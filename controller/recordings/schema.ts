/**
 * Validation for recordings: node events (lib/protocol.ts NodeEvent), list
 * queries, the keep flag and playback time ranges. Every rule names its field.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { SESSION_STATUSES, type SessionStatus } from "../db/recordings.ts";

export const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Largest batch a node may send at once. */
export const MAX_EVENTS = 500;
/** Longest playback range. */
export const MAX_PLAYBACK_MS = 24 * 3600_000;

/**
 * A path below the node's recordings root: `/`-separated names of letters,
 * digits, `.`, `_`, `-`; no empty, `.` or `..` segments, no leading `/`.
 */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 1024) return false;
  return p.split("/").every((seg) =>
    /^[A-Za-z0-9._-]{1,255}$/.test(seg) && seg !== "." && seg !== ".."
  );
}

const eventId = z.string().min(1).max(200);
const uuid = z.string().regex(UUID, "must be a UUID");
const isoTime = z.iso.datetime({ offset: true });
const path = z.string().refine(
  isSafeRelativePath,
  "must be a relative path of safe names (no .., no leading /)",
);

const segmentClosed = z.object({
  id: eventId,
  type: z.literal("segment.closed"),
  camera_id: uuid,
  session_id: uuid,
  path,
  start_at: isoTime,
  end_at: isoTime,
  duration_ms: z.number().min(0).max(7 * 24 * 3600_000),
  size_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  video_codec: z.string().min(1).max(64),
  audio_codec: z.string().min(1).max(64).nullable(),
  recovered: z.boolean(),
}).refine((e) => Date.parse(e.end_at) >= Date.parse(e.start_at), {
  message: "end_at must not be before start_at",
  path: ["end_at"],
});

const segmentDeleted = z.object({
  id: eventId,
  type: z.literal("segment.deleted"),
  camera_id: z.string().max(200),
  path,
  reason: z.enum(["free_space", "retention", "requested"]),
});

const recordingFailed = z.object({
  id: eventId,
  type: z.literal("recording.failed"),
  camera_id: z.string().max(200),
  session_id: z.string().max(200),
  at: isoTime,
  error: z.string().max(8192),
});

export const nodeEventSchema = z.discriminatedUnion("type", [
  segmentClosed,
  segmentDeleted,
  recordingFailed,
]);

export const eventsBodySchema = z.object({
  events: z.array(nodeEventSchema).max(
    MAX_EVENTS,
    `events: at most ${MAX_EVENTS} per batch`,
  ),
});

export type ValidNodeEvent = z.infer<typeof nodeEventSchema>;

export const keepSchema = z.strictObject({
  keep: z.boolean({ error: "keep must be true or false" }),
});

/** Parses an ISO 8601 date-time (no zone = UTC); throws 400 naming the field. */
export function parseTime(
  raw: string | undefined,
  field: string,
): Date | undefined {
  if (raw === undefined || raw === "") return undefined;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/i
      .exec(raw);
  let t = NaN;
  if (m) {
    const [y, mo, d, h, mi, sec] = m.slice(1, 7).map((v) => Number(v ?? 0));
    const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
    const valid = mo >= 1 && mo <= 12 && d >= 1 &&
      d <= new Date(Date.UTC(y, mo, 0)).getUTCDate() && h <= 23 && mi <= 59 &&
      sec <= 59;
    const zone = !m[8] || m[8].toUpperCase() === "Z"
      ? 0
      : (m[8][0] === "-" ? -1 : 1) *
        (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
    if (valid) t = Date.UTC(y, mo - 1, d, h, mi, sec, ms) - zone * 60_000;
  }
  if (!Number.isFinite(t)) {
    throw new AppError(
      "invalid_input",
      `${field} must be an ISO 8601 date-time like 2026-02-26T10:00:00Z`,
      { field },
    );
  }
  return new Date(t);
}

/** A playback range: both ends given, end after start, at most 24 h. */
export function parseRange(
  startRaw: string | undefined,
  endRaw: string | undefined,
): { start: Date; end: Date } {
  const start = parseTime(startRaw, "start");
  if (!start) {
    throw new AppError(
      "invalid_input",
      "start is required (ISO 8601 date-time)",
      {
        field: "start",
      },
    );
  }
  const end = parseTime(endRaw, "end");
  if (!end) {
    throw new AppError(
      "invalid_input",
      "end is required (ISO 8601 date-time)",
      {
        field: "end",
      },
    );
  }
  if (end.getTime() <= start.getTime()) {
    throw new AppError("invalid_input", "end must be after start", {
      field: "end",
    });
  }
  if (end.getTime() - start.getTime() > MAX_PLAYBACK_MS) {
    throw new AppError(
      "invalid_input",
      "end: the range may span at most 24 hours",
      { field: "end" },
    );
  }
  return { start, end };
}

export interface ListQuery {
  cameraId?: string;
  status?: SessionStatus;
  start?: Date;
  end?: Date;
  limit: number;
  offset: number;
}

function intParam(
  raw: string | undefined,
  field: string,
  dflt: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === "") return dflt;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new AppError(
      "invalid_input",
      `${field} must be a whole number between ${min} and ${max}`,
      { field },
    );
  }
  return Number(raw);
}

/** `?camera_id&status&start&end&limit=50&offset=0` of GET /api/recordings. */
export function parseListQuery(
  q: Record<string, string | undefined>,
): ListQuery {
  const cameraId = q.camera_id || undefined;
  if (cameraId !== undefined && !UUID.test(cameraId)) {
    throw new AppError(
      "invalid_input",
      "camera_id must be a camera id (UUID)",
      {
        field: "camera_id",
      },
    );
  }
  const status = q.status || undefined;
  if (
    status !== undefined && !SESSION_STATUSES.includes(status as SessionStatus)
  ) {
    throw new AppError(
      "invalid_input",
      `status must be one of ${SESSION_STATUSES.join(", ")}`,
      { field: "status" },
    );
  }
  const start = parseTime(q.start, "start");
  const end = parseTime(q.end, "end");
  if (start && end && end.getTime() <= start.getTime()) {
    throw new AppError("invalid_input", "end must be after start", {
      field: "end",
    });
  }
  return {
    cameraId,
    status: status as SessionStatus | undefined,
    start,
    end,
    limit: intParam(q.limit, "limit", 50, 1, 500),
    offset: intParam(q.offset, "offset", 0, 0, 1_000_000_000),
  };
}
