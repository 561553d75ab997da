/**
 * Starts the controller: database (+ migrations), secret box, services, HTTP
 * server. Returns a handle whose close() stops everything it started.
 */
import { AppError } from "../lib/errors.ts";
import { errorMessage, logger } from "../lib/log.ts";
import { CameraService } from "./cameras/service.ts";
import { cameraFor } from "./cameras/view.ts";
import { probeCamera } from "./cameras/probe.ts";
import type { ControllerConfig } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrate } from "./db/migrate.ts";
import { EventBus } from "./events/bus.ts";
import { createControllerApp } from "./http/app.ts";
import { AuditLog } from "./audit/mod.ts";
import { type AuthOptions, AuthService } from "./auth/service.ts";
import { principalFromRequest } from "./http/middleware/auth.ts";
import { toWebUser } from "./web/auth_glue.ts";
import type { WebUser } from "./web/types.ts";
import { decide } from "./access/policy.ts";
import { styleHash } from "./web/render.ts";
import { NodeClient } from "./nodes/client.ts";
import { NodeService } from "./nodes/service.ts";
import {
  parseListQuery,
  RecordingReconciler,
  RecordingService,
} from "./recordings/mod.ts";
import { cameraTimeline } from "./recordings/timeline.ts";
import { openSessionsOf } from "./db/recordings.ts";
import { loadSecretKey, SecretBox } from "./secrets/secret_box.ts";
import { SettingsService } from "./settings/service.ts";
import { StreamHub } from "./streams/hub.ts";
import { VERSION } from "../lib/version.ts";
import { loadOrCreateToken } from "./secrets/token_file.ts";
import { loadIslandAssets } from "./web/assets.ts";
import { JobRunner } from "./jobs/runner.ts";
import { ChatHub, ChatService, TurnNotifier, TurnService } from "./chat/mod.ts";
import {
  agentConfigFromTable,
  agentCredentialFromTable,
} from "./chat/standins.ts";
import { requireAgentCredential } from "./http/internal/agent_turns.ts";
import {
  type ControllerMetrics,
  createControllerMetrics,
} from "./metrics/mod.ts";
import { currentRequestId } from "../lib/request_context.ts";
import { type Clock, realClock } from "../lib/time/clock.ts";
import { plainHttpWarning } from "../lib/transport.ts";
import { mountDashboard } from "./web/mod.ts";
import { AgentService, type ToolCatalog } from "./agents/service.ts";
import { ProviderService } from "./agents/providers.ts";
import { AgentCredentials } from "./agents/credentials.ts";
import { LocalLauncher } from "./agents/local_launcher.ts";
import type { Launcher } from "./agents/launcher.ts";
import { AgentSupervisor } from "./agents/supervisor.ts";
import { gatewayApi } from "./agents/gateway.ts";
import { type AgentHooks, providerSettings } from "./agents/mod.ts";
import { selfCommand } from "../lib/self_args.ts";
import { FileStore } from "./files/store.ts";
import { ToolHub } from "./tools/hub.ts";
import {
  actionsOf as toolActionsOf,
  hasTool,
  toolInfos,
} from "./tools/registry.ts";
// The composition root gives the framework (web/) its pages.
import { manifest as routes } from "../routes/_manifest.ts";

const log = logger("controller");

export interface Controller {
  url: string;
  port: number;
  /** Join token node agents exchange once for their own secret (FALCON_NODE_TOKEN). */
  joinToken: string;
  db: Database;
  cameras: CameraService;
  nodes: NodeService;
  streams: StreamHub;
  bus: EventBus;
  auth: AuthService;
  audit: AuditLog;
  recordings: RecordingService;
  reconciler: RecordingReconciler;
  /** The periodic loops: `nodes.liveness`, `recordings.reconcile`, `auth.session_sweep`. */
  jobs: JobRunner;
  /** Runtime settings (controller/settings). */
  settings: SettingsService;
  /** Prometheus metrics (controller/metrics): record with its functions. */
  metrics: ControllerMetrics;
  /** AI agents (controller/agents): rows, keys, start/stop. */
  agents: AgentService;
  /** The shared AI providers (Settings → AI providers). */
  providers: ProviderService;
  /** Keeps the wanted agent processes running; `touch(id)` on every sign of life. */
  agentSupervisor: AgentSupervisor;
  agentCredentials: AgentCredentials;
  /** Hooks other parts set (chat): a process stopped, a model call's usage. */
  agentHooks: AgentHooks;
  /** Chat with agents: the user's side (controller/chat). */
  chat: ChatService;
  /** Chat turns: the agent process's side, addUsage for the gateway, interruptRunning for the supervisor. */
  turns: TurnService;
  /** The agents' tool hub and the files area (`<data dir>/files`). */
  tools: ToolHub;
  files: FileStore;
  /** One-time link that creates the admin account; null once an account exists. */
  setupUrl: string | null;
  close(): Promise<void>;
}

