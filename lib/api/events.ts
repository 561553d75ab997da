/**
 * Server-Sent Events of `GET /api/events`: the `data` of each event kind.
 * Viewers receive `camera` and `recording` events of their granted cameras
 * only; `node`, `settings` and `agent` events go to admins.
 */
import { z } from "zod";
import { agentSchema, agentStatusSchema } from "./agents.ts";
import { nodeLoadSchema } from "../protocol/heartbeat.ts";
import { cameraSchema } from "./cameras.ts";
import { isoTimeSchema } from "./common.ts";
import { nodeStateSchema } from "./nodes.ts";
import { sessionSchema } from "./recordings.ts";
import { settingsSchema } from "./settings.ts";

/** `event: camera`. */
export const cameraEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.enum(["created", "updated", "status"]),
    camera: cameraSchema,
  }),
  z.object({ type: z.literal("deleted"), id: z.string() }),
]);
export type CameraEvent = z.infer<typeof cameraEventSchema>;

/** `event: node`. */
export const nodeEventSchema = z.object({
  name: z.string(),
  status: nodeStateSchema,
  address: z.string().nullable().optional(),
  last_heartbeat_at: isoTimeSchema.nullable().optional(),
  /** The heartbeat's load; sent when a node comes online and when its load changes noticeably. */
  load: nodeLoadSchema.nullable().optional(),
});
export type NodeEvent = z.infer<typeof nodeEventSchema>;

/**
 * A session in a `recording` event: `updated` after a segment closed carries
 * the totals of `Recording`; other events carry none.
 */
export const eventRecordingSchema = sessionSchema.extend({
  segment_count: z.number().optional(),
  duration_ms: z.number().optional(),
  size_bytes: z.number().optional(),
});
export type EventRecording = z.infer<typeof eventRecordingSchema>;

/** `event: recording`: started/ended/updated (keep, a closed segment), deleted, node-reported failures. */
export const recordingEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.enum(["started", "ended", "updated"]),
    recording: eventRecordingSchema,
  }),
  z.object({
    type: z.literal("deleted"),
    id: z.string(),
    camera_id: z.string().nullable(),
  }),
  z.object({
    type: z.literal("failed"),
    id: z.string(),
    camera_id: z.string().nullable(),
    error: z.string(),
    at: isoTimeSchema,
  }),
]);
export type RecordingEvent = z.infer<typeof recordingEventSchema>;

/** `event: settings`: all settings after a save, and which changed. */
export const settingsEventSchema = z.object({
  type: z.literal("updated"),
  settings: settingsSchema,
  changed: z.array(z.string()),
});
export type SettingsEvent = z.infer<typeof settingsEventSchema>;

/**
 * `event: agent` (admins): an agent was created, changed or removed, or its
 * process changed state (starting, running, restarting, failed, stopped).
 * `usage_today` of created/updated is the value as of the change's read (zero).
 */
export const agentEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.enum(["created", "updated"]), agent: agentSchema }),
  z.object({
    type: z.literal("status"),
    id: z.string(),
    status: agentStatusSchema,
  }),
  z.object({ type: z.literal("deleted"), id: z.string() }),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;

/** Every event kind of the stream and the schema of its `data`. */
export const SSE_EVENTS = {
  camera: cameraEventSchema,
  node: nodeEventSchema,
  recording: recordingEventSchema,
  settings: settingsEventSchema,
  agent: agentEventSchema,
} as const;
