/**
 * Types of the dashboard: the views pages and islands receive, the data the
 * dashboard needs from the controller, and the shapes of route modules and
 * built island assets. Browser-safe: islands import these types too.
 */
import type { VNode } from "preact";
import type { CameraProtocol, UsbDevice } from "../../lib/protocol.ts";
import type { SettingsView } from "./client/settings_form.ts";

export type CameraStatus = "pending" | "online" | "error" | "offline";
export type NodeState = "online" | "offline";
/** `off` and `manual` record when an admin presses Record; `continuous` always records. */
export type RecordingMode = "off" | "manual" | "continuous";
export type RecordingStatus =
  | "recording"
  | "completed"
  | "failed"
  | "interrupted"
  | "expired";

/** One camera as the dashboard shows it. Never carries a secret. */
export interface CameraView {
  id: string;
  name: string;
  protocol: CameraProtocol;
  location: string | null;
  /** Source URL with the password already redacted (`rtsp://user:***@host/…`). */
  source_url: string | null;
  device_path: string | null;
  /** Node the camera is pinned to (USB cameras). */
  node_name: string | null;
  /** Node that runs the camera now. */
  assigned_node: string | null;
  /** `WIDTHxHEIGHT`, e.g. `640x480`. */
  resolution: string;
  framerate: number;
  status: CameraStatus;
  error_message: string | null;
  /** off | manual | continuous (the API always sends it; older fixtures may not). */
  recording_mode?: RecordingMode;
  /** Days of footage kept; null = until the node's free-space floor. */
  retention_days?: number | null;
  /** rtsp: how the stream is read (the API always sends it; older fixtures may not). */
  rtsp_transport?: "tcp" | "udp";
  /** rtsp: the recording (main) stream, redacted; null = records `source_url`. */
  record_source_url?: string | null;
  /**
   * The camera's open recording, or null when it is not recording. Filled by
   * the pages that show it (`deps.openRecordings`); absent elsewhere.
   */
  recording?: OpenRecording | null;
  created_at: string;
  updated_at: string;
}

export interface NodeView {
  name: string;
  status: NodeState;
  address: string | null;
  last_heartbeat_at: string | null;
  /** Node agent version from the last heartbeat. */
  version?: string | null;
  /** Cameras placed on the node. */
  cameras?: number;
  /** When the node enrolled (its address is pinned since); null = not enrolled. */
  enrolled_at?: string | null;
  /**
   * Facts of the last heartbeat as the node service stores them (`ffmpeg`,
   * `usb_devices`, `disk`, `load`, `camera_runtime`, `started_at`); read it
   * through `toNodeDetail()`, which checks every field.
   */
  info?: Record<string, unknown>;
}

/** CPU and memory of a node agent, from a heartbeat. */
export interface NodeLoad {
  cpu_percent: number;
  memory_bytes: number;
}

/** One camera the node agent runs, as its last heartbeat reported it. */
export interface CameraRuntimeView {
  id: string;
  /** The camera's name when the user may see it, else null. */
  name: string | null;
  state: string;
  viewers: number;
  fps: number;
  error: string | null;
  restarts: number;
  last_frame_at: string | null;
}

/** A node with its last heartbeat's facts, for the nodes page (admins). */
export interface NodeDetailView {
  name: string;
  status: NodeState;
  address: string | null;
  version: string | null;
  last_heartbeat_at: string | null;
  started_at: string | null;
  /** Cameras placed on the node. */
  cameras: number;
  /** null when the node never reported it. */
  ffmpeg: { available: boolean; version: string | null } | null;
  usb_devices: string[];
  /** The same devices with names and formats, when the node sends them. */
  usb?: UsbDevice[];
  disk: { path: string; total_bytes: number; free_bytes: number } | null;
  load: NodeLoad | null;
  camera_runtime: CameraRuntimeView[];
  /** When the node enrolled; null = not enrolled (reset, or never). Absent = unknown. */
  enrolled_at?: string | null;
}

/** A node as the camera forms offer it: where a camera can run, and its USB devices. */
export interface NodeChoice {
  name: string;
  status: NodeState;
  usb_devices: string[];
  /** Names and formats for the device picker; absent from older node agents. */
  usb?: UsbDevice[];
}

/** A camera's open recording: the session, when it began, the recorder's last error. */
export interface OpenRecording {
  id: string;
  started_at: string;
  error_message: string | null;
}

/** One recording session as the dashboard shows it (`GET /api/recordings` entries; most events carry no totals). */
export interface RecordingView {
  id: string;
  /** null once the camera was deleted (the recording stays). */
  camera_id: string | null;
  camera_name: string;
  camera_deleted: boolean;
  node_name: string | null;
  kind: "manual" | "continuous";
  status: RecordingStatus;
  started_at: string;
  ended_at: string | null;
  keep: boolean;
  error_message: string | null;
  download_url: string;
  /** Totals of the closed segments; in SSE events only `updated` after a segment closed. */
  segment_count?: number;
  duration_ms?: number;
  size_bytes?: number;
}

/** One page of `GET /api/recordings`: `total` counts every match. */
export interface RecordingsPageView {
  recordings: RecordingView[];
  total: number;
  limit: number;
  offset: number;
}

/** The recordings page's filters as the page URL carries them (`?camera&status&from&to&offset`). */
export interface RecordingFilters {
  camera: string;
  status: "" | RecordingStatus;
  /** UTC days `YYYY-MM-DD`, inclusive; "" = open. */
  from: string;
  to: string;
}

/** A camera's recorded time on one UTC day (`GET /api/cameras/{id}/timeline`). */
export interface TimelineView {
  camera_id: string;
  day: string;
  start: string;
  end: string;
  spans: { start: string; end: string }[];
  /** The open recording's start; its newest minute is not in `spans` yet. */
  recording_since: string | null;
}

