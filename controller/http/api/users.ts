/** /api/users (admin): accounts, roles, per-camera access, password reset. */
import { Hono } from "hono";
import type { AuthService } from "../../auth/service.ts";
import { jsonBody } from "../middleware/errors.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";

export function usersApi(
  auth: AuthService,
  opts: { trustProxy: boolean },
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  // Who may: the account service asks the access policy.
  const list = async (c: import("hono").Context<AuthEnv>) => {
    const users = await auth.listUsers(c.get("access"));
    return c.json({ users, total: users.length });
  };
  app.get("/", list);
  app.get("", list);
  const create = async (c: import("hono").Context<AuthEnv>) =>
    c.json(
      await auth.createUser(
        c.get("access"),
        await jsonBody(c),
        actorOf(c, opts.trustProxy),
      ),
      201,
    );
  app.post("/", create);
  app.post("", create);
  app.get(
    "/:id",
    async (c) => c.json(await auth.getUser(c.get("access"), c.req.param("id"))),
  );
  app.patch(
    "/:id",
    async (c) =>
      c.json(
        await auth.updateUser(
          c.get("access"),
          c.req.param("id"),
          await jsonBody(c),
          actorOf(c, opts.trustProxy),
        ),
      ),
  );
  app.delete(
    "/:id",
    async (c) =>
      c.json(
        await auth.deleteUser(
          c.get("access"),
          c.req.param("id"),
          actorOf(c, opts.trustProxy),
        ),
      ),
  );
  app.post(
    "/:id/reset-password",
    async (c) =>
      c.json(
        await auth.resetPassword(
          c.get("access"),
          c.req.param("id"),
          await jsonBody(c),
          actorOf(c, opts.trustProxy),
        ),
      ),
  );
  return app;
}
