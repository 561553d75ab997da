/**
 * `GET /api/nodes/scan/cameras?usb=1&onvif=1&subnet=&ports=&node=` (admins:
 * the scan service asks the access policy): scans on the node agents and
 * answers `ScanResponse` (controller/scan/service.ts). Every scan is audited
 * as `camera.scan`, with the range when one was probed, before it starts.
 */
import { type Context, Hono } from "hono";
import type { AuditLog } from "../../audit/mod.ts";
import type { ScanQuery, ScanService } from "../../scan/service.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";

export interface ScanApiDeps {
  scans: ScanService;
  audit: AuditLog;
  trustProxy: boolean;
}

export function scanApi(deps: ScanApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/cameras", async (c) => {
    const out = await deps.scans.scan(c.get("access"), c.req.query(), {
      signal: c.req.raw.signal,
      // Audited once the query is valid, before the scan starts.
      started: (q) => audit(c, q),
    });
    return c.json(out);
  });
  const audit = (c: Context<AuthEnv>, q: ScanQuery) =>
    deps.audit.record(
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
  return app;
}
