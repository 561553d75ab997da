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
import { SESSION_COOKIE_NAME } from "../../../lib/api/common.ts";
import type { Context, MiddlewareHandler } from "hono";
import { parse as parseCookies } from "hono/utils/cookie";
import { getConnInfo } from "hono/deno";
import { AppError } from "../../../lib/errors.ts";
import { bearer, timingSafeEqual } from "../../../lib/bearer.ts";

export { bearer, timingSafeEqual };
import type { Actor } from "../../audit/mod.ts";
import type { AuthService, Principal } from "../../auth/service.ts";
import type {
  NodePrincipal,
  Principal as AccessPrincipal,
} from "../../access/principal.ts";

export type { Principal };
export const SESSION_COOKIE = SESSION_COOKIE_NAME;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type AuthEnv = {
  Variables: {
    principal: Principal;
    /** The client's address, set once per request by `resolveClientAddress`. */
    clientAddress?: string | null;
    /** Who asks, as the domain services take it (controller/access). */
    access: AccessPrincipal;
  };
};

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
    c.set("access", await auth.accessPrincipal(principal));
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

/**
 * The node principal of a node-protocol request (behind `requireNodeToken`).
 * The shared node token does not say which node sent it, so the path's
 * `:node` names it; per-node credentials will name it here instead.
 */
export function nodeCaller(c: Context): NodePrincipal {
  return { kind: "node", node: c.req.param("node") ?? "" };
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

/**
 * The client's address for rate limits and the audit log: the TCP peer, or,
 * behind `hops` trusted reverse proxies, the X-Forwarded-For entry that the
 * outermost trusted proxy appended (`hops` from the right). Entries further
 * left are whatever the client sent and are never used; a header with fewer
 * entries than `hops` falls back to its left-most (the proxies' chain is
 * shorter than configured).
 */
export function clientAddress(
  c: Context,
  trustProxy: boolean,
  hops = 1,
): string | null {
  const resolved = (c as Context<AuthEnv>).get("clientAddress");
  if (resolved !== undefined) return resolved;
  if (trustProxy) {
    const fwd = forwardedFor(c.req.header("x-forwarded-for"), hops);
    if (fwd) return fwd;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null; // app.request() in tests has no connection
  }
}

/** The entry `hops` from the right of an X-Forwarded-For value, or null. */
export function forwardedFor(
  header: string | undefined,
  hops: number,
): string | null {
  if (!header || hops < 1) return null;
  const entries = header.split(",").map((s) => s.trim()).filter(Boolean);
  if (!entries.length) return null;
  const pick = entries[Math.max(0, entries.length - hops)];
  return pick.slice(0, 100);
}

/**
 * Resolves the client address once per request (see `clientAddress`).
 *
 * @example app.use("*", resolveClientAddress({ trustProxy: true, hops: 1 }))
 */
export function resolveClientAddress(
  o: { trustProxy: boolean; hops: number },
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    c.set("clientAddress", clientAddress(c, o.trustProxy, o.hops));
    await next();
  };
}