/** A node's recordings storage (`GET /api/nodes/{name}/storage`). */
export interface NodeStorageView {
  node: string;
  root: string;
  total_bytes: number;
  free_bytes: number;
  recordings_bytes: number;
  cameras: {
    camera_id: string;
    camera_name: string | null;
    bytes: number;
    segments: number;
  }[];
}

/** The signed-in user as pages see them. */
export interface WebUser {
  id: string;
  username: string;
  role: "admin" | "viewer";
  /** Echoed by islands in X-CSRF-Token on every write. */
  csrf: string | null;
}

/** What the dashboard needs from the rest of the controller; `controller/mod.ts` wires it. */
export interface DashboardDeps {
  /** Cameras the user may see (admins: all). */
  listCameras(user: WebUser): Promise<CameraView[]>;
  /** Nodes (empty for viewers). */
  listNodes(user: WebUser): Promise<NodeView[]>;
  /** The signed-in user of a request (session cookie), or null. */
  user(req: Request): Promise<WebUser | null>;
  /** True while no account exists: every page leads to /setup. */
  setupRequired(): Promise<boolean>;
  /**
   * Whether a camera with this id exists at all, whoever may see it: the
   * camera page answers 403 (not 404) for a camera the user is not granted.
   * Without it, such a camera is a 404.
   */
  cameraExists?(id: string): Promise<boolean>;
  /**
   * Open recordings of these cameras, by camera id. The grid and the camera
   * page show Recording/Not recording from it.
   */
  openRecordings?(ids: string[]): Promise<Record<string, OpenRecording>>;
  /**
   * Starts these cameras' live upstreams now (`StreamHub.warm`): the page
   * being rendered will open their stream once its scripts ran, and finds
   * the relays already starting. Absent: relays start with the stream.
   */
  warmStreams?(ids: string[]): void;
  /**
   * A page of recordings the user may see; `query` is `GET /api/recordings`'s
   * (`camera_id`, `status`, `start`, `end`, `limit`, `offset`). Throws an
   * error with a message for a bad query or a camera not granted.
   */
  listRecordings?(
    user: WebUser,
    query: Record<string, string>,
  ): Promise<RecordingsPageView>;
  /** A camera's recorded spans on one UTC day (`YYYY-MM-DD`); the caller checked access. */
  recordingTimeline?(cameraId: string, day: string): Promise<TimelineView>;
  /** Runtime settings with defaults and descriptions (`GET /api/settings`); the caller checked the admin role. */
  settings?(): Promise<SettingsView>;
}

/** Data of the SSE event `camera` on `/api/events`. */
export type CameraEvent =
  | { type: "created" | "updated" | "status"; camera: CameraView }
  | { type: "deleted"; id: string };

/** Data of the SSE event `node` on `/api/events`. */
export interface NodeEvent {
  name: string;
  status: NodeState;
  address?: string | null;
  last_heartbeat_at?: string | null;
  /** The heartbeat's load; sent when a node comes online and when its load changes noticeably. */
  load?: NodeLoad | null;
}

/** Data of the SSE event `recording` on `/api/events` (viewers: their granted cameras only). */
export type RecordingEvent =
  | { type: "started" | "ended" | "updated"; recording: RecordingView }
  | { type: "deleted"; id: string; camera_id: string | null }
  | {
    type: "failed";
    id: string;
    camera_id: string | null;
    error: string;
    at: string;
  };

/** One built file, served from memory. */
export interface AssetFile {
  body: Uint8Array;
  contentType: string;
  /** Strong ETag (quoted), derived from the body. */
  etag: string;
  /** The body gzipped once at build, served to browsers that accept gzip. */
  gzip?: Uint8Array;
  /** Source modules bundled into this file, relative to the repository root (for size and duplicate checks). */
  sources: string[];
}

/** The bundled islands and client boot module, kept in memory. */
export interface IslandAssets {
  /** Public path (`/assets/CameraGrid-ABC123.js`) → file. */
  files: Map<string, AssetFile>;
  /** Names of the islands that were built (file names in `islands/` without `.tsx`). */
  islands: string[];
  /** Public path of an island's entry module; throws for an unknown island. */
  islandUrl(name: string): string;
  /** Public path of the client boot module that hydrates island markers. */
  bootUrl: string;
  /** Public paths a module statically imports, transitively (shared chunks), for `modulepreload`. */
  preloads(url: string): string[];
  /** Wall time the build took, in milliseconds. */
  buildMs: number;
}

/** What a route module's page function receives. */
export interface RouteContext {
  deps: DashboardDeps;
  req: Request;
  url: URL;
  /** Path parameters, e.g. `{ id }` for `routes/cameras/[id].tsx`. */
  params: Record<string, string>;
  /** The signed-in user; null only on public pages. */
  user: WebUser | null;
}

/** A page returns markup to render, or a Response (a redirect, a download) to send as is. */
export type RouteResult = VNode | Response;

/**
 * A file in `routes/`. `default` loads data through `ctx.deps` and returns the
 * page; `title` names the page in the document title.
 */
export interface RouteModule {
  title?: string;
  /** Who may open the page. @default "user" (signed in) */
  access?: "public" | "user" | "admin";
  default(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

export interface RouteEntry {
  /** File path relative to `routes/`, e.g. `index.tsx`. */
  file: string;
  /** Hono path pattern, e.g. `/` or `/cameras/:id`. */
  pattern: string;
  module: RouteModule;
}

/** The explicit list of routes (`routes/_manifest.ts`); a test keeps it in sync with the folder. */
export interface RouteManifest {
  routes: RouteEntry[];
  /** `_404.tsx`: rendered with status 404 for unknown pages. */
  notFound: { file: string; module: RouteModule };
}
