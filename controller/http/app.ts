/**
 * The controller's Hono app: security headers, health probes, the node
 * protocol (node token only), the /api surface behind one auth middleware
 * (public: status, login, setup), and the dashboard.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { ErrorBody } from "../../lib/errors.ts";
import type { Principal } from "../access/principal.ts";
import type { AuditLog } from "../audit/mod.ts";
import type { AuthService } from "../auth/service.ts";
import type { CameraService } from "../cameras/service.ts";
import type { Sql } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import { NodeClient } from "../nodes/client.ts";
import type { NodeService } from "../nodes/service.ts";
import type { SettingsService } from "../settings/service.ts";
import {
  type RecordingReconciler,
  RecordingService,
} from "../recordings/mod.ts";
import type { StreamHub } from "../streams/hub.ts";
import { auditApi } from "./api/audit.ts";
import { chatApi } from "./api/chat.ts";
import { agentTurnsApi } from "./internal/agent_turns.ts";
import type { ChatService } from "../chat/service.ts";
import type { TurnService } from "../chat/turns.ts";
import { authApi } from "./api/auth.ts";
import { camerasApi } from "./api/cameras.ts";
import { eventsApi } from "./api/events.ts";
import { nodesApi } from "./api/nodes.ts";
import { onvifApi } from "./api/onvif.ts";
import { openapiApi } from "./api/openapi.ts";
import { scanApi } from "./api/scan.ts";
import { ScanService } from "../scan/service.ts";
import { cameraRecordingsApi, recordingsApi } from "./api/recordings.ts";
import { FootageLimiter } from "../recordings/limits.ts";
import { settingsApi } from "./api/settings.ts";
import { streamsApi } from "./api/streams.ts";
import { StreamGuard } from "./middleware/stream_guard.ts";
import { tokensApi } from "./api/tokens.ts";
import { toolsApi } from "./api/tools.ts";
import { filesApi } from "./api/files.ts";
import type { ToolHub } from "../tools/hub.ts";
import type { FileStore } from "../files/store.ts";
import { usersApi } from "./api/users.ts";
import { nodeEventsApi } from "./internal/events.ts";
import { nodeProtocolApi } from "./internal/nodes.ts";
import {
  type AuthEnv,
  requireAuth,
  requireNodeCredential,
  resolveClientAddress,
} from "./middleware/auth.ts";
import { limitBody } from "./middleware/body_limit.ts";
import { errorResponse } from "./middleware/errors.ts";
import { securityHeaders } from "./middleware/security_headers.ts";
import { mountMetrics } from "./metrics.ts";
import {
  type AgentAuthDeps,
  requireAgentCredential,
  tryAgent,
} from "./middleware/agent_auth.ts";
import { agentsApi } from "./api/agents.ts";
import { providersApi } from "./api/providers.ts";
import type { AgentService } from "../agents/service.ts";
import type { ProviderService } from "../agents/providers.ts";
import { requestId } from "../../lib/request_context.ts";
import { httpMetrics, type Registry } from "../../lib/metrics/registry.ts";
import { logger } from "../../lib/log.ts";

export interface ControllerAppDeps {
  sql: Sql;
  cameras: CameraService;
  nodes: NodeService;
  streams: StreamHub;
  bus: EventBus;
  auth: AuthService;
  audit: AuditLog;
  /** Runtime settings (controller/settings), for /api/settings. */
  settings: SettingsService;
  /** Join token: exchanged once by each node agent for its own secret. */
  joinToken: string;
  /** The node agents' API; made from `nodes` when not given. */
  nodeClient?: NodeClient;
  snapshot: (cameraId: string, signal?: AbortSignal) => Promise<Uint8Array>;
  /** "Test connection" for a camera source (controller/cameras/probe.ts). */
  probe: (
    p: Principal,
    body: unknown,
    signal?: AbortSignal,
  ) => Promise<unknown>;
  /** Recordings; made from the services above when not given. */
  recordings?: RecordingService;
  /** The recordings reconcile job, for POST /api/recordings/reconcile. */
  reconciler?: RecordingReconciler;
  version: string;
  /** CSP hashes of inline style blocks the dashboard renders. */
  styleHashes?: string[];
  /** Use X-Forwarded-For / X-Forwarded-Proto (only behind a trusted reverse proxy). */
  trustProxy?: boolean;
  /** Footage joins (playback/download) one user may have in preparation at once. @default 2 */
  footageJobsPerUser?: number;
  /** Reverse proxies in front (the client is this many X-Forwarded-For entries from the right). @default 1 */
  trustedProxyHops?: number;
  /** Largest accepted API request body. @default 1 MiB */
  maxBodyBytes?: number;
  /** Live streams end after this long (then reconnect, re-checked). @default 15 min */
  streamMaxLifetimeMs?: number;
  /** Mounts the dashboard (routes/, islands/, assets). */
  mountWeb?: (app: Hono<AuthEnv>) => void;
  /** Prometheus: the registry behind GET /metrics and the scrapers' token. */
  metrics?: { registry: Registry; token?: string };
  /** AI agents (controller/agents): /api/agents, /api/providers, agent credentials, the gateway. */
  agents?: {
    service: AgentService;
    providers: ProviderService;
    auth: AgentAuthDeps;
    /** The provider gateway, routes under /internal/v1/agents. */
    gateway: Hono<AuthEnv>;
  };
  /** Chat (controller/chat): /api/chat and, with `agentAuth`, the agent turn endpoints. */
  chat?: ChatService;
  turns?: TurnService;
  /** Sets the agent principal (with its credential generation) on /internal/v1/agents/*. */
  agentAuth?: MiddlewareHandler<AuthEnv>;
  /** The agents' tool hub (/api/tools) and files area (/api/files). */
  tools?: ToolHub;
  files?: FileStore;
}

