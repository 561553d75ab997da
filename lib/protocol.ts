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
export const CAMERA_PROTOCOLS = [
  "rtsp",
  "http",
  "usb",
  "demo",
  "onvif",
] as const;
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
  // --- RTSP/HTTP sources (issue 6): optional until every controller sends them.
  /** How RTSP is read, live and recording alike. Absent = "tcp". */
  rtsp_transport?: RtspTransport;
  /**
   * Main stream to record (rtsp), with credentials; null or absent = record
   * `source_url`. `source_url` is then the sub-stream for live view.
   */
  record_source_url?: string | null;
}

/** RTSP lower transport: TCP interleaved (default) or RTP over UDP. */
export const RTSP_TRANSPORTS = ["tcp", "udp"] as const;
export type RtspTransport = typeof RTSP_TRANSPORTS[number];

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
 * `{ acked: string[], refused?: {id, reason}[] }`. Each event has a unique id;
 * the controller applies it idempotently and the node deletes it only once
 * acked. Events about recordings not on the reporting node are acked but
 * refused (not applied), so the outbox lets go of them.
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
  /**
   * Something worth knowing that is not an error, e.g. a USB device that does
   * not offer the requested size, so a near one is captured. Optional.
   */
  note?: string | null;
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
  /** The same devices with names and formats (UsbDevice); optional until every node sends it. */
  usb?: UsbDevice[];
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
  /** RTSP (and resolved ONVIF) sources: how to read it, as the camera would. Absent = "tcp". */
  rtsp_transport?: RtspTransport;
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

// --- Test connection of both streams (controller → browser) -----------------
// `POST /api/cameras/probe` with a `record_source_url` probes it too (the
// node's /v1/probe is asked once per URL); the live result stays at the top.

/** The controller's probe answer: the live source, and the recording URL's when one was sent. */
export interface CameraProbeResult extends ProbeResult {
  /** Present when the request named a recording URL; its own ok and error. */
  record?: ProbeResult;
}

// --- Camera scan (issue 6 item 5; docs/guide/scanning.md) ------------------
// Controller → node: `POST /v1/scan` body ScanRequest → ScanReport. One scan
// at a time per node (409 while one runs); the node bounds it in time itself.

/** What one node should look for. */
export interface ScanRequest {
  /** List the node's video devices. */
  usb: boolean;
  /** WS-Discovery probe on the node's networks. */
  onvif: boolean;
  /** Port-probe this IPv4 range (lib/cidr.ts rules); absent/null = no probe. */
  subnet?: string | null;
  /** TCP ports to probe in `subnet`. @default SCAN_DEFAULT_PORTS */
  ports?: number[];
}

/** RTSP, ONVIF and HTTP ports cameras commonly listen on. */
export const SCAN_DEFAULT_PORTS = [554, 8554, 80, 8080, 8000, 8899] as const;

export type ScanKind = "rtsp" | "onvif" | "http" | "usb";

/**
 * confirmed: the device answered the protocol itself (RTSP/1.0 reply, ONVIF
 * SOAP response, a listed video device); likely: a camera-shaped answer (an
 * MJPEG or JPEG body, a SOAP fault from the ONVIF path); possible: an open
 * port with a plain web server behind it.
 */
export type ScanConfidence = "confirmed" | "likely" | "possible";

/** What to prefill when adding a found camera: never any credentials. */
export interface ScanSuggestion {
  /** A camera protocol ("onvif" once ONVIF cameras exist). */
  protocol: string;
  /** URL template without credentials, e.g. `rtsp://192.168.1.20:554/`. */
  source_url: string | null;
  device_path: string | null;
  /** Node the camera must run on (usb), else null = any node. */
  node_name: string | null;
  /** A name to start from. */
  name: string;
}

