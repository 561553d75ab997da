/**
 * The route registry: each `/api` handler is mounted with its entry of the
 * contract table (lib/api/routes.ts) through `api(route)`, a middleware that
 * enforces the route's access and validates path parameters, query and body
 * with exactly the route's schemas before the handler runs. The OpenAPI
 * document (lib/api/openapi.ts) comes from the same table, and
 * `routeOf(handler)` lets a test check that every route the Hono app
 * registers carries the entry documented for its method and path.
 */
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { ApiRoute } from "../../../lib/api/routes.ts";
import { AppError } from "../../../lib/errors.ts";
import { invalidInput } from "../../../lib/validation.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

const mounted = new WeakMap<MiddlewareHandler, ApiRoute>();

function check(schema: z.ZodType, value: unknown) {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidInput(r.error.issues);
}

/** An empty query value counts as left out (forms send `?status=`). */
function givenQuery(q: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ""));
}

/** The middleware that mounts a handler as `route`: access, then params, query and body. */
export function api(route: ApiRoute): MiddlewareHandler<AuthEnv> {
  const mw: MiddlewareHandler<AuthEnv> = async (c, next) => {
    if (route.access === "agent") {
      if (c.get("access")?.kind !== "agent") {
        throw new AppError(
          "forbidden",
          "Only an agent process may call this, with its own credential",
        );
      }
    } else if (
      route.access === "admin" && c.get("principal")?.role !== "admin"
    ) {
      throw new AppError("forbidden", "This needs the admin role");
    }
    if (route.params) check(route.params, c.req.param());
    if (route.query) check(route.query, givenQuery(c.req.query()));
    // jsonBody's reading is cached by Hono, so the handler reads it again for free.
    if (route.body) check(route.body, await jsonBody(c));
    await next();
  };
  mounted.set(mw as MiddlewareHandler, route);
  return mw;
}

/** The contract entry a handler was mounted with, if it is an `api()` middleware. */
export function routeOf(handler: unknown): ApiRoute | undefined {
  return typeof handler === "function"
    ? mounted.get(handler as MiddlewareHandler)
    : undefined;
}
