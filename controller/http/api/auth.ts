/**
 * /api/auth: status, first-run setup, login, logout, session, own password.
 * Paths follow the original (`/api/auth/status|setup|login|logout|credentials`).
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { deleteCookie, setCookie } from "hono/cookie";
import type { AuthService } from "../../auth/service.ts";
import { jsonBody } from "../middleware/errors.ts";
import {
  actorOf,
  type AuthEnv,
  principalOf,
  requireAuth,
  SESSION_COOKIE,
} from "../middleware/auth.ts";

export interface AuthApiOptions {
  trustProxy: boolean;
}

export function authApi(
  auth: AuthService,
  opts: AuthApiOptions,
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const setSession = (c: Context, token: string) =>
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isTls(c, opts.trustProxy),
      maxAge: Math.floor(auth.idleMs / 1000),
    });

  // Public.
  app.get("/status", api(API.auth.status), async (c) => {
    const p = await principalOf(c, auth);
    return c.json({
      setup_required: await auth.setupRequired(),
      authenticated: p !== null,
      user: p ? { id: p.userId, username: p.username, role: p.role } : null,
    });
  });

  app.post("/setup", api(API.auth.setup), async (c) => {
    const out = await auth.setup(
      await jsonBody(c),
      actorOf(c, opts.trustProxy),
    );
    setSession(c, out.sessionToken);
    return c.json({ user: out.user, csrf_token: out.csrf }, 201);
  });

  app.post("/login", api(API.auth.login), async (c) => {
    const out = await auth.login(
      await jsonBody(c),
      actorOf(c, opts.trustProxy),
    );
    setSession(c, out.sessionToken);
    return c.json({ user: out.user, csrf_token: out.csrf });
  });

  // Authenticated.
  app.use("/logout", requireAuth(auth));
  app.post("/logout", api(API.auth.logout), async (c) => {
    await auth.logout(c.get("principal"), actorOf(c, opts.trustProxy));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ message: "Signed out" });
  });

  app.use("/session", requireAuth(auth));
  app.get("/session", api(API.auth.session), async (c) => {
    const p = c.get("principal");
    return c.json({
      user: await auth.me(p),
      csrf_token: p.session?.csrf ?? null,
      kind: p.kind,
      scope: p.scope,
    });
  });

  app.use("/credentials", requireAuth(auth));
  app.patch("/credentials", api(API.auth.credentials), async (c) => {
    const out = await auth.changePassword(
      c.get("principal"),
      await jsonBody(c),
      actorOf(c, opts.trustProxy),
    );
    if (out.sessionToken) setSession(c, out.sessionToken);
    return c.json({
      message: "Password changed; other sessions were signed out",
      csrf_token: out.csrf,
    });
  });
  return app;
}

function isTls(c: Context, trustProxy: boolean): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return trustProxy && c.req.header("x-forwarded-proto") === "https";
}
