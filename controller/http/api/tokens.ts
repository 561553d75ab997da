/** /api/tokens: API tokens for the CLI and automation. Admins see all; others their own. */
import { Hono } from "hono";
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
  app.get("/", list);
  app.get("", list);
  const create = async (c: import("hono").Context<AuthEnv>) =>
    c.json(
      await auth.createToken(
        c.get("access"),
        await jsonBody(c),
        actorOf(c, opts.trustProxy),
      ),
      201,
    );
  app.post("/", create);
  app.post("", create);
  app.delete(
    "/:id",
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
