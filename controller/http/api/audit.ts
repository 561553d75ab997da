/** /api/audit (admin): the security audit log, newest first, paginated. */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { AuthEnv } from "../middleware/auth.ts";

export function auditApi(audit: AuditLog): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = async (c: import("hono").Context<AuthEnv>) => {
    const limit = intParam(c.req.query("limit"), "limit", 50, 1, 500);
    const offset = intParam(
      c.req.query("offset"),
      "offset",
      0,
      0,
      1_000_000_000,
    );
    const action = c.req.query("action");
    if (action !== undefined && !/^[a-z._]{1,64}$/.test(action)) {
      throw new AppError("invalid_input", "action must look like auth.login", {
        field: "action",
      });
    }
    return c.json({
      ...(await audit.list(c.get("access"), { limit, offset, action })),
      limit,
      offset,
    });
  };
  const listRoute = api(API.audit.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  return app;
}

function intParam(
  raw: string | undefined,
  field: string,
  dflt: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AppError(
      "invalid_input",
      `${field} must be an integer ${min}-${max}`,
      { field },
    );
  }
  return n;
}