/** The one /api route agent processes call with their own credential. */
export const AGENT_API = "/api/tools/execute";

/** /api routes reachable without credentials. */
export const PUBLIC_API = new Set([
  "/api/auth/status",
  "/api/auth/login",
  "/api/auth/setup",
]);

export function createControllerApp(deps: ControllerAppDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const trustProxy = deps.trustProxy ?? false;
  const guard = new StreamGuard({
    bus: deps.bus,
    auth: deps.auth,
    maxLifetimeMs: deps.streamMaxLifetimeMs,
  });
  app.onError(errorResponse);
  // First: the request id scopes every log line of the request, errors included.
  app.use("*", requestId({ log: logger("http") }));
  if (deps.metrics) app.use("*", httpMetrics(deps.metrics.registry));
  app.use("*", securityHeaders({ styleHashes: deps.styleHashes }));
  app.use(
    "*",
    resolveClientAddress({ trustProxy, hops: deps.trustedProxyHops ?? 1 }),
  );
  if (deps.metrics) {
    mountMetrics(app, { ...deps.metrics, auth: deps.auth });
  }

  app.get("/healthz", (c) => c.json({ status: "ok", version: deps.version }));
  app.get("/readyz", async (c) => {
    try {
      await deps.sql`select 1`;
      return c.json({ status: "ready" });
    } catch {
      const body: ErrorBody = {
        error: { code: "unavailable", message: "database is not reachable" },
      };
      return c.json(body, 503);
    }
  });

  const limit = limitBody(deps.maxBodyBytes ?? 1024 * 1024);
  const nodeCredential = requireNodeCredential({
    joinToken: deps.joinToken,
    authenticate: (secret) => deps.nodes.authenticate(secret),
  });
  // Agent processes have credentials of their own (below), never a node's.
  const agentPaths = /^\/internal\/v1\/agents(\/|$)/;
  app.use("/internal/*", async (c, next) => {
    if (agentPaths.test(c.req.path)) return await next();
    return await limit(c, async () => {
      await nodeCredential(c as never, next);
    });
  });
  if (deps.agents) {
    const agentLimit = limitBody(4 * 1024 * 1024);
    app.use(
      "/internal/v1/agents/*",
      requireAgentCredential(deps.agents.auth),
      async (c, next) =>
        // The gateway caps model requests itself (images make them large).
        /^\/internal\/v1\/agents\/[^/]+\/llm\//.test(c.req.path)
          ? await next()
          : await agentLimit(c, next),
    );
    app.route("/internal/v1/agents", deps.agents.gateway);
  }
  app.route("/internal/v1/nodes", nodeProtocolApi(deps.nodes));
  const client = deps.nodeClient ??
    new NodeClient({ nodes: deps.nodes });
  const recordings = deps.recordings ?? new RecordingService({
    sql: deps.sql,
    bus: deps.bus,
    cameras: deps.cameras,
    nodes: deps.nodes,
    client,
  });
  app.route("/internal/v1/nodes", nodeEventsApi(recordings));
  if (deps.turns && deps.agentAuth) {
    // The turn endpoints need the credential's generation; the gateway's
    // paths (x-api-key from the Anthropic SDK) have agents-core's check only.
    app.use("/internal/v1/agents/:id/turns/*", deps.agentAuth);
    app.route("/internal/v1/agents", agentTurnsApi(deps.turns));
  }

  const authenticated = requireAuth(deps.auth);
  const agentAuth = deps.agents?.auth;
  app.use("/api/*", limit, async (c, next) => {
    if (PUBLIC_API.has(c.req.path)) return await next();
    // An agent's credential; anyone else is authenticated as a user, and
    // the route's `agent` access refuses them with 403.
    if (agentAuth && c.req.path === AGENT_API && await tryAgent(c, agentAuth)) {
      return await next();
    }
    return await authenticated(c, next);
  });
  app.route("/api/auth", authApi(deps.auth, { trustProxy }));
  app.route("/api/users", usersApi(deps.auth, { trustProxy }));
  app.route("/api/tokens", tokensApi(deps.auth, { trustProxy }));
  app.route("/api/audit", auditApi(deps.audit));
  // Before camerasApi: /api/cameras/onvif/… is not a camera id.
  app.route(
    "/api/cameras",
    onvifApi({
      cameras: deps.cameras,
      nodes: deps.nodes,
      client,
      auth: deps.auth,
    }),
  );
  app.route(
    "/api/cameras",
    camerasApi({
      cameras: deps.cameras,
      streams: deps.streams,
      snapshot: deps.snapshot,
      probe: deps.probe,
      auth: deps.auth,
      audit: deps.audit,
      trustProxy,
      guard,
    }),
  );
  // One limiter for both mounts: playback and download share a user's slots.
  const recordingDeps = {
    footage: new FootageLimiter(deps.footageJobsPerUser),
    recordings,
    reconciler: deps.reconciler,
    cameras: deps.cameras,
    auth: deps.auth,
    audit: deps.audit,
    trustProxy,
    sql: deps.sql,
  };
  app.route("/api/cameras", cameraRecordingsApi(recordingDeps));
  app.route("/api/recordings", recordingsApi(recordingDeps));
  // Before nodesApi: /api/nodes/scan/… is not a node's name.
  app.route(
    "/api/nodes/scan",
    scanApi({
      scans: new ScanService({
        nodes: deps.nodes,
        cameras: deps.cameras,
        client,
        allowPrivateTargets: deps.cameras.allowsPrivateTargets,
      }),
      audit: deps.audit,
      trustProxy,
    }),
  );
  app.route(
    "/api/nodes",
    nodesApi(deps.nodes, {
      client,
      cameras: deps.cameras,
      audit: deps.audit,
      trustProxy,
    }),
  );
  app.route("/api/events", eventsApi(deps.bus, { guard }));
  if (deps.chat) app.route("/api/chat", chatApi(deps.chat, { guard }));
  app.route(
    "/api/settings",
    settingsApi({ settings: deps.settings, audit: deps.audit, trustProxy }),
  );
  if (deps.agents) {
    const agentDeps = { audit: deps.audit, trustProxy };
    app.route(
      "/api/agents",
      agentsApi({ agents: deps.agents.service, ...agentDeps }),
    );
    app.route(
      "/api/providers",
      providersApi({ providers: deps.agents.providers, ...agentDeps }),
    );
  }
  // Viewers may only multiplex the cameras granted to them (checked there).
  app.route("/api/streams", streamsApi({ ...deps, guard }));
  if (deps.tools) app.route("/api/tools", toolsApi(deps.tools));
  if (deps.files) app.route("/api/files", filesApi(deps.files));
  app.route("/api", openapiApi(deps.version));
  app.all("/api/*", (c) => {
    const body: ErrorBody = {
      error: {
        code: "not_found",
        message: `No API route ${c.req.method} ${c.req.path}`,
      },
    };
    return c.json(body, 404);
  });

  deps.mountWeb?.(app);
  return app;
}
