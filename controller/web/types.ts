/**
 * Types of the dashboard: the views pages and islands receive, the data the
 * dashboard needs from the controller, and the shapes of route modules and
 * built island assets. Browser-safe: islands import these types too.
 */
import type { VNode } from "preact";
import type { Camera } from "../../lib/api/cameras.ts";
import type { Node, NodeStorage } from "../../lib/api/nodes.ts";
import type {
  EventRecording,
  RecordingsPage,
  Session,
  Timeline,
} from "../../lib/api/mod.ts";
import type {
  CameraEvent as ApiCameraEvent,
  RecordingEvent as ApiRecordingEvent,
} from "../../lib/api/events.ts";
import type { SettingsJson } from "../../lib/api/settings.ts";
import type { Agent } from "../../lib/api/agents.ts";
import type {
  CameraRuntime,
  DiskUsage,
  FfmpegInfo,
  NodeLoad,
  UsbDevice,
} from "../../lib/protocol/mod.ts";

// The API's shapes come from lib/api (zod schemas and their inferred types);
// what is here only adds what the dashboard computes on top of them.
export type {
  CameraStatus,
  RecordingMode,
  RecordingStatus,
} from "../../lib/api/mod.ts";
export type { NodeState } from "../../lib/api/nodes.ts";
export type { NodeEvent } from "../../lib/api/events.ts";
export type { NodeLoad };

/** A camera's open recording: the session, when it began, the recorder's last error. */
export type OpenRecording = Pick<
  Session,
  "id" | "started_at" | "error_message"
>;

/**
 * One camera as the dashboard shows it: the API's camera without metadata
 * and links (`views.ts` projects it). Never carries a secret. The recording
 * facts are optional (the API always sends them; older fixtures may not);
 * `recording` is filled by the pages that show it (`deps.openRecordings`).
 */
export type CameraView =
  & Pick<
    Camera,
    | "id"
    | "name"
    | "protocol"
    | "location"
    | "source_url"
    | "device_path"
    | "node_name"
    | "assigned_node"
    | "resolution"
    | "framerate"
    | "status"
    | "error_message"
    | "created_at"
    | "updated_at"
  >
  & Partial<
    Pick<
      Camera,
      | "recording_mode"
      | "retention_days"
      | "rtsp_transport"
      | "record_source_url"
    >
  >
  & { recording?: OpenRecording | null };

/** Data of the SSE event `camera` as islands handle it: the API's event, its camera seen through `CameraView`. */
export type CameraEvent = ApiCameraEvent extends infer E
  ? E extends { camera: unknown } ? Omit<E, "camera"> & { camera: CameraView }
  : E
  : never;

/** A node as `GET /api/nodes` lists it; pages may leave out the heartbeat facts. */
export type NodeView =
  & Pick<Node, "name" | "status" | "address" | "last_heartbeat_at">
  & Partial<Pick<Node, "version" | "cameras" | "info" | "enrolled_at">>;

/** One camera the node agent runs, as its last heartbeat reported it. */
export type CameraRuntimeView =
  & Omit<CameraRuntime, "state" | "note">
  & {
    /** The camera's name when the user may see it, else null. */
    name: string | null;
    state: string;
  };

/** A node with its last heartbeat's facts, for the nodes page (admins); `toNodeDetail()` makes it. */
export type NodeDetailView =
  & Pick<
    Node,
    "name" | "status" | "address" | "version" | "last_heartbeat_at" | "cameras"
  >
  & {
    started_at: string | null;
    /** null when the node never reported it. */
    ffmpeg: Pick<FfmpegInfo, "available" | "version"> | null;
    usb_devices: string[];
    /** The same devices with names and formats, when the node sends them. */
    usb?: UsbDevice[];
    disk: DiskUsage | null;
    load: NodeLoad | null;
    camera_runtime: CameraRuntimeView[];
    /** When the node enrolled; null = not enrolled (reset, or never). Absent = unknown. */
    enrolled_at?: string | null;
  };

/** A node as the camera forms offer it: where a camera can run, and its USB devices. */
export type NodeChoice = Pick<Node, "name" | "status"> & {
  usb_devices: string[];
  /** Names and formats for the device picker; absent from older node agents. */
  usb?: UsbDevice[];
};

/** One recording session as the dashboard shows it (list entries and SSE events; most events carry no totals). */
export type RecordingView = Omit<EventRecording, "created_at" | "updated_at">;

/**
 * Data of the SSE event `recording` as islands handle it: the API's event
 * (lib/api/events.ts), its session seen through `RecordingView`.
 */
export type RecordingEvent = ApiRecordingEvent extends infer E
  ? E extends { recording: unknown }
    ? Omit<E, "recording"> & { recording: RecordingView }
  : E
  : never;

/** One page of `GET /api/recordings` as pages pass it on: `total` counts every match. */
export type RecordingsPageView = Omit<RecordingsPage, "recordings"> & {
  recordings: RecordingView[];
};

/** The recordings page's filters as the page URL carries them (`?camera&status&from&to&offset`). */
export interface RecordingFilters {
  camera: string;
  status: "" | RecordingView["status"];
  /** UTC days `YYYY-MM-DD`, inclusive; "" = open. */
  from: string;
  to: string;
}

/** A camera's recorded time on one UTC day (`GET /api/cameras/{id}/timeline`). */
export type TimelineView = Timeline;

/** A node's recordings storage (`GET /api/nodes/{name}/storage`). */
export type NodeStorageView = NodeStorage;

/** Runtime settings with defaults and descriptions (`GET /api/settings`). */
export type SettingsView = SettingsJson;

/** An agent as "Ask about this camera" offers it (`GET /api/agents`'s agents fit). */
export type AgentChoice = Pick<
  Agent,
  "id" | "name" | "slug" | "is_main" | "desired" | "status"
>;

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
  /**
   * The AI agents the user may list (admins), for "Ask about this camera"
   * (`/agents/ask`). Absent: this controller runs no agents (Settings then
   * shows no AI providers either).
   */
  listAgents?(user: WebUser): Promise<AgentChoice[]>;
}

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
