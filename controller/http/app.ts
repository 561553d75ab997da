/**
 * The controller's Hono app: health probes, the node protocol, the /api
 * surface behind one auth middleware, and the dashboard.
 */
import { Hono } from "hono";
import type { ErrorBody } from "../../lib/errors.ts";
import type { CameraService } from "../cameras/service.ts";
import type { Sql } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import type { NodeService } from "../nodes/service.ts";
import type { StreamHub } from "../streams/hub.ts";
import { camerasApi } from "./api/cameras.ts";
import { eventsApi } from "./api/events.ts";
import { nodesApi } from "./api/nodes.ts";
import { nodeProtocolApi } from "./internal/nodes.ts";
import {
  type Authenticator,
  requireAuth,
  requireNodeToken,
} from "./middleware/auth.ts";
import { limitBody } from "./middleware/body_limit.ts";
import { errorResponse } from "./middleware/errors.ts";

export interface ControllerAppDeps {
  sql: Sql;
  cameras: CameraService;
  nodes: NodeService;
  streams: StreamHub;
  bus: EventBus;
  authenticate: Authenticator;
  nodeToken: string;
  snapshot: (cameraId: string) => Promise<Uint8Array>;
  version: string;
  /** Largest accepted API request body. @default 1 MiB */
  maxBodyBytes?: number;
  /** Mounts the dashboard (routes/, islands/, assets). */
  mountWeb?: (app: Hono) => void;
}

export function createControllerApp(deps: ControllerAppDeps): Hono {
  const app = new Hono();
  app.onError(errorResponse);

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
  app.use("/internal/*", limit, requireNodeToken(deps.nodeToken));
  app.route("/internal/v1/nodes", nodeProtocolApi(deps.nodes));

  app.use("/api/*", limit, requireAuth(deps.authenticate));
  app.route(
    "/api/cameras",
    camerasApi({
      cameras: deps.cameras,
      streams: deps.streams,
      snapshot: deps.snapshot,
    }),
  );
  app.route("/api/nodes", nodesApi(deps.nodes));
  app.route("/api/events", eventsApi(deps.bus));
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
