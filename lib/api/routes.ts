/**
 * Every `/api` route as data: method, path, summary, who may call it, and
 * the schemas of its path parameters, query, body and answers. The
 * controller mounts each handler with its entry (controller/http/api/
 * registry.ts validates requests with exactly these schemas), the OpenAPI
 * document is generated from this table (openapi.ts), and a test checks the
 * table against the routes the Hono app really registers.
 *
 * Pure data and browser-safe: the dashboard's API page and the coming CLI
 * read it too.
 */
import { z } from "zod";
import { auditPageSchema, auditQuery } from "./audit.ts";
import {
  cameraDeletedSchema,
  cameraListQuery,
  cameraListSchema,
  cameraProbeRequestSchema,
  cameraProbeResultSchema,
  cameraSchema,
  createCameraSchema,
  onvifInspectBodySchema,
  onvifInspectionSchema,
  ptzBodySchema,
  ptzOkSchema,
  ptzPresetsSchema,
  updateCameraSchema,
} from "./cameras.ts";
import {
  agentListSchema,
  agentSchema,
  createAgentSchema,
  providerCheckResultSchema,
  providerCheckSchema,
  providerConfigSchema,
  providerListSchema,
  providerParams,
  setAgentToolsSchema,
  updateAgentSchema,
  updateProviderSchema,
} from "./agents.ts";
import {
  agentIdParams,
  chatSendSchema,
  chatSentSchema,
  historyQuery,
  historySchema,
  newSessionSchema,
  sessionListSchema,
  sessionParams,
  turnParams,
  turnSchema,
} from "./chat.ts";
import { idParams, messageSchema } from "./common.ts";
import {
  nodeListSchema,
  nodeParams,
  nodeSchema,
  nodeStorageSchema,
  nodeUsbDevicesSchema,
  scanBodySchema,
  scanResponseSchema,
} from "./nodes.ts";
import {
  footageQuery,
  keepSchema,
  playbackQuery,
  reconcileReportSchema,
  recordingDeletedSchema,
  recordingDetailSchema,
  recordingListQuery,
  recordingSchema,
  recordingsPageSchema,
  recordingStatusAnswerSchema,
  renditionPendingSchema,
  sessionSchema,
  timelineQuery,
  timelineSchema,
} from "./recordings.ts";
import { settingsPatchSchema, settingsViewSchema } from "./settings.ts";
import { streamsLiveQuery } from "./streams.ts";
import {
  toolExecuteSchema,
  toolListSchema,
  toolResultSchema,
} from "./tools.ts";
import {
  createdTokenSchema,
  createTokenSchema,
  revokeAllTokensSchema,
  tokenListSchema,
} from "./tokens.ts";
import {
  authStatusSchema,
  createUserSchema,
  credentialsChangedSchema,
  credentialsSchema,
  loginSchema,
  resetPasswordSchema,
  sessionInfoSchema,
  setupSchema,
  signInSchema,
  updateUserSchema,
  userListSchema,
  userSchema,
} from "./users.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Who may call a route: `public` anyone; `user` any signed-in user or token
 * (viewers only for the cameras granted to them); `admin` the admin role.
 * `agent` an agent process's own credential, nothing else.
 * Read-only tokens may only read (GET) whatever the route.
 */
export type Access = "public" | "user" | "admin" | "agent";

export interface ApiResponse {
  description: string;
  /** A JSON body of this shape. */
  schema?: z.ZodType;
  /** A non-JSON body (`image/jpeg`, `video/mp4`, …); described, not schema-checked. */
  contentType?: string;
}

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI path, e.g. `/api/cameras/{id}`. */
  path: string;
  /** The resource group (the OpenAPI tag and the API page's section). */
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status → answer. Error answers (`{error: {code, message}}`) are added by openapi.ts. */
  responses: Record<number, ApiResponse>;
}

const json = (description: string, schema: z.ZodType): ApiResponse => ({
  description,
  schema,
});

