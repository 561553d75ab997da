/**
 * `POST /api/nodes/scan/cameras` with a JSON body `{usb, onvif, subnet,
 * ports, node}` (admins: the scan service asks the access policy): scans on
 * the node agents and answers `ScanResponse` (controller/scan/service.ts).
 * A POST, not a GET: a scan sends packets into the network, so it needs the
 * CSRF token with a cookie, and read-only tokens are refused
 * (docs/design/security.md § Review findings #13). Every scan is audited as
 * `camera.scan`, with the range when one was probed, before it starts.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { ScanQuery, ScanService } from "../../scan/service.ts";
import { jsonBody } from "../middleware/errors.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";

export interface ScanApiDeps {
  scans: ScanService;
  audit: AuditLog;
  trustProxy: boolean;
}

const FIELDS = ["usb", "onvif", "subnet", "ports", "node"] as const;

/**
 * The scan body as the query-shaped record `parseScanQuery` checks: flags
 * as booleans (or 1/0), `ports` as a list of numbers or "554,80".
 */
export function scanBodyToQuery(
  body: unknown,
): Record<string, string | undefined> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("invalid_input", "body must be a JSON object", {
      field: "body",
    });
  }
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (!(FIELDS as readonly string[]).includes(k)) {
      throw new AppError("invalid_input", `${k} is not a known field`, {
        field: k,
      });
    }
    if (v === null || v === undefined) continue;
    if (typeof v === "boolean") out[k] = v ? "1" : "0";
    else if (typeof v === "number" && Number.isFinite(v)) out[k] = String(v);
    else if (typeof v === "string") out[k] = v;
    else if (
      k === "ports" && Array.isArray(v) &&
      v.every((p) => typeof p === "number" || typeof p === "string")
    ) out[k] = v.join(",");
    else {
      throw new AppError(
        "invalid_input",
        k === "ports"
          ? "ports must be a list of port numbers, e.g. [554, 80]"
          : `${k} has the wrong type`,
        { field: k },
      );
    }
  }
  return out;
}

export function scanApi(deps: ScanApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post("/cameras", api(API.nodes.scan), async (c) => {
    const query = scanBodyToQuery(await jsonBody(c));
    const out = await deps.scans.scan(c.get("access"), query, {
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
