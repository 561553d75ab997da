/**
 * Authentication and authorisation at the HTTP edge (docs/design/security.md).
 *
 * `requireAuth` resolves the caller from a bearer API token or the session
 * cookie; writes made with the cookie must echo the session's CSRF token in
 * `X-CSRF-Token` and come from this origin; read-only tokens may only read.
 * `requireRole("admin")` guards admin routes. Node-agent routes use
 * `requireNodeCredential` and accept nothing else: the join token on
 * `…/{node}/enroll` only, a node's own secret on its own routes only.
 */
import type { Context, MiddlewareHandler } from "hono";
import { parse as parseCookies } from "hono/utils/cookie";
import { getConnInfo } from "hono/deno";
import { AppError } from "../../../lib/errors.ts";
import { bearer, timingSafeEqual } from "../../../lib/bearer.ts";

export { bearer, timingSafeEqual };
import type { Actor } from "../../audit/mod.ts";
import type { AuthService, Principal } from "../../auth/service.ts";

export type { Principal };
export const SESSION_COOKIE = "falcon_session";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type AuthEnv = { Variables: { principal: Principal } };

/** Resolves the caller of a request, or null. */
export function principalOf(
  c: Context,
  auth: AuthService,
): Promise<Principal | null> {
  return principalFromRequest(c.req.raw, auth);
}

/**
 * The caller behind a request: an `Authorization: Bearer` API token, else the
 * session cookie. A request that sends an Authorization header is judged by it
 * alone, so a bad token never falls back to an ambient cookie.
 */
export async function principalFromRequest(
  req: Request,
  auth: AuthService,
): Promise<Principal | null> {
  const header = req.headers.get("authorization");
  if (header !== null) {
    const token = bearer(header);
    return token ? await auth.tokenPrincipal(token) : null;
  }
  const cookie = parseCookies(
    req.headers.get("cookie") ?? "",
    SESSION_COOKIE,
  )[SESSION_COOKIE];
  return cookie ? await auth.sessionPrincipal(cookie) : null;
}

/**
 * @example app.use("/api/*", requireAuth(auth))
 */
export function requireAuth(auth: AuthService): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const principal = await principalOf(c, auth);
    if (!principal) {
      throw new AppError(
        "unauthorized",
        "Authentication required: sign in or send an API token",
      );
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      if (principal.scope === "read") {
        throw new AppError("forbidden", "This API token is read-only");
      }
      if (principal.kind === "session") checkCsrf(c, principal);
    }
    c.set("principal", principal);
    await next();
  };
}

function checkCsrf(c: Context, p: Principal) {
  const origin = c.req.header("origin");
  if (origin && origin !== new URL(c.req.url).origin) {
    throw new AppError("forbidden", "Cross-site request refused");
  }
  const given = c.req.header("x-csrf-token") ?? "";
  if (!p.session || !timingSafeEqual(given, p.session.csrf)) {
    throw new AppError(
      "forbidden",
      "Missing or wrong X-CSRF-Token header (reload the page)",
    );
  }
}

/** Only principals of this role pass. */
export function requireRole(role: "admin"): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const p = c.get("principal");
    if (!p || p.role !== role) {
      throw new AppError("forbidden", `This needs the ${role} role`);
    }
    await next();
  };
}

export type NodeEnv = { Variables: { node: string } };

/**
 * Node-agent endpoints `/internal/v1/nodes/{node}/{action}` (finding #6 of
 * issue 11): `enroll` takes the join token and nothing else; every other
 * action takes a per-node secret, and only the secret of the node the path
 * names (403 for another node's, so one node cannot act as another).
 */
export function requireNodeCredential(opts: {
  joinToken: string;
  /** The node a presented secret belongs to, or null. */
  authenticate: (secret: string) => Promise<string | null>;
}): MiddlewareHandler<NodeEnv> {
  return async (c, next) => {
    const given = bearer(c.req.header("authorization"));
    const m = /^\/internal\/v1\/nodes\/([^/]+)\/([^/]+)$/.exec(c.req.path);
    if (m?.[2] === "enroll") {
      if (given === null || !timingSafeEqual(given, opts.joinToken)) {
        throw new AppError("unauthorized", "Join token required");
      }
      return await next();
    }
    const owner = given === null ? null : await opts.authenticate(given);
    if (owner === null) {
      throw new AppError(
        "unauthorized",
        "Node credential required: enrol with the join token first",
      );
    }
    if (!m || m[1] !== owner) {
      throw new AppError(
        "forbidden",
        `This credential belongs to node "${owner}" and acts for it only`,
        { field: "node" },
      );
    }
    c.set("node", owner);
    await next();
  };
}

/** Who acts and from where, for the audit log and rate limits. */
export function actorOf(
  c: Context,
  trustProxy: boolean,
): Actor & { userAgent: string | null } {
  const p = c.get("principal") as Principal | undefined;
  return {
    id: p?.userId ?? null,
    name: p?.username ?? null,
    ip: clientAddress(c, trustProxy),
    userAgent: c.req.header("user-agent") ?? null,
  };
}

export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const fwd = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd.slice(0, 100);
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests has no connection
  }
}
