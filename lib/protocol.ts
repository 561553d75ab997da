/**
 * The node agent ⇄ controller protocol (docs/design/protocol.md). Both sides
 * import these types and nothing else from each other.
 *
 * Node agent → controller (bearer token):
 *   POST /internal/v1/nodes/{node}/heartbeat      body Heartbeat → DesiredState
 *   GET  /internal/v1/nodes/{node}/desired?etag=E&wait_ms=N → DesiredState (long poll: answers
 *        at once when the desired state's etag differs from E, else when it changes, else after N ms)
 * Controller → node agent (bearer token), on the node agent's port:
 *   GET  /v1/cameras/{id}/stream    multipart/x-mixed-replace MJPEG
 *   GET  /v1/cameras/{id}/snapshot  image/jpeg
 *   GET  /v1/status                 NodeStatus
 */

export const PROTOCOL_VERSION = 1;

/** Camera source kinds the node agent can run. */
export const CAMERA_PROTOCOLS = ["rtsp", "http", "usb", "demo"] as const;
export type CameraProtocol = typeof CAMERA_PROTOCOLS[number];

/** One camera as the node agent must run it. Carries the decrypted source. */
export interface CameraSpec {
  id: string;
  name: string;
  protocol: CameraProtocol;
  /** Full source URL with credentials (rtsp, http, demo); null for usb. */
  source_url: string | null;
  /** `/dev/videoN` for usb; null otherwise. */
  device_path: string | null;
  width: number;
  height: number;
  framerate: number;
  /**
   * Recording the node must do now (docs/design/recording.md): present while a
   * manual recording runs or the camera records continuously; absent or null =
   * do not record. Optional until every controller sends it.
   */
  record?: RecordSpec | null;
  /** Days of footage to keep for this camera; null = no age limit. */
  retention_days?: number | null;
}

/** What and how to record for one camera. */
export interface RecordSpec {
  /** The recording session the segments belong to (made by the controller). */
  session_id: string;
  /** Segment length, aligned to the wall clock. @default 60 */
  segment_seconds: number;
}

/** Node-wide storage rules. */
export interface StoragePolicy {
  /** Keep at least this share of the disk free (0-1). @default 0.05 */
  min_free_ratio: number;
  /** And at least this many bytes free. @default 5 GiB */
  min_free_bytes: number;
  /** Session ids a user marked "keep": retention never deletes their segments. */
  keep_sessions: string[];
}

/**
 * Node → controller, through the node's durable outbox:
 * `POST /internal/v1/nodes/{node}/events` body `{ events: NodeEvent[] }` →
 * `{ acked: string[] }`. Each event has a unique id; the controller applies it
 * idempotently and the node deletes it only once acked.
 */
export type NodeEvent =
  | SegmentClosedEvent
  | SegmentDeletedEvent
  | RecordingFailedEvent;

export interface SegmentClosedEvent {
  id: string;
  type: "segment.closed";
  camera_id: string;
  session_id: string;
  /** Path relative to the node's recordings root: `{camera_id}/{YYYY-MM-DD}/{file}.mp4`. */
  path: string;
  /** Wall-clock time of the first and after the last frame (ISO 8601, UTC). */
  start_at: string;
  end_at: string;
  /** Media duration from the file itself. */
  duration_ms: number;
  size_bytes: number;
  video_codec: string;
  audio_codec: string | null;
  /** True when this segment was repaired at start after a crash. */
  recovered: boolean;
}

export interface SegmentDeletedEvent {
  id: string;
  type: "segment.deleted";
  camera_id: string;
  path: string;
  /** Why the node removed it: free-space floor, age, or by request. */
  reason: "free_space" | "retention" | "requested";
}

export interface RecordingFailedEvent {
  id: string;
  type: "recording.failed";
  camera_id: string;
  session_id: string;
  at: string;
  /** Redacted reason (ffmpeg stderr tail). Recording retries by itself. */
  error: string;
}

export interface DesiredState {
  node: string;
  /** Changes whenever anything below changes; the long poll waits on it. */
  etag: string;
  cameras: CameraSpec[];
  /** How long a relay keeps running after its last viewer left. */
  relay_idle_grace_ms: number;
  /** Optional until every controller sends it; the node then uses the defaults. */
  storage?: StoragePolicy;
}

export type RelayState =
  | "idle"
  | "starting"
  | "running"
  | "backoff"
  | "stopping";

/** What a node agent reports about one camera. */
export interface CameraRuntime {
  id: string;
  state: RelayState;
  viewers: number;
  /** Frames per second delivered by the relay over the last few seconds. */
  fps: number;
  /** Redacted reason of the last failure, null once frames flow again. */
  error: string | null;
  restarts: number;
  last_frame_at: string | null;
}

export interface FfmpegInfo {
  available: boolean;
  version: string | null;
  path: string;
}

export interface DiskUsage {
  path: string;
  total_bytes: number;
  free_bytes: number;
}

export interface Heartbeat {
  node: string;
  version: string;
  protocol_version: number;
  /** Base URL where the controller reaches this node agent, e.g. http://10.0.0.4:30901 */
  address: string;
  started_at: string;
  ffmpeg: FfmpegInfo;
  usb_devices: string[];
  disk: DiskUsage | null;
  load: { cpu_percent: number; memory_bytes: number };
  /** etag of the desired state the node agent is running. */
  desired_etag: string | null;
  cameras: CameraRuntime[];
}

export type NodeStatus = Omit<Heartbeat, "desired_etag"> & {
  desired_etag: string | null;
};

/**
 * Controller → node: `POST /v1/probe` — open a source once on the node that
 * would run it and say what it carries, before the camera is saved.
 */
export interface ProbeRequest {
  protocol: CameraProtocol;
  source_url: string | null;
  device_path: string | null;
}

export interface ProbeResult {
  ok: boolean;
  /** Redacted reason when ok is false. */
  error: string | null;
  video:
    | { codec: string; width: number; height: number; fps: number | null }
    | null;
  audio:
    | { codec: string; sample_rate: number | null; channels: number | null }
    | null;
  /** Node that opened the source. */
  node: string;
  elapsed_ms: number;
}
