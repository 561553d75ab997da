/**
 * Node → controller, through the node's durable outbox:
 * `POST /internal/v1/nodes/{node}/events` body `{ events: NodeEvent[] }` →
 * `{ acked: string[], refused?: {id, reason}[] }`. Each event has a unique id;
 * the controller applies it idempotently and the node deletes it only once
 * acked. Events about recordings not on the reporting node are acked but
 * refused (not applied), so the outbox lets go of them. The controller
 * validates each batch with `eventsBodySchema`.
 */
import { z } from "zod";

export const UUID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Largest batch a node may send at once. */
export const MAX_EVENTS = 500;

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

export const segmentClosedEventSchema = z.object({
  id: eventId,
  type: z.literal("segment.closed"),
  camera_id: uuid,
  session_id: uuid,
  /** Path relative to the node's recordings root: `{camera_id}/{YYYY-MM-DD}/{file}.mp4`. */
  path,
  /** Wall-clock time of the first and after the last frame (ISO 8601, UTC). */
  start_at: isoTime,
  end_at: isoTime,
  /** Media duration from the file itself. */
  duration_ms: z.number().min(0).max(7 * 24 * 3600_000),
  size_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  video_codec: z.string().min(1).max(64),
  audio_codec: z.string().min(1).max(64).nullable(),
  /** True when this segment was repaired at start after a crash. */
  recovered: z.boolean(),
}).refine((e) => Date.parse(e.end_at) >= Date.parse(e.start_at), {
  message: "end_at must not be before start_at",
  path: ["end_at"],
});
export type SegmentClosedEvent = z.infer<typeof segmentClosedEventSchema>;

export const segmentDeletedEventSchema = z.object({
  id: eventId,
  type: z.literal("segment.deleted"),
  camera_id: z.string().max(200),
  path,
  /** Why the node removed it: free-space floor, age, or by request. */
  reason: z.enum(["free_space", "retention", "requested"]),
});
export type SegmentDeletedEvent = z.infer<typeof segmentDeletedEventSchema>;

export const recordingFailedEventSchema = z.object({
  id: eventId,
  type: z.literal("recording.failed"),
  camera_id: z.string().max(200),
  session_id: z.string().max(200),
  at: isoTime,
  /** Redacted reason (ffmpeg stderr tail). Recording retries by itself. */
  error: z.string().max(8192),
});
export type RecordingFailedEvent = z.infer<typeof recordingFailedEventSchema>;

export const nodeEventSchema = z.discriminatedUnion("type", [
  segmentClosedEventSchema,
  segmentDeletedEventSchema,
  recordingFailedEventSchema,
]);
export type NodeEvent = z.infer<typeof nodeEventSchema>;

export const eventsBodySchema = z.object({
  events: z.array(nodeEventSchema).max(
    MAX_EVENTS,
    `events: at most ${MAX_EVENTS} per batch`,
  ),
});
export type EventsBody = z.infer<typeof eventsBodySchema>;

export const eventsAckSchema = z.object({
  acked: z.array(z.string()),
  refused: z.array(z.object({ id: z.string(), reason: z.string() })).optional(),
});
export type EventsAck = z.infer<typeof eventsAckSchema>;
