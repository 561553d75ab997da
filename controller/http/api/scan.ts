/**
 * `GET /api/nodes/scan/cameras?usb=1&onvif=1&subnet=&ports=&node=` (admins;
 * `app.ts` guards the `/api/nodes` prefix): scans on the node agents and
 * answers `ScanResponse` (controller/scan/service.ts). Every scan is audited
 * as `camera.scan`, with the range when one was probed, before it starts.
 */
import { Hono } from "hono";
import type { AuditLog } from "../../audit/mod.ts";
import { parseScanQuery, type ScanService } from "../../scan/service.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";

export interface ScanApiDeps {
  scans: ScanService;
  audit: AuditLog;
  trustProxy: boolean;
}

export function scanApi(deps: ScanApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/cameras", async (c) => {
    const q = parseScanQuery(c.req.query());
    await deps.audit.record(
      actorOf(c, deps.trustProxy),
      "camera.scan",
      q.subnet,
      {
        usb: q.usb,
        onvif: q.onvif,
        subnet: q.subnet,
        ports: q.ports ?? null,
        node: q.node,
      },
    );
    return c.json(await deps.scans.scan(q, c.req.raw.signal));
  });
  return app;
}
