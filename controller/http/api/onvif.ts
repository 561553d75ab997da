/**
 * ONVIF routes under /api/cameras:
 *   POST /api/cameras/onvif/inspect     device info + profiles (admin)
 *   POST /api/cameras/{id}/ptz          move / stop / zoom / goto_preset (admin)
 *   GET  /api/cameras/{id}/ptz/presets  the camera's presets (anyone who sees it)
 *
 * Moving a camera is a change everyone watching and recording sees, so it is
 * for admins, as every other change is; listing presets only reads.
 */
import { Hono } from "hono";
import { AppError } from "../../../lib/errors.ts";
import type { AuthService } from "../../auth/service.ts";
import { inspectOnvifCamera } from "../../cameras/onvif.ts";
import { ptzCommand, ptzPresets } from "../../cameras/ptz.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { NodeService } from "../../nodes/service.ts";
import { type AuthEnv, requireRole } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface OnvifApiDeps {
  cameras: CameraService;
  nodes: NodeService;
  auth: AuthService;
}

export function onvifApi(deps: OnvifApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const admin = requireRole("admin");

  app.post(
    "/onvif/inspect",
    admin,
    async (c) => c.json(await inspectOnvifCamera(deps, await jsonBody(c))),
  );
  app.post(
    "/:id/ptz",
    admin,
    async (c) =>
      c.json(await ptzCommand(deps, c.req.param("id"), await jsonBody(c))),
  );
  app.get("/:id/ptz/presets", async (c) => {
    const id = c.req.param("id");
    const row = await deps.cameras.row(id);
    const visible = await deps.auth.visibleCameras(c.get("principal"));
    if (visible && !visible.has(row.id)) {
      throw new AppError("forbidden", `No access to camera "${id}"`);
    }
    return c.json({ presets: await ptzPresets(deps, id) });
  });
  return app;
}