/** One thing a scan found. */
export interface ScanResult {
  kind: ScanKind;
  /** IPv4 address (network results); null for usb. */
  address: string | null;
  port: number | null;
  /** `/dev/videoN` for usb. */
  device_path: string | null;
  confidence: ScanConfidence;
  /** What was seen, e.g. `RTSP/1.0 401 Unauthorized on OPTIONS`. */
  evidence: string;
  /** The device asked for credentials (RTSP/HTTP 401, ONVIF auth fault). */
  needs_credentials: boolean;
  suggested: ScanSuggestion;
}

/** How one part of a node's scan went. */
export interface ScanPartReport {
  ok: boolean;
  /** Redacted reason when ok is false. */
  error: string | null;
  elapsed_ms: number;
}

/** The port probe's bookkeeping: how much of the range it covered. */
export interface SubnetScanReport extends ScanPartReport {
  subnet: string;
  ports: number[];
  /** Host × port connects planned and attempted. */
  planned: number;
  attempted: number;
  /** Connects that found an open port. */
  open: number;
  /** The time limit (or an abort) ended it before every connect was tried. */
  truncated: boolean;
}

/** A node's answer to `POST /v1/scan`. */
export interface ScanReport {
  node: string;
  results: ScanResult[];
  usb: ScanPartReport | null;
  onvif: ScanPartReport | null;
  subnet: SubnetScanReport | null;
  elapsed_ms: number;
}

// --- ONVIF (issue 6 item 2; docs/guide/onvif.md, node-agent/onvif/) --------
// Controller → node (bearer): `POST /v1/onvif/inspect` OnvifInspectRequest →
// OnvifInspection; `POST /v1/onvif/ptz` OnvifPtzRequest → OnvifPtzResult.
// A camera of protocol "onvif" has source_url
// `onvif://user:pass@host[:port][?profile=TOKEN]`; the node resolves it to the
// profile's RTSP URI and runs it like an rtsp camera.

/** Where an ONVIF device is and how to sign in to it. */
export interface OnvifTarget {
  /** `onvif://user:pass@host[:port][?profile=TOKEN]`; wins over the fields below. */
  url?: string | null;
  host?: string | null;
  /** Device service port. @default 80 */
  port?: number | null;
  username?: string | null;
  password?: string | null;
}

export interface OnvifInspectRequest extends OnvifTarget {
  /** Per-request time limit. @default 8000 */
  timeout_ms?: number;
}

export interface OnvifDeviceInfo {
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  serial: string | null;
}

export interface OnvifVideo {
  /** As the camera names it: H264, H265, JPEG, MPEG4. */
  codec: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
}

/** One media profile. URIs are as the camera gave them (may hold credentials). */
export interface OnvifProfile {
  token: string;
  name: string;
  video: OnvifVideo | null;
  stream_uri: string | null;
  snapshot_uri: string | null;
  /** The profile has a PTZ configuration. */
  ptz: boolean;
}

export interface OnvifInspection {
  device: OnvifDeviceInfo;
  profiles: OnvifProfile[];
  /** The device has a PTZ service and at least one profile with PTZ. */
  ptz: boolean;
  node: string;
  elapsed_ms: number;
}

export const PTZ_ACTIONS = [
  "move",
  "stop",
  "zoom",
  "goto_preset",
  "presets",
] as const;
export type PtzAction = typeof PTZ_ACTIONS[number];

export interface OnvifPtzRequest {
  /** The camera's onvif:// source_url (with credentials and profile). */
  source_url: string;
  action: PtzAction;
  /** move: velocities −1..1 (continuous move). */
  pan?: number;
  tilt?: number;
  /** move: zoom velocity; zoom: relative zoom step, −1..1. */
  zoom?: number;
  /** move: the camera stops by itself after this long. @default 5000 */
  timeout_ms?: number;
  /** goto_preset: the preset token. */
  preset?: string;
}

export interface PtzPreset {
  token: string;
  name: string;
}

export interface OnvifPtzResult {
  ok: true;
  /** Only for action "presets". */
  presets?: PtzPreset[];
}

