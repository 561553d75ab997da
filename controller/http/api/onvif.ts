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
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { AuthService } from "../../auth/service.ts";
import { inspectOnvifCamera } from "../../cameras/onvif.ts";
import { ptzCommand, ptzPresets } from "../../cameras/ptz.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { NodeClient } from "../../nodes/client.ts";
import type { NodeService } from "../../nodes/service.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface OnvifApiDeps {
  cameras: CameraService;
  nodes: NodeService;
  client: NodeClient;
  auth: AuthService;
}

export function onvifApi(deps: OnvifApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // Who may: the ONVIF functions ask the access policy (controller/access).
  app.post("/onvif/inspect", api(API.cameras.onvifInspect), async (c) =>
    c.json(
      await inspectOnvifCamera(deps, c.get("access"), await jsonBody(c), {
        signal: c.req.raw.signal,
      }),
    ));
  app.post("/:id/ptz", api(API.cameras.ptz), async (c) =>
    c.json(
      await ptzCommand(
        deps,
        c.get("access"),
        c.req.param("id"),
        await jsonBody(c),
        { signal: c.req.raw.signal },
      ),
    ));
  app.get("/:id/ptz/presets", api(API.cameras.ptzPresets), async (c) => {
    const presets = await ptzPresets(deps, c.get("access"), c.req.param("id"), {
      signal: c.req.raw.signal,
    });
    return c.json({ presets });
  });
  return app;
}
