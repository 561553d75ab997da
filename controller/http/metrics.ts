/**
 * GET /metrics: the controller's Prometheus exposition. A scraper sends the
 * metrics token (`FALCON_METRICS_TOKEN`, compared in constant time); an admin
 * may also look with a session or a full-scope API token. Anyone else: 401.
 */
import type { Hono } from "hono";
import { AppError } from "../../lib/errors.ts";
import { bearer, timingSafeEqual } from "../../lib/bearer.ts";
import { metricsResponse, type Registry } from "../../lib/metrics/registry.ts";
import type { AuthService } from "../auth/service.ts";
import { type AuthEnv, principalFromRequest } from "./middleware/auth.ts";

export function mountMetrics(
  app: Hono<AuthEnv>,
  deps: { registry: Registry; token?: string; auth: AuthService },
): void {
  app.get("/metrics", async (c) => {
    const given = bearer(c.req.header("authorization"));
    const byToken = deps.token !== undefined && given !== null &&
      timingSafeEqual(given, deps.token);
    if (!byToken) {
      const p = await principalFromRequest(c.req.raw, deps.auth);
      if (!p || p.role !== "admin" || p.scope !== "full") {
        throw new AppError(
          "unauthorized",
          "Metrics need the metrics token, or an admin's session or full API token",
        );
      }
    }
    return await metricsResponse(deps.registry);
  });
}
