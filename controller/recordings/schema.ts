/**
 * Validation for recordings: node events (lib/protocol/mod.ts NodeEvent), list
 * queries, the keep flag and playback time ranges. Every rule names its field.
 */
import { UUID } from "../../lib/protocol/mod.ts";
import { AppError } from "../../lib/errors.ts";
import { SESSION_STATUSES, type SessionStatus } from "../db/recordings.ts";

// The node events and their batch are protocol (lib/protocol/events.ts); the
// keep flag is API (lib/api/recordings.ts).
export {
  eventsBodySchema,
  isSafeRelativePath,
  MAX_EVENTS,
  nodeEventSchema,
  UUID,
} from "../../lib/protocol/mod.ts";
export { keepSchema } from "../../lib/api/recordings.ts";
export type { NodeEvent as ValidNodeEvent } from "../../lib/protocol/mod.ts";

/** Longest playback range. */
export const MAX_PLAYBACK_MS = 24 * 3600_000;

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
