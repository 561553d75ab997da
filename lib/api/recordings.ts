/**
 * Recordings (docs/guide/recordings.md): sessions, their segments, list
 * queries, the keep flag, per-camera status and the day timeline.
 */
import { z } from "zod";
import { recordingModeSchema } from "./cameras.ts";
import { intQuery, isoTimeSchema, UUID } from "./common.ts";

export const RECORDING_KINDS = ["manual", "continuous"] as const;
export const RECORDING_STATUSES = [
  "recording",
  "completed",
  "failed",
  "interrupted",
  "expired",
] as const;
export const recordingStatusSchema = z.enum(RECORDING_STATUSES);
export type RecordingStatus = z.infer<typeof recordingStatusSchema>;

/** A recording session without its totals (events, start/stop answers). */
export const sessionSchema = z.object({
  id: z.string(),
  /** null once the camera was deleted (the recording stays). */
  camera_id: z.string().nullable(),
  camera_name: z.string(),
  /** True once the camera was deleted. */
  camera_deleted: z.boolean(),
  node_name: z.string().nullable(),
  kind: z.enum(RECORDING_KINDS),
  status: recordingStatusSchema,
  started_at: isoTimeSchema,
  ended_at: isoTimeSchema.nullable(),
  keep: z.boolean(),
  error_message: z.string().nullable(),
  download_url: z.string(),
  created_at: isoTimeSchema,
  updated_at: isoTimeSchema,
});
export type Session = z.infer<typeof sessionSchema>;

/** A recording with the totals of its segments (list and detail). */
export const recordingSchema = sessionSchema.extend({
  segment_count: z.number(),
  /** Sum of the segments' media durations. */
  duration_ms: z.number(),
  size_bytes: z.number(),
});
export type Recording = z.infer<typeof recordingSchema>;

export const segmentSchema = z.object({
  id: z.number(),
  node_name: z.string(),
  path: z.string(),
  start_at: isoTimeSchema,
  end_at: isoTimeSchema,
  duration_ms: z.number(),
  size_bytes: z.number(),
  video_codec: z.string(),
  audio_codec: z.string().nullable(),
  recovered: z.boolean(),
});
export type Segment = z.infer<typeof segmentSchema>;

/** `GET /api/recordings/{id}`. */
export const recordingDetailSchema = recordingSchema.extend({
  segments: z.array(segmentSchema),
});
export type RecordingDetail = z.infer<typeof recordingDetailSchema>;

/** One page of `GET /api/recordings`: `total` counts every match. */
export const recordingsPageSchema = z.object({
  recordings: z.array(recordingSchema),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
export type RecordingsPage = z.infer<typeof recordingsPageSchema>;

const dateTime = z.string().describe(
  "ISO 8601 date-time like 2026-02-26T10:00:00Z (no zone = UTC)",
);

/**
 * `GET /api/recordings` filters. Times are parsed (and their errors named) by
 * controller/recordings/schema.ts `parseListQuery`, which also applies the
 * defaults limit=50, offset=0.
 */
export const recordingListQuery = z.object({
  camera_id: z.string().regex(UUID, "camera_id must be a camera id (UUID)")
    .optional(),
  status: z.enum(RECORDING_STATUSES, {
    error: `status must be one of ${RECORDING_STATUSES.join(", ")}`,
  }).optional(),
  start: dateTime.optional(),
  end: dateTime.optional(),
  limit: intQuery("limit", 1, 500).optional(),
  offset: intQuery("offset", 0, 1_000_000_000).optional(),
});

/** `PATCH /api/recordings/{id}`. */
export const keepSchema = z.strictObject({
  keep: z.boolean({ error: "keep must be true or false" }),
});

/** `DELETE /api/recordings/{id}`. */
export const recordingDeletedSchema = z.object({
  message: z.string(),
  id: z.string(),
  deleted_segments: z.number(),
});

/** `?format=web`: H.264 for browsers; absent or `original`: the files as recorded. */
export const footageQuery = z.object({
  format: z.enum(["original", "web"], {
    error: 'format: use "web" (H.264 for browsers) or leave it out',
  }).optional(),
});

/** `GET /api/cameras/{id}/playback`. */
export const playbackQuery = footageQuery.extend({
  start: dateTime,
  end: dateTime,
});

/** 202 of a web rendition that is not ready yet. */
export const renditionPendingSchema = z.object({
  state: z.string(),
  progress: z.number().nullable().optional(),
  retry_after_ms: z.number(),
});

/** `GET /api/cameras/{id}/recording/status`. */
export const recordingStatusAnswerSchema = z.object({
  recording: z.boolean(),
  session: sessionSchema.optional(),
  mode: recordingModeSchema,
});
export type RecordingStatusAnswer = z.infer<typeof recordingStatusAnswerSchema>;

/** A camera's recorded time on one UTC day (`GET /api/cameras/{id}/timeline`). */
export const timelineSchema = z.object({
  camera_id: z.string(),
  /** `YYYY-MM-DD`. */
  day: z.string(),
  start: isoTimeSchema,
  end: isoTimeSchema,
  spans: z.array(z.object({ start: isoTimeSchema, end: isoTimeSchema })),
  /** The open recording's start; its newest minute is not in `spans` yet. */
  recording_since: isoTimeSchema.nullable(),
});
export type Timeline = z.infer<typeof timelineSchema>;

export const timelineQuery = z.object({
  day: z.string().describe("UTC day YYYY-MM-DD; today when absent").optional(),
});

/** `POST /api/recordings/reconcile`: what the pass did (see controller/recordings/reconcile.ts). */
export const reconcileReportSchema = z.looseObject({
  at: isoTimeSchema,
  interrupted: z.array(z.object({ id: z.string(), reason: z.string() })),
  rotated: z.array(z.string()),
  pruned_events: z.number(),
  nodes: z.array(z.looseObject({ node: z.string(), ok: z.boolean() })),
});
