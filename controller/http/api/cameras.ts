/** /api/cameras: list, get, create, update, delete, live stream and snapshot. */
import { Hono } from "hono";
import { AppError } from "../../../lib/errors.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { StreamHub } from "../../streams/hub.ts";
import { mjpegResponse } from "../../../lib/mjpeg_response.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface CamerasApiDeps {
  cameras: CameraService;
  streams: StreamHub;
  /** Fetches a snapshot from the node agent when no fresh frame is at hand. */
  snapshot: (cameraId: string) => Promise<Uint8Array>;
}

const PROTOCOLS = new Set(["rtsp", "http", "usb", "demo", "onvif"]);
const STATUSES = new Set(["pending", "online", "error", "offline"]);

export function camerasApi(deps: CamerasApiDeps): Hono {
  const app = new Hono();

  const list = async (c: import("hono").Context) => {
    const protocol = c.req.query("protocol");
    const status = c.req.query("status");
    if (protocol && !PROTOCOLS.has(protocol)) {
      throw new AppError(
        "invalid_input",
        `protocol must be one of ${[...PROTOCOLS].join(", ")}`,
        {
          field: "protocol",
        },
      );
    }
    if (status && !STATUSES.has(status)) {
      throw new AppError(
        "invalid_input",
        `status must be one of ${[...STATUSES].join(", ")}`,
        { field: "status" },
      );
    }
    const cameras = await deps.cameras.list({
      protocol,
      status,
      node: c.req.query("node"),
    });
    return c.json({ cameras, total: cameras.length });
  };
  const create = async (c: import("hono").Context) =>
    c.json(await deps.cameras.create(await jsonBody(c)), 201);

  app.get("/", list);
  app.get("", list);
  app.post("/", create);
  app.post("", create);
  app.get(
    "/:id",
    async (c) => c.json(await deps.cameras.get(c.req.param("id"))),
  );
  app.patch(
    "/:id",
    async (c) =>
      c.json(await deps.cameras.update(c.req.param("id"), await jsonBody(c))),
  );
  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const out = await deps.cameras.delete(id);
    deps.streams.forget(id);
    return c.json(out);
  });

  app.get("/:id/stream", async (c) => {
    const id = c.req.param("id");
    await deps.cameras.row(id); // 404 for unknown cameras before any upstream work
    await deps.streams.check(id); // 503 naming the reason when it cannot run now
    const { hub, leave } = deps.streams.join(id);
    return mjpegResponse(hub, leave, c.req.raw.signal);
  });

  app.get("/:id/snapshot", async (c) => {
    const id = c.req.param("id");
    await deps.cameras.row(id);
    const jpeg = deps.streams.fresh(id)?.data ?? await deps.snapshot(id);
    return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/jpeg",
      "cache-control": "no-store",
    });
  });

  return app;
}
