/**
 * /api/settings (admins): read the runtime settings with their defaults and
 * descriptions; PATCH any of them. A saved change is audited, published as
 * the SSE event `settings` and in effect before the answer is sent.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { SettingsService } from "../../settings/service.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface SettingsApiDeps {
  settings: SettingsService;
  audit: AuditLog;
  trustProxy: boolean;
}

export function settingsApi(deps: SettingsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // Who may: the settings service asks the access policy.
  const get = (c: Context<AuthEnv>) =>
    c.json(deps.settings.read(c.get("access")));
  const patch = async (c: Context<AuthEnv>) => {
    const actor = actorOf(c, deps.trustProxy);
    const { settings, previous, changed } = await deps.settings.change(
      c.get("access"),
      await jsonBody(c),
      actor.name,
    );
    if (changed.length) {
      await deps.audit.record(actor, "settings.update", null, {
        changes: Object.fromEntries(
          changed.map((k) => [k, { from: previous[k], to: settings[k] }]),
        ),
      });
    }
    return c.json(deps.settings.read(c.get("access")));
  };
  const getRoute = api(API.settings.get);
  const patchRoute = api(API.settings.update);
  app.get("/", getRoute, get);
  app.get("", getRoute, get);
  app.patch("/", patchRoute, patch);
  app.patch("", patchRoute, patch);
  return app;
}
