/**
 * /api/cameras: list, get, create, update, delete, live stream and snapshot.
 * Everyone signed in reads the cameras granted to them (admins: all); only
 * admins change cameras, and every change is audited.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import { mjpegResponse } from "../../../lib/mjpeg_response.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { AuthService } from "../../auth/service.ts";
import type { CameraService } from "../../cameras/service.ts";
import { NODE_NAME } from "../../cameras/schema.ts";
import { cameraFor } from "../../cameras/view.ts";
import type { StreamHub } from "../../streams/hub.ts";
import type { StreamGuard } from "../middleware/stream_guard.ts";
import type { Principal } from "../../access/principal.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface CamerasApiDeps {
  cameras: CameraService;
  streams: StreamHub;
  /** Fetches a snapshot from the node agent when no fresh frame is at hand. */
  snapshot: (cameraId: string, signal?: AbortSignal) => Promise<Uint8Array>;
  auth: AuthService;
  audit: AuditLog;
  trustProxy: boolean;
  /** "Test connection": opens a source on its node before the camera is saved. */
  probe: (
    p: Principal,
    body: unknown,
    signal?: AbortSignal,
  ) => Promise<unknown>;
  /** Ends live streams when access goes, and after their maximum life. */
  guard?: StreamGuard;
}

export function camerasApi(deps: CamerasApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // Who may do what is the camera service's decision (controller/access).

  const list = async (c: Context<AuthEnv>) => {
    // protocol and status were checked against API.cameras.list's query schema.
    const protocol = c.req.query("protocol") || undefined;
    const status = c.req.query("status") || undefined;
    const node = c.req.query("node");
    if (node !== undefined && !NODE_NAME.test(node)) {
      throw new AppError(
        "invalid_input",
        "node must be a node name like worker-1",
        { field: "node" },
      );
    }
    const principal = c.get("principal");
    const cameras = (await deps.cameras.list(c.get("access"), {
      protocol,
      status,
      node,
    })).map((cam) => cameraFor(principal, cam));
    return c.json({ cameras, total: cameras.length });
  };
  const create = async (c: Context<AuthEnv>) => {
    const cam = await deps.cameras.create(c.get("access"), await jsonBody(c));
    await deps.audit.record(
      actorOf(c, deps.trustProxy),
      "camera.create",
      cam.id,
      {
        name: cam.name,
        protocol: cam.protocol,
        source: cam.source_url,
      },
    );
    return c.json(cam, 201);
  };

  const listRoute = api(API.cameras.list);
  const createRoute = api(API.cameras.create);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  app.post("/", createRoute, create);
  app.post("", createRoute, create);
  app.post(
    "/probe",
    api(API.cameras.probe),
    async (c) =>
      c.json(
        await deps.probe(c.get("access"), await jsonBody(c), c.req.raw.signal),
      ),
  );
  app.get("/:id", api(API.cameras.get), async (c) =>
    c.json(
      cameraFor(
        c.get("principal"),
        await deps.cameras.get(c.get("access"), c.req.param("id")),
      ),
    ));
  app.patch("/:id", api(API.cameras.update), async (c) => {
    const body = await jsonBody(c);
    const cam = await deps.cameras.update(
      c.get("access"),
      c.req.param("id"),
      body,
    );
    const fields = body && typeof body === "object" ? Object.keys(body) : [];
    await deps.audit.record(
      actorOf(c, deps.trustProxy),
      "camera.update",
      cam.id,
      {
        fields,
        ...(fields.includes("source_url") ? { source: cam.source_url } : {}),
        ...(fields.includes("record_source_url")
          ? { record_source: cam.record_source_url }
          : {}),
      },
    );
    return c.json(cam);
  });
  app.delete("/:id", api(API.cameras.delete), async (c) => {
    const out = await deps.cameras.delete(c.get("access"), c.req.param("id"));
    const id = out.id; // canonical: the hub is keyed by row ids
    deps.streams.forget(id);
    await deps.audit.record(
      actorOf(c, deps.trustProxy),
      "camera.delete",
      id,
      {},
    );
    return c.json(out);
  });

  app.get("/:id/stream", api(API.cameras.stream), async (c) => {
    // 404/403 before any upstream work; the hub is keyed by the row's id.
    const { id } = await deps.cameras.watch(c.get("access"), c.req.param("id"));
    await deps.streams.check(id); // 503 naming the reason when it cannot run now
    const signal = deps.guard
      ? deps.guard.watch(
        c.req.raw,
        c.get("principal"),
        (_p, visible) => !visible || visible.has(id),
      )
      : c.req.raw.signal;
    const { hub, leave } = deps.streams.join(id);
    return mjpegResponse(hub, leave, signal);
  });

  app.get("/:id/snapshot", api(API.cameras.snapshot), async (c) => {
    const { id } = await deps.cameras.watch(c.get("access"), c.req.param("id"));
    const jpeg = deps.streams.fresh(id)?.data ??
      await deps.snapshot(id, c.req.raw.signal);
    return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/jpeg",
      "cache-control": "no-store",
    });
  });

  return app;
}
