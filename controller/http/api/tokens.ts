/** /api/tokens: API tokens for the CLI and automation. Admins see all; others their own. */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { AuthService } from "../../auth/service.ts";
import { jsonBody } from "../middleware/errors.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";

export function tokensApi(
  auth: AuthService,
  opts: { trustProxy: boolean },
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = async (c: import("hono").Context<AuthEnv>) => {
    const tokens = await auth.listTokens(c.get("access"));
    return c.json({ tokens, total: tokens.length });
  };
  const listRoute = api(API.tokens.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  const create = async (c: import("hono").Context<AuthEnv>) =>
    c.json(
      await auth.createToken(
        c.get("access"),
        await jsonBody(c),
        actorOf(c, opts.trustProxy),
      ),
      201,
    );
  const createRoute = api(API.tokens.create);
  app.post("/", createRoute, create);
  app.post("", createRoute, create);
  // Body `{user_id}`: the caller's own tokens, or (admins) anyone's.
  app.post(
    "/revoke-all",
    api(API.tokens.revokeAll),
    async (c) =>
      c.json(
        await auth.revokeAllTokens(
          c.get("access"),
          await jsonBody(c),
          actorOf(c, opts.trustProxy),
        ),
      ),
  );
  app.delete(
    "/:id",
    api(API.tokens.revoke),
    async (c) =>
      c.json(
        await auth.revokeToken(
          c.get("access"),
          c.req.param("id"),
          actorOf(c, opts.trustProxy),
        ),
      ),
  );
  return app;
}
