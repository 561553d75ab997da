/**
 * /api/providers (admins): the shared AI providers of Settings → AI
 * providers — list, set a key or base URL (audited without the key), and
 * check one by listing its models.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { ProviderService } from "../../agents/providers.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";
import { auditedFields } from "./agents.ts";
import { redactUrl } from "../../../lib/redact.ts";

export interface ProvidersApiDeps {
  providers: ProviderService;
  audit: AuditLog;
  trustProxy: boolean;
}

export function providersApi(deps: ProvidersApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = async (c: Context<AuthEnv>) =>
    c.json(await deps.providers.list(c.get("access")));
  const listRoute = api(API.providers.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  // Before /:provider: "check" is not a provider.
  app.post(
    "/check",
    api(API.providers.check),
    async (c) =>
      c.json(await deps.providers.check(c.get("access"), await jsonBody(c))),
  );
  app.patch("/:provider", api(API.providers.update), async (c) => {
    const body = await jsonBody(c);
    const out = await deps.providers.update(
      c.get("access"),
      c.req.param("provider"),
      body,
    );
    await deps.audit.record(
      actorOf(c, deps.trustProxy),
      "provider.update",
      out.provider,
      {
        ...auditedFields(body),
        base_url: out.base_url ? redactUrl(out.base_url) : null,
      },
    );
    return c.json(out);
  });
  return app;
}
