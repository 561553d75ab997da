/**
 * The node's desired state (docs/design/protocol.md): the answer to a
 * heartbeat and to the long poll
 * `GET /internal/v1/nodes/{node}/desired?etag=E&wait_ms=N` (answers at once
 * when the etag differs from E, else when it changes, else after N ms).
 */
import { z } from "zod";

/** Camera source kinds the node agent can run. */
export const CAMERA_PROTOCOLS = [
  "rtsp",
  "http",
  "usb",
  "demo",
  "onvif",
] as const;
export const cameraProtocolSchema = z.enum(CAMERA_PROTOCOLS);
export type CameraProtocol = z.infer<typeof cameraProtocolSchema>;

/** RTSP lower transport: TCP interleaved (default) or RTP over UDP. */
export const RTSP_TRANSPORTS = ["tcp", "udp"] as const;
export const rtspTransportSchema = z.enum(RTSP_TRANSPORTS);
export type RtspTransport = z.infer<typeof rtspTransportSchema>;

/** What and how to record for one camera. */
export const recordSpecSchema = z.object({
  /** The recording session the segments belong to (made by the controller). */
  session_id: z.string(),
  /** Segment length, aligned to the wall clock (60 by default). */
  segment_seconds: z.number(),
});
export type RecordSpec = z.infer<typeof recordSpecSchema>;

/** One camera as the node agent must run it. Carries the decrypted source. */
export const cameraSpecSchema = z.object({
  id: z.string(),
  name: z.string(),
  protocol: cameraProtocolSchema,
  /** Full source URL with credentials (rtsp, http, demo); null for usb. */
  source_url: z.string().nullable(),
  /** `/dev/videoN` for usb; null otherwise. */
  device_path: z.string().nullable(),
  width: z.number(),
  height: z.number(),
  framerate: z.number(),
  /**
   * Recording the node must do now (docs/design/recording.md): present while a
   * manual recording runs or the camera records continuously; absent or null =
   * do not record. Optional until every controller sends it.
   */
  record: recordSpecSchema.nullable().optional(),
  /** Days of footage to keep for this camera; null = no age limit. */
  retention_days: z.number().nullable().optional(),
  /** How RTSP is read, live and recording alike. Absent = "tcp". */
  rtsp_transport: rtspTransportSchema.optional(),
  /**
   * Main stream to record (rtsp), with credentials; null or absent = record
   * `source_url`. `source_url` is then the sub-stream for live view.
   */
  record_source_url: z.string().nullable().optional(),
});
export type CameraSpec = z.infer<typeof cameraSpecSchema>;

/** Node-wide storage rules. */
export const storagePolicySchema = z.object({
  /** Keep at least this share of the disk free (0-1), 0.05 by default. */
  min_free_ratio: z.number(),
  /** And at least this many bytes free (5 GiB by default). */
  min_free_bytes: z.number(),
  /** Session ids a user marked "keep": retention never deletes their segments. */
  keep_sessions: z.array(z.string()),
});
export type StoragePolicy = z.infer<typeof storagePolicySchema>;

export const desiredStateSchema = z.object({
  node: z.string(),
  /** Changes whenever anything below changes; the long poll waits on it. */
  etag: z.string(),
  cameras: z.array(cameraSpecSchema),
  /** How long a relay keeps running after its last viewer left. */
  relay_idle_grace_ms: z.number(),
  /** Optional until every controller sends it; the node then uses the defaults. */
  storage: storagePolicySchema.optional(),
});
export type DesiredState = z.infer<typeof desiredStateSchema>;

/** Segment length the nodes are told to use (wall-clock aligned); the `segment_seconds` setting's built-in default. */
export const DEFAULT_SEGMENT_SECONDS = 60;
/** Node-wide free-space floor: keep at least this share of the disk free (default of `min_free_percent`). */
export const MIN_FREE_RATIO = 0.05;
/** And at least this many bytes (default of `min_free_gib`). */
export const MIN_FREE_BYTES = 5 * 1024 ** 3;
