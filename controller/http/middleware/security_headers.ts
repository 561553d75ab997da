/**
 * Response headers that close browser-side holes: a strict Content-Security-
 * Policy (scripts only from our own origin — islands are external modules, and
 * their props are inert JSON), no framing, no MIME sniffing, no referrer.
 */
import type { MiddlewareHandler } from "hono";

/** The dashboard's only inline `<style>` may be allowed by hash; see controller/web/render.ts. */
export function securityHeaders(
  opts: { styleHashes?: string[] } = {},
): MiddlewareHandler {
  const styles = ["'self'", ...(opts.styleHashes ?? []).map((h) => `'${h}'`)]
    .join(" ");
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${styles}`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return async (c, next) => {
    await next();
    c.header("content-security-policy", csp);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("x-frame-options", "DENY");
    c.header("cross-origin-opener-policy", "same-origin");
    c.header("permissions-policy", "camera=(), microphone=(), geolocation=()");
  };
}