/** A PEM file named by a setting, or a clear error naming the setting. */
async function readPem(path: string, setting: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new AppError(
      "invalid_input",
      `${setting}: cannot read ${path}: ${errorMessage(e)}`,
      { field: setting.replace(/^--/, "") },
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new AppError(
      "invalid_input",
      `${setting}: ${path} holds no PEM certificate`,
      { field: setting.replace(/^--/, "") },
    );
  }
  return text;
}

export interface ControllerOptions {
  web?: boolean;
  auth?: AuthOptions;
  clock?: Clock;
  /** argv of `falcon agent` for local agent children. @default this program's `agent` */
  agentCommand?: string[];
  /** Runs agent processes; a LocalLauncher of `agentCommand` when not given. */
  agentLauncher?: Launcher;
  /** The tool registry (controller/tools) and the policy actions of tool names. */
  agentTools?: {
    catalog: ToolCatalog;
    actionsOf: (names: string[]) => Set<string>;
  };
}

/** How local agent children reach this controller: loopback when it listens everywhere. */
function loopbackOf(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

export async function startController(
  cfg: ControllerConfig,
  opts: ControllerOptions = {},
): Promise<Controller> {
  const clock = opts.clock ?? realClock;
  const db = await openDatabase({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
  log.info("database open", { database: db.describe });
  try {
    const applied = await migrate(db.sql);
    if (applied.length) log.info("migrations applied", { versions: applied });
    const box = await SecretBox.fromKey(
      await loadSecretKey({ envValue: cfg.secretKey, dataDir: cfg.dataDir }),
    );
    const joinToken = cfg.nodeToken ??
      await loadOrCreateToken(`${cfg.dataDir}/node.token`);
    const nodeCaCerts = cfg.nodeCaFile
      ? [await readPem(cfg.nodeCaFile, "--node-ca-file")]
      : undefined;

    const bus = new EventBus();
    // The flag/env values are the settings' defaults; stored settings win.
    const settings = new SettingsService({
      sql: db.sql,
      bus,
      initial: {
        segmentSeconds: cfg.segmentSeconds,
        relayIdleGraceMs: cfg.relayIdleGraceMs,
      },
    });
    await settings.load();
    const nodes = new NodeService(db.sql, bus, {
      offlineAfterMs: cfg.nodeOfflineAfterMs,
      relayIdleGraceMs: cfg.relayIdleGraceMs,
      settings,
      box,
      nodeCaCerts,
    });
    for (const n of await nodes.plainHttpNodes()) {
      log.warn(plainHttpWarning(`node "${n.name}" is enrolled at`, n.address));
    }
    const cameras = new CameraService({
      sql: db.sql,
      box,
      bus,
      nodes,
      segmentSeconds: cfg.segmentSeconds,
      settings,
      allowPrivateTargets: cfg.allowPrivateCameraTargets,
    });
    nodes.cameras = cameras;

    const nodeClient = new NodeClient({
      nodes,
      requestIdProvider: currentRequestId,
    });
    /** The node that runs a camera, or a 503 saying why there is none now. */
    const nodeOf = async (cameraId: string) => {
      const cam = await cameras.row(cameraId);
      if (!cam.assigned_node) {
        throw new AppError(
          "unavailable",
          `Camera "${cam.name}" has no node to run on: no node agent is online`,
        );
      }
      return await nodeClient.online(cam.assigned_node, {
        consequence: `camera "${cam.name}" cannot be watched now`,
      });
    };
    const streams = new StreamHub({
      open: async (id, signal) =>
        await (await nodeOf(id)).stream(id, { signal }),
      check: async (id) => {
        await nodeOf(id);
      },
    });
    const metrics = createControllerMetrics({ sql: db.sql, streams });
    const snapshot = async (id: string, signal?: AbortSignal) =>
      await (await nodeOf(id)).snapshot(id, { signal });

    const audit = new AuditLog(db.sql);
    const auth = new AuthService(db.sql, audit, {
      // Open streams of a user whose access shrank check it again.
      onAccessChange: (change) => bus.accessChanged(change),
      ...opts.auth,
    });
    const recordings = new RecordingService({
      sql: db.sql,
      bus,
      cameras,
      nodes,
      client: nodeClient,
      onApplied: (ev) => {
        if (ev.type === "segment.closed") {
          metrics.segmentEvent("closed", ev.camera_id);
        } else if (ev.type === "recording.failed") {
          metrics.segmentEvent("failed", ev.camera_id);
        }
      },
    });
    const reconciler = new RecordingReconciler({
      sql: db.sql,
      bus,
      nodes,
      client: nodeClient,
    });

    // AI agents: providers (keys from the settings stored sealed), the main
    // agent made once, processes under the supervisor, the gateway.
    const agentHooks: AgentHooks = {};
    let agentUrl = "";
    const providers = new ProviderService({
      sql: db.sql,
      box,
      clock,
      onConfigured: async (kind) => {
        await agents.ensureMainAgent(kind);
      },
    });
    const agentCredentials = new AgentCredentials(db.sql, clock);
    const agentLauncher = opts.agentLauncher ?? new LocalLauncher({
      command: opts.agentCommand ?? selfCommand("agent"),
      env: { FALCON_LOG_LEVEL: cfg.logLevel, FALCON_LOG_FORMAT: cfg.logFormat },
      clock,
      onStatus: (id) => agents.statusChanged(id),
      onExit: (id) => agentSupervisor.processEnded(id),
    });
    const agentSupervisor = new AgentSupervisor({
      sql: db.sql,
      launcher: agentLauncher,
      credentials: agentCredentials,
      controllerUrl: () => agentUrl,
      clock,
      onStopped: (id) => agentHooks.onStopped?.(id),
      onStatus: (id) => agents.statusChanged(id),
    });
    const agents: AgentService = new AgentService({
      sql: db.sql,
      box,
      bus,
      providers,
      tools: opts.agentTools?.catalog ??
        { infos: (names) => toolInfos(names), has: hasTool },
      actionsOf: opts.agentTools?.actionsOf ?? toolActionsOf,
      control: agentSupervisor,
      clock,
      mainModel: cfg.llmModel,
    });
    await providers.applySettings(await providerSettings(cfg));
    await agents.ensureMainAgent();
    // Chat. agentConfig and the turn endpoints' credential (with its
    // generation) are read from the agents tables (controller/chat/standins.ts).
    const chatHub = new ChatHub();
    const turnNotifier = new TurnNotifier(clock);
    const chat = new ChatService({
      sql: db.sql,
      hub: chatHub,
      notifier: turnNotifier,
      clock,
    });
    const turns = new TurnService({
      sql: db.sql,
      hub: chatHub,
      notifier: turnNotifier,
      clock,
      agentConfig: agentConfigFromTable(db.sql),
      toolsFor: async (id) =>
        toolInfos((await agents.principalOf(id)).toolNames ?? []),
      touch: (id) => agentSupervisor.touch(id),
    });
    agentHooks.onStopped = async (id) => {
      await turns.interruptRunning(id);
    };
    agentHooks.onUsage = async (turnId, _agentId, usage) => {
      if (turnId) await turns.addUsage(turnId, usage);
    };
    const files = new FileStore(`${cfg.dataDir}/files`);
    const tools = new ToolHub({
      sql: db.sql,
      cameras,
      recordings,
      nodes,
      client: nodeClient,
      files,
      version: VERSION,
      startedAt: new Date(clock.now()),
    });

    const islands = opts.web === false ? null : await loadIslandAssets({
      onBundle: (why) =>
        log.info("bundling the dashboard's islands at start", {
          why,
          hint: "deno task build prebuilds them",
        }),
    });
    /** The dashboard's signed-in user as the services take it. */
    const accessOf = (user: WebUser) =>
      auth.accessPrincipal({
        userId: user.id,
        username: user.username,
        role: user.role,
        kind: "session",
        scope: "full",
      });
    const app = createControllerApp({
      sql: db.sql,
      cameras,
      nodes,
      streams,
      bus,
      auth,
      audit,
      settings,
      joinToken,
      nodeClient,
      snapshot,
      recordings,
      reconciler,
      probe: (p, body, signal) =>
        probeCamera({ cameras, nodes, box, client: nodeClient }, p, body, {
          signal,
        }),
      version: VERSION,
      tools,
      files,
      trustProxy: cfg.trustProxy,
      footageJobsPerUser: cfg.footageJobsPerUser,
      trustedProxyHops: cfg.trustedProxyHops,
      streamMaxLifetimeMs: cfg.streamMaxLifetimeS * 1000,
      metrics: { registry: metrics.registry, token: cfg.metricsToken },
      agents: {
        service: agents,
        providers,
        auth: {
          agentOf: (secret) => agentCredentials.agentOf(secret),
          principalOf: (id) => agents.principalOf(id),
          touch: (id) => agentSupervisor.touch(id),
        },
        gateway: gatewayApi({
          sql: db.sql,
          rowOf: (id) => agents.cachedRow(id).catch(() => null),
          endpointOf: (row) => providers.resolve(row),
          onUsage: (turn, agent, usage) =>
            agentHooks.onUsage?.(turn, agent, usage),
          clock,
        }),
      },
      chat,
      turns,
      agentAuth: requireAgentCredential(agentCredentialFromTable(db.sql)),
      styleHashes: [await styleHash()],
      mountWeb: islands
        ? (a) =>
          mountDashboard(
            a as unknown as Parameters<typeof mountDashboard>[0],
            {
              listCameras: async (user) =>
                (await cameras.list(await accessOf(user)))
                  .map((c) => cameraFor(user, c)),
              // Pages for everyone show no nodes to a viewer rather than fail.
              listNodes: async (user) => {
                const p = await accessOf(user);
                return decide(p, "node.list").allow ? await nodes.list(p) : [];
              },
              user: async (req) => {
                const p = await principalFromRequest(req, auth);
                return p ? toWebUser(p) : null;
              },
              setupRequired: () => auth.setupRequired(),
              cameraExists: (id) =>
                cameras.row(id).then(() => true, () => false),
              warmStreams: (ids) => streams.warm(ids),
              openRecordings: async (ids) => {
                const open = await openSessionsOf(db.sql, ids);
                return Object.fromEntries(
                  [...open].map(([id, s]) => [id, {
                    id: s.id,
                    started_at: new Date(s.started_at).toISOString(),
                    error_message: s.error_message,
                  }]),
                );
              },
              listRecordings: async (user, query) =>
                await recordings.list(
                  await accessOf(user),
                  parseListQuery(query),
                ),
              recordingTimeline: (id, day) => cameraTimeline(db.sql, id, day),
              settings: () => Promise.resolve(settings.json()),
              listAgents: async (user) =>
                (await agents.list(await accessOf(user))).agents,
            },
            islands,
            routes,
          )
        : undefined,
    });
    const jobs = new JobRunner({
      clock,
      onRun: (name, ok, ms) => metrics.jobRun(name, ok, ms),
    });
    jobs.add({
      name: "nodes.liveness",
      intervalMs: 1000,
      run: () => nodes.sweep(),
    });
    jobs.add({
      name: "recordings.reconcile",
      intervalMs: reconciler.intervalMs,
      run: () => reconciler.tick(),
    });
    jobs.add({
      name: "chat.lease_expiry",
      intervalMs: 5000,
      run: () => turns.expireLeases(),
    });
    jobs.add({
      name: "auth.session_sweep",
      intervalMs: 10 * 60_000,
      run: () => auth.sweepSessions(),
    });

    jobs.start();
    reconciler.start();
    const ac = new AbortController();
    const server = Deno.serve({
      port: cfg.port,
      hostname: cfg.host,
      signal: ac.signal,
      onListen: () => {},
    }, app.fetch);
    const port = server.addr.port;
    const shownHost = cfg.host === "0.0.0.0" ? "localhost" : cfg.host;
    const url = `http://${shownHost}:${port}`;
    agentUrl = `http://${loopbackOf(cfg.host)}:${port}`;
    jobs.add({
      name: "agents.reconcile",
      intervalMs: 1000,
      immediate: true,
      run: () => agentSupervisor.tick(),
    });
    log.info("controller listening", { url, version: VERSION });
    const setupToken = await auth.issueSetupToken();
    const setupUrl = setupToken ? `${url}/setup?token=${setupToken}` : null;
    if (setupUrl) {
      // Printed, not logged through redaction: this one-time link is meant for the operator's eyes.
      console.log(
        `\n  First run: create the admin account at\n    ${setupUrl}\n  (the link works once).\n`,
      );
    }

    return {
      url,
      port,
      joinToken,
      db,
      cameras,
      nodes,
      streams,
      bus,
      auth,
      audit,
      recordings,
      reconciler,
      jobs,
      metrics,
      settings,
      agents,
      providers,
      agentSupervisor,
      agentCredentials,
      agentHooks,
      chat,
      turns,
      tools,
      files,
      setupUrl,
      async close() {
        // First the agent processes: nothing of ours is left running.
        await agentSupervisor.close();
        await jobs.stop();
        reconciler.stop();
        nodes.stop();
        streams.closeAll();
        auth.close();
        ac.abort();
        await server.finished.catch(() => {});
        metrics.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
