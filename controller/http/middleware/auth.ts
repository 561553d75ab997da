/**
 * The authentication seam. Every /api route passes through `requireAuth`,
 * which asks an Authenticator for the caller. Accounts and sessions arrive
 * later; until then the controller runs with `openAuthenticator` (everyone is
 * an admin, stated loudly in the log) or, when FALCON_API_TOKEN is set,
 * `tokenAuthenticator` (a bearer token).
 */
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../../../lib/errors.ts";

export interface Principal {
  id: string;
  kind: "user" | "token" | "open";
  role: "admin" | "viewer";
}

export type Authenticator = (
  c: Context,
) => Promise<Principal | null> | Principal | null;

export function openAuthenticator(): Authenticator {
  const principal: Principal = { id: "open", kind: "open", role: "admin" };
  return () => principal;
}

export function tokenAuthenticator(token: string): Authenticator {
  return (c) => {
    const given = bearer(c.req.header("authorization"));
    return given !== null && timingSafeEqual(given, token)
      ? { id: "api-token", kind: "token", role: "admin" }
      : null;
  };
}

/**
 * @example app.use("/api/*", requireAuth(openAuthenticator()))
 */
export function requireAuth(
  authenticate: Authenticator,
): MiddlewareHandler<{ Variables: { principal: Principal } }> {
  return async (c, next) => {
    const principal = await authenticate(c);
    if (!principal) {
      throw new AppError("unauthorized", "Authentication required");
    }
    c.set("principal", principal);
    await next();
  };
}

/** Node-agent endpoints: the shared node token and nothing else. */
export function requireNodeToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const given = bearer(c.req.header("authorization"));
    if (given === null || !timingSafeEqual(given, token)) {
      throw new AppError("unauthorized", "Node token required");
    }
    await next();
  };
}

export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return m ? m[1] : null;
}

/** Compares secrets in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) {
    diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  }
  return diff === 0;
}
