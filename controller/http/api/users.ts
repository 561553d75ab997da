/** /api/users (admin): accounts, roles, per-camera access, password reset. */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
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
  const listRoute = api(API.users.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);
  const create = async (c: import("hono").Context<AuthEnv>) =>
    c.json(
      await auth.createUser(
        c.get("access"),
        await jsonBody(c),
        actorOf(c, opts.trustProxy),
      ),
      201,
    );
  const createRoute = api(API.users.create);
  app.post("/", createRoute, create);
  app.post("", createRoute, create);
  app.get(
    "/:id",
    api(API.users.get),
    async (c) => c.json(await auth.getUser(c.get("access"), c.req.param("id"))),
  );
  app.patch(
    "/:id",
    api(API.users.update),
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
    api(API.users.delete),
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
    api(API.users.resetPassword),
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
