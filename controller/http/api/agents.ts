/**
 * /api/agents (admins): CRUD, start/stop/restart and the tools of each
 * agent (controller/agents). Changes are audited without the key: an audit
 * entry says a key was set or cleared, never what it is.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { AgentService } from "../../agents/service.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface AgentsApiDeps {
  agents: AgentService;
  audit: AuditLog;
  trustProxy: boolean;
}

/** The audit details of a create/update body: which fields, and whether a key was set — never the key. */
export function auditedFields(body: unknown): Record<string, unknown> {
  const fields = body && typeof body === "object" && !Array.isArray(body)
    ? Object.keys(body)
    : [];
  const key = (body as { api_key?: unknown } | null)?.api_key;
  return {
    fields,
    ...(fields.includes("api_key")
      ? { api_key: key === null ? "cleared" : "set" }
      : {}),
  };
}

export function agentsApi(deps: AgentsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const audit = (c: Context<AuthEnv>, action: string, id: string, d = {}) =>
    deps.audit.record(actorOf(c, deps.trustProxy), action, id, d);

  const list = async (c: Context<AuthEnv>) =>
    c.json(await deps.agents.list(c.get("access")));
  const create = async (c: Context<AuthEnv>) => {
    const body = await jsonBody(c);
    const agent = await deps.agents.create(c.get("access"), body);
    await audit(c, "agent.create", agent.id, {
      slug: agent.slug,
      provider: agent.provider,
      model: agent.model,
      ...auditedFields(body),
    });
    return c.json(agent, 201);
  };
  const listRoute = api(API.agents.list);
  const createRoute = api(API.agents.create);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  app.post("/", createRoute, create);
  app.post("", createRoute, create);

  app.get(
    "/:id",
    api(API.agents.get),
    async (c) =>
      c.json(await deps.agents.get(c.get("access"), c.req.param("id"))),
  );
  app.patch("/:id", api(API.agents.update), async (c) => {
    const body = await jsonBody(c);
    const agent = await deps.agents.update(
      c.get("access"),
      c.req.param("id"),
      body,
    );
    await audit(c, "agent.update", agent.id, auditedFields(body));
    return c.json(agent);
  });
  app.delete("/:id", api(API.agents.delete), async (c) => {
    const id = c.req.param("id");
    const out = await deps.agents.delete(c.get("access"), id);
    await audit(c, "agent.delete", id);
    return c.json(out);
  });
  for (const action of ["start", "stop", "restart"] as const) {
    app.post(`/:id/${action}`, api(API.agents[action]), async (c) => {
      const agent = await deps.agents[action](
        c.get("access"),
        c.req.param("id"),
      );
      await audit(c, `agent.${action}`, agent.id);
      return c.json(agent);
    });
  }
  app.get(
    "/:id/tools",
    api(API.agents.tools),
    async (c) =>
      c.json(await deps.agents.tools(c.get("access"), c.req.param("id"))),
  );
  app.put("/:id/tools", api(API.agents.setTools), async (c) => {
    const id = c.req.param("id");
    const out = await deps.agents.setTools(
      c.get("access"),
      id,
      await jsonBody(c),
    );
    await audit(c, "agent.tools", id, { tools: out.tools.map((t) => t.name) });
    return c.json(out);
  });
  return app;
}
