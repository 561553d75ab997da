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
import {
  type ControllerMetrics,
  createControllerMetrics,
} from "./metrics/mod.ts";
import { currentRequestId } from "../lib/request_context.ts";
import { type Clock, realClock } from "../lib/time/clock.ts";
import { plainHttpWarning } from "../lib/transport.ts";
import { mountDashboard } from "./web/mod.ts";
import { FileStore } from "./files/store.ts";
import { ToolHub } from "./tools/hub.ts";
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

export async function startController(
  cfg: ControllerConfig,
  opts: { web?: boolean; auth?: AuthOptions; clock?: Clock } = {},
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
      tools,
      files,
      setupUrl,
      async close() {
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