/** One device that answered a WS-Discovery probe. */
export interface DiscoveredOnvif {
  /** Host of the first XAddr (else the sender's IP). */
  address: string;
  /** Port of the first XAddr; 80 when it names none. */
  port: number;
  /** Device service URLs, e.g. http://192.168.1.20/onvif/device_service. */
  xaddrs: string[];
  /** Endpoint reference, e.g. urn:uuid:…; unique per device. */
  urn: string;
  scopes: string[];
  /** From the onvif://www.onvif.org/name/… scope, decoded. */
  name: string | null;
  hardware: string | null;
  location: string | null;
}

// --- USB (V4L2) devices (issue 6 item 1; docs/guide/usb.md) -----------------
// Node → controller in Heartbeat.usb; controller → node `GET /v1/devices/usb`
// → `{ devices: UsbDevice[] }` (listed now, cached briefly).

/**
 * A usb camera's `device_path`: `/dev/videoN`, or a udev alias that survives
 * re-plugging and reboots (`/dev/v4l/by-id/…`, `/dev/v4l/by-path/…`).
 */
export const USB_DEVICE_PATH =
  /^\/dev\/(video\d{1,3}|v4l\/by-(id|path)\/(?!\.\.?$)[\w.:+-]{1,200})$/;

/** One frame size a format offers, with its frame rates. */
export interface UsbFrameSize {
  width: number;
  height: number;
  /** Frame rates offered at this size, highest first; empty = not known. */
  fps: number[];
}

/** A range of sizes (drivers such as the Raspberry Pi's bcm2835 offer any size in it). */
export interface UsbSizeRange {
  min_width: number;
  max_width: number;
  step_width: number;
  min_height: number;
  max_height: number;
  step_height: number;
}

/** One pixel format of a device. */
export interface UsbFormat {
  /** V4L2 FourCC, e.g. `MJPG`, `YUYV`, `H264` (as v4l2-ctl shows it). */
  pixel_format: string;
  /** The driver's words, e.g. `Motion-JPEG`, `YUYV 4:2:2`. */
  description: string;
  /** ffmpeg's `-input_format` name (`mjpeg`, `yuyv422`, …); null when ffmpeg cannot read it. */
  ffmpeg_format: string | null;
  compressed: boolean;
  /**
   * Discrete sizes; for a ranged format, common sizes within the range (the
   * range itself is in `size_range`).
   */
  sizes: UsbFrameSize[];
  size_range?: UsbSizeRange | null;
}

/** A video device node of a node agent. */
export interface UsbDevice {
  /** `/dev/videoN`. */
  path: string;
  /** Card name, e.g. `HD Pro Webcam C920`; null when unreadable. */
  name: string | null;
  /** Stable alias under `/dev/v4l/by-id/` (survives re-plugging); null when none. */
  by_id: string | null;
  /** Alias under `/dev/v4l/by-path/` (the USB port); null when none. */
  by_path: string | null;
  /** Bus info from the driver, e.g. `usb-0000:00:14.0-1`; null when not known. */
  bus_info: string | null;
  /** The node captures video (UVC cameras also have a metadata-only node that does not). */
  capture: boolean;
  formats: UsbFormat[];
  /** Why the formats could not be listed (tool timed out, device busy…); null when they were. */
  error?: string | null;
}

/**
 * The controller's answer to `GET /api/nodes/scan/cameras`: every node's
 * findings merged (one entry per device), each marked when a camera already
 * uses it.
 */
export interface ScanFinding extends ScanResult {
  /** The node that found it first (usb: the node it is plugged into). */
  node: string;
  /** Every node that found it. */
  nodes: string[];
  /** The existing camera this is, when one is. */
  already_added: { id: string; name: string } | null;
}

/** How one node's scan went, as the controller saw it. */
export interface ScanNodeOutcome {
  node: string;
  ok: boolean;
  /** Why the node's scan failed (offline, timeout, refused); null when ok. */
  error: string | null;
  elapsed_ms: number;
  usb: ScanPartReport | null;
  onvif: ScanPartReport | null;
  subnet: SubnetScanReport | null;
}

export interface ScanResponse {
  nodes: ScanNodeOutcome[];
  results: ScanFinding[];
  elapsed_ms: number;
}