/** The resource groups in the order the document and the API page show them. */
export const API_TAGS = [
  { name: "auth", description: "Sign-in, first-run setup, the own password" },
  { name: "cameras", description: "Cameras, live view, snapshots, PTZ" },
  { name: "recordings", description: "Recordings, playback, downloads" },
  {
    name: "nodes",
    description: "Node agents, their storage and devices; camera scan",
  },
  { name: "settings", description: "Runtime settings (admins)" },
  { name: "users", description: "Accounts, roles and camera grants (admins)" },
  { name: "tokens", description: "API tokens for the CLI and scripts" },
  { name: "audit", description: "The security audit log (admins)" },
  { name: "events", description: "Live updates over Server-Sent Events" },
  {
    name: "agents",
    description: "AI agents, their tools and the shared AI providers (admins)",
  },
  { name: "chat", description: "Chat with an agent: sessions, turns, history" },
  { name: "tools", description: "The tool hub agents call" },
  { name: "meta", description: "This document" },
] as const;

/** Every /api route, by resource. */
export const API = {
  auth: {
    status: {
      method: "GET",
      path: "/api/auth/status",
      tag: "auth",
      summary: "Whether setup is needed and who is signed in",
      access: "public",
      responses: { 200: json("The status", authStatusSchema) },
    },
    setup: {
      method: "POST",
      path: "/api/auth/setup",
      tag: "auth",
      summary: "Create the first admin with the one-time setup token",
      description: "Only while no account exists; sets the session cookie.",
      access: "public",
      body: setupSchema,
      responses: { 201: json("Signed in as the new admin", signInSchema) },
    },
    login: {
      method: "POST",
      path: "/api/auth/login",
      tag: "auth",
      summary: "Sign in; sets the session cookie",
      description: "Rate-limited per account and per address.",
      access: "public",
      body: loginSchema,
      responses: { 200: json("Signed in", signInSchema) },
    },
    logout: {
      method: "POST",
      path: "/api/auth/logout",
      tag: "auth",
      summary: "Sign out (ends this session)",
      access: "user",
      responses: { 200: json("Signed out", messageSchema) },
    },
    session: {
      method: "GET",
      path: "/api/auth/session",
      tag: "auth",
      summary: "The signed-in user, the CSRF token and the credential's kind",
      access: "user",
      responses: { 200: json("The session", sessionInfoSchema) },
    },
    credentials: {
      method: "PATCH",
      path: "/api/auth/credentials",
      tag: "auth",
      summary: "Change the own password; other sessions are signed out",
      access: "user",
      body: credentialsSchema,
      responses: { 200: json("Changed", credentialsChangedSchema) },
    },
  },
  users: {
    list: {
      method: "GET",
      path: "/api/users",
      tag: "users",
      summary: "List accounts",
      access: "admin",
      responses: { 200: json("The accounts", userListSchema) },
    },
    create: {
      method: "POST",
      path: "/api/users",
      tag: "users",
      summary: "Create an account",
      access: "admin",
      body: createUserSchema,
      responses: { 201: json("The new account", userSchema) },
    },
    get: {
      method: "GET",
      path: "/api/users/{id}",
      tag: "users",
      summary: "One account",
      access: "admin",
      params: idParams,
      responses: { 200: json("The account", userSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/users/{id}",
      tag: "users",
      summary: "Change an account's role or camera grants",
      access: "admin",
      params: idParams,
      body: updateUserSchema,
      responses: { 200: json("The account", userSchema) },
    },
    delete: {
      method: "DELETE",
      path: "/api/users/{id}",
      tag: "users",
      summary: "Remove an account (not the last admin)",
      access: "admin",
      params: idParams,
      responses: { 200: json("Removed", messageSchema) },
    },
    resetPassword: {
      method: "POST",
      path: "/api/users/{id}/reset-password",
      tag: "users",
      summary: "Set a new password for an account; its sessions end",
      access: "admin",
      params: idParams,
      body: resetPasswordSchema,
      responses: { 200: json("Reset", messageSchema) },
    },
  },
  tokens: {
    list: {
      method: "GET",
      path: "/api/tokens",
      tag: "tokens",
      summary: "List API tokens (admins: all; others: their own)",
      access: "user",
      responses: { 200: json("The tokens", tokenListSchema) },
    },
    create: {
      method: "POST",
      path: "/api/tokens",
      tag: "tokens",
      summary: "Make an API token; the secret is shown only in this answer",
      access: "user",
      body: createTokenSchema,
      responses: {
        201: json("The new token with its secret", createdTokenSchema),
      },
    },
    revokeAll: {
      method: "POST",
      path: "/api/tokens/revoke-all",
      tag: "tokens",
      summary: "Revoke every token of a user (your own; admins: anyone's)",
      access: "user",
      body: revokeAllTokensSchema,
      responses: {
        200: json(
          "How many were revoked",
          z.object({
            message: z.string(),
            revoked: z.number(),
            user_id: z.string(),
          }),
        ),
      },
    },
    revoke: {
      method: "DELETE",
      path: "/api/tokens/{id}",
      tag: "tokens",
      summary: "Revoke a token",
      access: "user",
      params: idParams,
      responses: { 200: json("Revoked", messageSchema) },
    },
  },
  audit: {
    list: {
      method: "GET",
      path: "/api/audit",
      tag: "audit",
      summary: "Audit entries, newest first",
      access: "admin",
      query: auditQuery,
      responses: { 200: json("A page of entries", auditPageSchema) },
    },
  },
  cameras: {
    list: {
      method: "GET",
      path: "/api/cameras",
      tag: "cameras",
      summary: "List the cameras the caller may see",
      access: "user",
      query: cameraListQuery,
      responses: { 200: json("The cameras", cameraListSchema) },
    },
    create: {
      method: "POST",
      path: "/api/cameras",
      tag: "cameras",
      summary: "Add a camera",
      description:
        "The source rules per protocol (URL schemes, usb needs node_name) are checked after the shape; errors name the field.",
      access: "admin",
      body: createCameraSchema,
      responses: { 201: json("The new camera", cameraSchema) },
    },
    probe: {
      method: "POST",
      path: "/api/cameras/probe",
      tag: "cameras",
      summary: "Test connection: open a source once on its node before saving",
      access: "admin",
      body: cameraProbeRequestSchema,
      responses: {
        200: json("What the source carries", cameraProbeResultSchema),
      },
    },
    onvifInspect: {
      method: "POST",
      path: "/api/cameras/onvif/inspect",
      tag: "cameras",
      summary:
        "Find profiles: device info, media profiles and PTZ of an ONVIF camera",
      access: "admin",
      body: onvifInspectBodySchema,
      responses: {
        200: json("The device and its profiles", onvifInspectionSchema),
      },
    },
    get: {
      method: "GET",
      path: "/api/cameras/{id}",
      tag: "cameras",
      summary: "One camera",
      access: "user",
      params: idParams,
      responses: { 200: json("The camera", cameraSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/cameras/{id}",
      tag: "cameras",
      summary: "Change a camera",
      access: "admin",
      params: idParams,
      body: updateCameraSchema,
      responses: { 200: json("The camera", cameraSchema) },
    },
    delete: {
      method: "DELETE",
      path: "/api/cameras/{id}",
      tag: "cameras",
      summary: "Delete a camera (its recordings stay)",
      access: "admin",
      params: idParams,
      responses: { 200: json("Deleted", cameraDeletedSchema) },
    },
    stream: {
      method: "GET",
      path: "/api/cameras/{id}/stream",
      tag: "cameras",
      summary: "Live view as MJPEG",
      access: "user",
      params: idParams,
      responses: {
        200: {
          description: "multipart MJPEG, one part per frame",
          contentType: "multipart/x-mixed-replace",
        },
      },
    },
    snapshot: {
      method: "GET",
      path: "/api/cameras/{id}/snapshot",
      tag: "cameras",
      summary: "The latest frame as JPEG",
      access: "user",
      params: idParams,
      responses: { 200: { description: "A JPEG", contentType: "image/jpeg" } },
    },
    ptz: {
      method: "POST",
      path: "/api/cameras/{id}/ptz",
      tag: "cameras",
      summary: "Move, stop, zoom or go to a preset (ONVIF cameras)",
      access: "admin",
      params: idParams,
      body: ptzBodySchema,
      responses: { 200: json("Done", ptzOkSchema) },
    },
    ptzPresets: {
      method: "GET",
      path: "/api/cameras/{id}/ptz/presets",
      tag: "cameras",
      summary: "The camera's PTZ presets",
      access: "user",
      params: idParams,
      responses: { 200: json("The presets", ptzPresetsSchema) },
    },
    recordingStart: {
      method: "POST",
      path: "/api/cameras/{id}/recording/start",
      tag: "recordings",
      summary: "Start a manual recording",
      access: "admin",
      params: idParams,
      responses: { 200: json("The recording session", sessionSchema) },
    },
    recordingStop: {
      method: "POST",
      path: "/api/cameras/{id}/recording/stop",
      tag: "recordings",
      summary: "Stop the manual recording",
      access: "admin",
      params: idParams,
      responses: { 200: json("The ended session", sessionSchema) },
    },
    recordingStatus: {
      method: "GET",
      path: "/api/cameras/{id}/recording/status",
      tag: "recordings",
      summary: "Whether the camera records now, and its mode",
      access: "user",
      params: idParams,
      responses: { 200: json("The status", recordingStatusAnswerSchema) },
    },
    playback: {
      method: "GET",
      path: "/api/cameras/{id}/playback",
      tag: "recordings",
      summary: "Footage of a time range (at most 24 h) as one MP4, with Range",
      access: "user",
      params: idParams,
      query: playbackQuery,
      responses: {
        200: { description: "MP4 footage", contentType: "video/mp4" },
        202: json(
          "format=web: the browser rendition is being made",
          renditionPendingSchema,
        ),
      },
    },
    timeline: {
      method: "GET",
      path: "/api/cameras/{id}/timeline",
      tag: "recordings",
      summary: "Recorded spans of one UTC day",
      access: "user",
      params: idParams,
      query: timelineQuery,
      responses: { 200: json("The spans", timelineSchema) },
    },
  },
  recordings: {
    list: {
      method: "GET",
      path: "/api/recordings",
      tag: "recordings",
      summary: "Recordings the caller may see, newest first",
      access: "user",
      query: recordingListQuery,
      responses: { 200: json("A page of recordings", recordingsPageSchema) },
    },
    reconcile: {
      method: "POST",
      path: "/api/recordings/reconcile",
      tag: "recordings",
      summary: "Run the reconcile job now (rows against node files)",
      access: "admin",
      responses: { 200: json("What the pass did", reconcileReportSchema) },
    },
    get: {
      method: "GET",
      path: "/api/recordings/{id}",
      tag: "recordings",
      summary: "One recording with its segments",
      access: "user",
      params: idParams,
      responses: { 200: json("The recording", recordingDetailSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/recordings/{id}",
      tag: "recordings",
      summary: "Keep a recording (retention never deletes it) or release it",
      access: "admin",
      params: idParams,
      body: keepSchema,
      responses: { 200: json("The recording", recordingSchema) },
    },
    delete: {
      method: "DELETE",
      path: "/api/recordings/{id}",
      tag: "recordings",
      summary: "Delete a recording's files on its node, then the recording",
      access: "admin",
      params: idParams,
      responses: { 200: json("Deleted", recordingDeletedSchema) },
    },
    download: {
      method: "GET",
      path: "/api/recordings/{id}/download",
      tag: "recordings",
      summary: "The recording as one MP4 (attachment, Range)",
      access: "user",
      params: idParams,
      query: footageQuery,
      responses: {
        200: { description: "MP4 file", contentType: "video/mp4" },
        202: json(
          "format=web: the browser rendition is being made",
          renditionPendingSchema,
        ),
      },
    },
  },
  nodes: {
    list: {
      method: "GET",
      path: "/api/nodes",
      tag: "nodes",
      summary: "The node agents and their last heartbeat",
      access: "admin",
      responses: { 200: json("The nodes", nodeListSchema) },
    },
    scan: {
      method: "POST",
      path: "/api/nodes/scan/cameras",
      tag: "nodes",
      summary: "Scan for cameras from the node agents (USB, ONVIF, a subnet)",
      description:
        "Give at least one of usb: true, onvif: true and subnet. A POST: it sends packets into the network (CSRF rules apply, read-only tokens are refused). Audited.",
      access: "admin",
      body: scanBodySchema,
      responses: {
        200: json("Findings merged over the nodes", scanResponseSchema),
      },
    },
    get: {
      method: "GET",
      path: "/api/nodes/{name}",
      tag: "nodes",
      summary: "One node",
      access: "admin",
      params: nodeParams,
      responses: { 200: json("The node", nodeSchema) },
    },
    resetEnrolment: {
      method: "DELETE",
      path: "/api/nodes/{name}/enrolment",
      tag: "nodes",
      summary:
        "Forget a node's credential: its secret stops working at once and it enrols again with the join token",
      description: "For a reinstalled or moved node. Audited.",
      access: "admin",
      params: nodeParams,
      responses: {
        200: json("The node, now not enrolled", nodeSchema.nullable()),
      },
    },
    usbDevices: {
      method: "GET",
      path: "/api/nodes/{name}/devices/usb",
      tag: "nodes",
      summary: "The node's USB video devices with formats (last heartbeat)",
      access: "admin",
      params: nodeParams,
      responses: { 200: json("The devices", nodeUsbDevicesSchema) },
    },
    storage: {
      method: "GET",
      path: "/api/nodes/{name}/storage",
      tag: "nodes",
      summary: "The node's recordings storage, asked of the node now",
      access: "admin",
      params: nodeParams,
      responses: { 200: json("Disk and per-camera use", nodeStorageSchema) },
    },
  },
  settings: {
    get: {
      method: "GET",
      path: "/api/settings",
      tag: "settings",
      summary: "Runtime settings with defaults and descriptions",
      access: "admin",
      responses: { 200: json("The settings", settingsViewSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/settings",
      tag: "settings",
      summary: "Change any settings; in effect before the answer",
      access: "admin",
      body: settingsPatchSchema,
      responses: {
        200: json("The settings after the change", settingsViewSchema),
      },
    },
  },
  events: {
    stream: {
      method: "GET",
      path: "/api/events",
      tag: "events",
      summary: "Live updates: camera, node, recording and settings events",
      description:
        "Server-Sent Events; each event's data is the JSON of its kind (lib/api/events.ts): camera, recording (viewers: their cameras only), node and settings (admins).",
      access: "user",
      responses: {
        200: {
          description: "An event stream",
          contentType: "text/event-stream",
        },
      },
    },
    live: {
      method: "GET",
      path: "/api/streams/live",
      tag: "cameras",
      summary:
        "Live frames of several cameras over one multipart response (the grid)",
      access: "user",
      query: streamsLiveQuery,
      responses: {
        200: {
          description: "multipart, each part names its camera",
          contentType: "multipart/mixed",
        },
      },
    },
  },
  agents: {
    list: {
      method: "GET",
      path: "/api/agents",
      tag: "agents",
      summary: "List agents with their process status and today's token usage",
      access: "admin",
      responses: { 200: json("The agents", agentListSchema) },
    },
    create: {
      method: "POST",
      path: "/api/agents",
      tag: "agents",
      summary: "Create an agent (stopped); the key is write-only",
      access: "admin",
      body: createAgentSchema,
      responses: { 201: json("The new agent", agentSchema) },
    },
    get: {
      method: "GET",
      path: "/api/agents/{id}",
      tag: "agents",
      summary: "One agent",
      access: "admin",
      params: idParams,
      responses: { 200: json("The agent", agentSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/agents/{id}",
      tag: "agents",
      summary: "Change an agent (not its slug); the next turn uses the change",
      access: "admin",
      params: idParams,
      body: updateAgentSchema,
      responses: { 200: json("The agent", agentSchema) },
    },
    delete: {
      method: "DELETE",
      path: "/api/agents/{id}",
      tag: "agents",
      summary: "Stop and remove an agent and its chats (not the main agent)",
      access: "admin",
      params: idParams,
      responses: { 200: json("Removed", messageSchema) },
    },
    start: {
      method: "POST",
      path: "/api/agents/{id}/start",
      tag: "agents",
      summary: "Start the agent's process",
      access: "admin",
      params: idParams,
      responses: { 200: json("The agent", agentSchema) },
    },
    stop: {
      method: "POST",
      path: "/api/agents/{id}/stop",
      tag: "agents",
      summary: "Stop the agent's process; a running turn ends as interrupted",
      access: "admin",
      params: idParams,
      responses: { 200: json("The agent", agentSchema) },
    },
    restart: {
      method: "POST",
      path: "/api/agents/{id}/restart",
      tag: "agents",
      summary: "Restart the agent's process (a new credential)",
      access: "admin",
      params: idParams,
      responses: { 200: json("The agent", agentSchema) },
    },
    tools: {
      method: "GET",
      path: "/api/agents/{id}/tools",
      tag: "agents",
      summary: "The tools the agent may call",
      access: "admin",
      params: idParams,
      responses: { 200: json("Its tools", toolListSchema) },
    },
    setTools: {
      method: "PUT",
      path: "/api/agents/{id}/tools",
      tag: "agents",
      summary: "Set the tools the agent may call",
      access: "admin",
      params: idParams,
      body: setAgentToolsSchema,
      responses: { 200: json("Its tools", toolListSchema) },
    },
  },
  providers: {
    list: {
      method: "GET",
      path: "/api/providers",
      tag: "agents",
      summary: "The shared AI providers (keys are never shown)",
      access: "admin",
      responses: { 200: json("The providers", providerListSchema) },
    },
    update: {
      method: "PATCH",
      path: "/api/providers/{provider}",
      tag: "agents",
      summary: "Set a shared provider's key or base URL",
      access: "admin",
      params: providerParams,
      body: updateProviderSchema,
      responses: { 200: json("The provider", providerConfigSchema) },
    },
    check: {
      method: "POST",
      path: "/api/providers/check",
      tag: "agents",
      summary: "Check a provider's key and base URL by listing its models",
      access: "admin",
      body: providerCheckSchema,
      responses: { 200: json("The models", providerCheckResultSchema) },
    },
  },
  tools: {
    list: {
      method: "GET",
      path: "/api/tools",
      tag: "tools",
      summary: "Every tool with its description and argument schema",
      access: "user",
      responses: { 200: json("The tools", toolListSchema) },
    },
    execute: {
      method: "POST",
      path: "/api/tools/execute",
      tag: "tools",
      summary: "Run a tool as the calling agent (agent credentials only)",
      description:
        "Arguments are checked with the tool's schema (400 naming the field); the tool runs with the agent's camera grants, a timeout (504) and a cap on its answer. A failing tool answers an error status.",
      access: "agent",
      body: toolExecuteSchema,
      responses: { 200: json("The tool's answer", toolResultSchema) },
    },
  },
  files: {
    read: {
      method: "GET",
      path: "/api/files/read/{path}",
      tag: "agents",
      summary: "A file of the agents' file area (snapshots, frames, media)",
      description:
        "The path is relative to the files root; `..`, absolute paths and links leading out are refused. Range requests are served.",
      access: "admin",
      params: z.object({ path: z.string().min(1).max(1000) }),
      responses: {
        200: {
          description: "The file",
          contentType: "application/octet-stream",
        },
      },
    },
  },
  chat: {
    send: {
      method: "POST",
      path: "/api/chat/{agent_id}/send",
      tag: "chat",
      summary: "Send a message; the answer streams on the session's events",
      description:
        "Queues a turn (202). One turn runs at a time per session; a second message while one runs is refused with 409.",
      access: "admin",
      params: agentIdParams,
      body: chatSendSchema,
      responses: { 202: json("The queued turn", chatSentSchema) },
    },
    history: {
      method: "GET",
      path: "/api/chat/{agent_id}/history",
      tag: "chat",
      summary: "Messages of a session (default: the latest), oldest first",
      access: "admin",
      params: agentIdParams,
      query: historyQuery,
      responses: { 200: json("The messages", historySchema) },
    },
    sessions: {
      method: "GET",
      path: "/api/chat/{agent_id}/sessions",
      tag: "chat",
      summary: "The agent's chat sessions, newest first",
      access: "admin",
      params: agentIdParams,
      responses: { 200: json("The sessions", sessionListSchema) },
    },
    newSession: {
      method: "POST",
      path: "/api/chat/{agent_id}/sessions/new",
      tag: "chat",
      summary: "Start a new session",
      access: "admin",
      params: agentIdParams,
      responses: { 201: json("The session", newSessionSchema) },
    },
    events: {
      method: "GET",
      path: "/api/chat/{agent_id}/sessions/{session_id}/events",
      tag: "chat",
      summary:
        "A session's live events: turn, token, tool_start, tool_end, message",
      description:
        "Server-Sent Events; each event's data is the JSON of its kind (lib/api/chat.ts CHAT_SSE_EVENTS).",
      access: "admin",
      params: sessionParams,
      responses: {
        200: {
          description: "An event stream",
          contentType: "text/event-stream",
        },
      },
    },
    turn: {
      method: "GET",
      path: "/api/chat/{agent_id}/turns/{turn_id}",
      tag: "chat",
      summary: "One turn: state, error, token usage and tool trace",
      access: "admin",
      params: turnParams,
      responses: { 200: json("The turn", turnSchema) },
    },
  },
  meta: {
    openapi: {
      method: "GET",
      path: "/api/openapi.json",
      tag: "meta",
      summary: "This API as an OpenAPI 3.1 document",
      access: "user",
      responses: {
        200: {
          description: "The OpenAPI document",
          contentType: "application/json",
        },
      },
    },
  },
} as const satisfies Record<string, Record<string, ApiRoute>>;

/** Every route of the table, in order. */
export const API_ROUTES: readonly ApiRoute[] = Object.values(API).flatMap((
  group,
) => Object.values(group) as ApiRoute[]);
