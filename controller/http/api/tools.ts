/**
 * /api/tools: the tool hub (controller/tools/hub.ts).
 *
 *   GET  /          every tool with its description and JSON schema (signed-in users)
 *   POST /execute   run a tool as the calling agent (agent credentials only):
 *                   {tool, arguments, turn_id?, call_id?} → ToolResult; errors:
 *                   400 arguments.<field>, 403 tool not given, 404 unknown tool,
 *                   504 timeout, the tool's own error status otherwise
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import type { ToolHub } from "../../tools/hub.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";
import { api } from "./registry.ts";

export function toolsApi(hub: ToolHub): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = (c: Context<AuthEnv>) =>
    c.json({ tools: hub.list(c.get("access")) });
  const listRoute = api(API.tools.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  app.post("/execute", api(API.tools.execute), async (c) =>
    c.json(
      await hub.execute(c.get("access"), await jsonBody(c), c.req.raw.signal),
    ));
  return app;
}
