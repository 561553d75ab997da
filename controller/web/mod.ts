/**
 * The dashboard on a Hono app: built assets under `/assets/`, one GET route per
 * entry of the route manifest it is given (`routes/_manifest.ts`, passed by
 * the composition root `controller/mod.ts`: the framework imports no page),
 * and the `_404` page for unknown pages.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * mountDashboard(app, { listCameras, listNodes }, await buildIslands(), manifest);
 * ```
 */
import type { Context, Hono, NotFoundHandler } from "hono";
import { renderPage } from "./render.ts";
import type {
  DashboardDeps,
  IslandAssets,
  RouteManifest,
  RouteModule,
} from "./types.ts";

// Not `buildIslands`: esbuild stays out of the controller's graph (assets.ts
// imports it only when it must bundle).
export { loadIslandAssets } from "./assets.ts";
export { renderPage } from "./render.ts";
export { Island } from "./island.tsx";
export type * from "./types.ts";

const PRODUCT = "Falcon-Eye";
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Paths that belong to machines: an unknown one answers JSON, not the HTML 404 page. */
const API_PREFIXES = ["/api/", "/internal/"];

export interface MountedDashboard {
  /** The handler `mountDashboard` installed with `app.notFound`, for an app that composes its own. */
  notFound: NotFoundHandler;
}

/** A `Server-Timing` header value: `auth;dur=0.4, data;dur=2.1, …` (ms). */
export function serverTiming(parts: Record<string, number>): string {
  return Object.entries(parts)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
    .join(", ");
}

/**
 * Registers `GET /assets/:file` and every page route on `app`, and sets
 * `app.notFound`: the `_404` page for browsers, the JSON error body under
 * `/api/` and `/internal/` or for methods other than GET/HEAD.
 */
export function mountDashboard(
  app: Hono,
  deps: DashboardDeps,
  assets: IslandAssets,
  manifest: RouteManifest,
): MountedDashboard {
  app.get("/assets/:file", (c) => {
    const file = assets.files.get(c.req.path);
    if (!file) return c.text("Not found", 404, { "Cache-Control": "no-store" });
    const gzip = file.gzip && acceptsGzip(c.req.header("Accept-Encoding"))
      ? file.gzip
      : null;
    // Each encoding is its own representation, with its own ETag.
    const etag = gzip ? file.etag.replace(/"$/, '-gz"') : file.etag;
    const headers: Record<string, string> = {
      "Content-Type": file.contentType,
      "Cache-Control": IMMUTABLE,
      "ETag": etag,
      "Vary": "Accept-Encoding",
      "X-Content-Type-Options": "nosniff",
    };
    if (gzip) headers["Content-Encoding"] = "gzip";
    const inm = c.req.header("If-None-Match");
    if (
      inm &&
      inm.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)
    ) {
      return c.body(null, 304, headers);
    }
    return c.body((gzip ?? file.body) as Uint8Array<ArrayBuffer>, 200, headers);
  });

  const page = async (
    c: Context,
    mod: RouteModule,
    status: 200 | 403 | 404,
  ): Promise<Response> => {
    const started = performance.now();
    const url = new URL(c.req.url);
    const access = mod.access ?? "user";
    const user = await deps.user(c.req.raw);
    const authed = performance.now();
    if (access !== "public" && !user) {
      const next = url.pathname + url.search;
      const to = (await deps.setupRequired())
        ? "/setup"
        : `/login${next === "/" ? "" : `?next=${encodeURIComponent(next)}`}`;
      return c.redirect(to, 303);
    }
    if (access === "admin" && user?.role !== "admin") {
      return page(c, manifest.notFound.module, 403);
    }
    const out = await mod.default({
      deps,
      req: c.req.raw,
      url,
      params: c.req.param() as Record<string, string>,
      user,
    });
    if (out instanceof Response) return out;
    const loaded = performance.now();
    const title = mod.title ? `${mod.title} · ${PRODUCT}` : PRODUCT;
    const html = renderPage(out, { title, assets, csrf: user?.csrf });
    const done = performance.now();
    return c.body(html, status, {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      // Where a page's server time goes (browser dev tools and
      // bench/dashboard.ts read it): session lookup, the route's data, SSR.
      "Server-Timing": serverTiming({
        auth: authed - started,
        data: loaded - authed,
        render: done - loaded,
        total: done - started,
      }),
    });
  };

  for (const route of manifest.routes) {
    app.get(route.pattern, (c) => page(c, route.module, 200));
  }

  const notFound: NotFoundHandler = (c) => {
    const path = c.req.path;
    const method = c.req.method;
    if (
      API_PREFIXES.some((p) => path.startsWith(p)) ||
      (method !== "GET" && method !== "HEAD")
    ) {
      return c.json({
        error: {
          code: "not_found",
          message: `Cannot ${method} ${path}: no such route`,
        },
      }, 404);
    }
    return page(c, manifest.notFound.module, 404);
  };
  app.notFound(notFound);
  return { notFound };
}

/** True when an Accept-Encoding header allows gzip (q=0 refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return !q || Number(q.slice(2)) > 0;
  });
}
