/**
 * Starts the controller: database (+ migrations), secret box, services, HTTP
 * server. Returns a handle whose close() stops everything it started.
 */
import { AppError } from "../lib/errors.ts";
import { errorMessage, logger } from "../lib/log.ts";
import { CameraService } from "./cameras/service.ts";
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
import { styleHash } from "./web/render.ts";
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
import { StreamHub, type UpstreamTarget } from "./streams/hub.ts";
import { VERSION } from "../lib/version.ts";
import { loadOrCreateToken } from "./secrets/token_file.ts";
import { plainHttpWarning } from "../lib/transport.ts";
import { buildIslands } from "./web/islands.ts";
import { mountDashboard } from "./web/mod.ts";

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
  /** Runtime settings (controller/settings). */
  settings: SettingsService;
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
  opts: { web?: boolean; auth?: AuthOptions } = {},
): Promise<Controller> {
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
    });
    nodes.cameras = cameras;

    const resolve = async (
      cameraId: string,
      kind: "stream" | "snapshot",
    ): Promise<UpstreamTarget> => {
      const cam = await cameras.row(cameraId);
      if (!cam.assigned_node) {
        throw new AppError(
          "unavailable",
          `Camera "${cam.name}" has no node to run on: no node agent is online`,
        );
      }
      const node = await nodes.target(cam.assigned_node);
      if (!node || !(await nodes.isOnline(cam.assigned_node))) {
        throw new AppError(
          "unavailable",
          `Camera "${cam.name}" is offline: node "${cam.assigned_node}" is not reachable`,
        );
      }
      return {
        url: `${node.address}/v1/cameras/${cameraId}/${kind}`,
        token: node.token,
        ...(node.client ? { client: node.client } : {}),
      };
    };
    const streams = new StreamHub({ resolve });
    const snapshot = async (cameraId: string): Promise<Uint8Array> => {
      const target = await resolve(cameraId, "snapshot");
      let res: Response;
      try {
        res = await fetch(target.url, {
          headers: { authorization: `Bearer ${target.token}` },
          signal: AbortSignal.timeout(10000),
          ...(target.client ? { client: target.client } : {}),
        });
      } catch (e) {
        throw new AppError(
          "upstream_failed",
          `Node agent did not answer: ${errorMessage(e)}`,
        );
      }
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new AppError(
          res.status === 503 ? "unavailable" : "upstream_failed",
          body?.error?.message ?? `Node agent answered ${res.status}`,
        );
      }
      return new Uint8Array(await res.arrayBuffer());
    };

    const audit = new AuditLog(db.sql);
    const auth = new AuthService(db.sql, audit, opts.auth);
    const recordings = new RecordingService({
      sql: db.sql,
      bus,
      cameras,
      nodes,
    });
    const reconciler = new RecordingReconciler({
      sql: db.sql,
      bus,
      nodes,
    });

    const islands = opts.web === false ? null : await buildIslands();
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
      snapshot,
      recordings,
      reconciler,
      probe: (body) => probeCamera({ cameras, nodes, box }, body),
      version: VERSION,
      trustProxy: cfg.trustProxy,
      styleHashes: [await styleHash()],
      mountWeb: islands
        ? (a) =>
          mountDashboard(a as unknown as Parameters<typeof mountDashboard>[0], {
            listCameras: async (user) => {
              const visible = await auth.visibleCameras({
                userId: user.id,
                role: user.role,
              });
              return (await cameras.list()).filter((c) =>
                !visible || visible.has(c.id)
              );
            },
            listNodes: async (
              user,
            ) => (user.role === "admin" ? await nodes.list() : []),
            user: async (req) => {
              const p = await principalFromRequest(req, auth);
              return p ? toWebUser(p) : null;
            },
            setupRequired: () => auth.setupRequired(),
            cameraExists: (id) => cameras.row(id).then(() => true, () => false),
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
            listRecordings: async (user, query) => {
              const q = parseListQuery(query);
              const visible = await auth.visibleCameras({
                userId: user.id,
                role: user.role,
              });
              if (visible && q.cameraId && !visible.has(q.cameraId)) {
                throw new AppError("forbidden", "No access to this camera", {
                  field: "camera_id",
                });
              }
              return await recordings.list(q, visible);
            },
            recordingTimeline: (id, day) => cameraTimeline(db.sql, id, day),
            settings: () => Promise.resolve(settings.json()),
          }, islands)
        : undefined,
    });
    const sessionSweep = setInterval(() => {
      auth.sweepSessions().catch((e) =>
        log.warn("session sweep failed", { error: errorMessage(e) })
      );
    }, 10 * 60_000);

    nodes.start();
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
      settings,
      setupUrl,
      async close() {
        clearInterval(sessionSweep);
        reconciler.stop();
        nodes.stop();
        streams.closeAll();
        ac.abort();
        await server.finished.catch(() => {});
        await db.close();
      },
    };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
