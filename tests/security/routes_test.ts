/**
 * Every route the controller registers, checked against the live server
 * (docs/design/security.md: unauthenticated access, viewer overreach, token
 * misuse, clickjacking/MIME sniffing/referrer leaks).
 *
 * The route list comes from the app itself, so a route added later is checked
 * the day it lands: until someone classifies it below (public, page, viewer,
 * admin-only or internal), this test fails and says so.
 */
import assert from "node:assert/strict";
import { PUBLIC_API } from "../../controller/http/app.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  nodeHeaders,
  nodeHeartbeat,
  registerNode,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  createCamera,
  createToken,
  createUser,
  drain,
  expectError,
  fillPath,
  key,
  login,
  registeredRoutes,
  type Route,
  type Session,
  unknownId,
} from "./helpers.ts";

// --- Who may call what. A route in none of these lists fails the test. ---

/** Anyone, without credentials (must match PUBLIC_API for /api paths). */
const PUBLIC = new Set([
  "GET /healthz",
  "GET /readyz",
  "GET /api/auth/status",
  "POST /api/auth/login",
  "POST /api/auth/setup",
  "GET /assets/:file",
]);
/** Dashboard pages open to anyone (they redirect signed-in users onwards). */
const PUBLIC_PAGES = new Set(["GET /login", "GET /setup"]);
/** Dashboard pages for any signed-in user: 303 to /login (or /setup) without a session. */
const PAGES = new Set([
  "GET /",
  "GET /account",
  "GET /tokens",
  "GET /cameras/:id",
  "GET /recordings",
  "GET /api-docs",
]);
/** Dashboard pages for admins: 303 without a session, 403 for a viewer. */
const ADMIN_PAGES = new Set([
  "GET /users",
  "GET /audit",
  "GET /nodes",
  "GET /cameras/scan",
  "GET /settings",
  "GET /agents",
  "GET /agents/:id/chat",
  "GET /agents/ask",
]);
/** Admin pages that answer a redirect (to the page they lead to). */
const REDIRECTING_PAGES = new Set(["GET /agents/ask"]);
/** /api routes a viewer may use (besides the public ones). */
const VIEWER = new Set([
  "GET /api/cameras",
  "GET /api/cameras/:id",
  "GET /api/cameras/:id/stream",
  "GET /api/cameras/:id/snapshot",
  "GET /api/events",
  "GET /api/streams/live",
  "POST /api/auth/logout",
  "GET /api/auth/session",
  "PATCH /api/auth/credentials",
  "GET /api/tokens",
  "POST /api/tokens",
  "DELETE /api/tokens/:id",
  // Their own tokens only (403 for another user_id).
  "POST /api/tokens/revoke-all",
  "GET /api/cameras/:id/recording/status",
  "GET /api/cameras/:id/playback",
  "GET /api/cameras/:id/timeline",
  "GET /api/recordings",
  "GET /api/recordings/:id",
  "GET /api/recordings/:id/download",
  // Reading presets moves nothing; moving a camera is admin-only (below).
  "GET /api/cameras/:id/ptz/presets",
  // The API's own description; no secret in it.
  "GET /api/openapi.json",
]);
/** /api routes only admins may use: a viewer gets 403. */
const ADMIN_ONLY = new Set([
  "GET /api/users",
  "POST /api/users",
  "GET /api/users/:id",
  "PATCH /api/users/:id",
  "DELETE /api/users/:id",
  "POST /api/users/:id/reset-password",
  "GET /api/audit",
  "POST /api/cameras",
  "PATCH /api/cameras/:id",
  "DELETE /api/cameras/:id",
  "POST /api/cameras/probe",
  "POST /api/cameras/onvif/inspect",
  "POST /api/cameras/:id/ptz",
  "GET /api/nodes",
  "GET /api/nodes/:name",
  "GET /api/nodes/:name/storage",
  "GET /api/nodes/:name/devices/usb",
  "DELETE /api/nodes/:name/enrolment",
  "POST /api/nodes/scan/cameras",
  "POST /api/cameras/:id/recording/start",
  "POST /api/cameras/:id/recording/stop",
  "PATCH /api/recordings/:id",
  "DELETE /api/recordings/:id",
  "POST /api/recordings/reconcile",
  "GET /api/settings",
  "PATCH /api/settings",
  // Chat with agents (an agent acts with its own grants, which a viewer's may not cover).
  "POST /api/chat/:agent_id/send",
  "GET /api/chat/:agent_id/history",
  "GET /api/chat/:agent_id/sessions",
  "POST /api/chat/:agent_id/sessions/new",
  "GET /api/chat/:agent_id/sessions/:session_id/events",
  "GET /api/chat/:agent_id/turns/:turn_id",
]);
/**
 * Node protocol: enrolment takes the join token and nothing else; every
 * other route the secret of the node it names and nothing else.
 */
const INTERNAL = new Set([
  "POST /internal/v1/nodes/:node/enroll",
  "POST /internal/v1/nodes/:node/heartbeat",
  "GET /internal/v1/nodes/:node/desired",
  "POST /internal/v1/nodes/:node/events",
]);
/** A valid body for each node-protocol write. */
const internalBody = (r: Route) =>
  r.path.endsWith("/events")
    ? { events: [] }
    : r.path.endsWith("/enroll")
    ? { address: "http://127.0.0.1:9", api_key: "k".repeat(43) }
    : nodeHeartbeat(NODE);
const LISTS = {
  PUBLIC,
  PUBLIC_PAGES,
  PAGES,
  ADMIN_PAGES,
  VIEWER,
  ADMIN_ONLY,
  INTERNAL,
};

const VIEWER_PASSWORD = "viewer-Pass-4-routes!";
const NODE = "sec-node";

interface Fixture {
  stack: Stack;
  routes: Route[];
  adminId: string;
  viewerId: string;
  /** Granted to the viewer. */
  camA: string;
  camB: string;
  camC: string;
  viewer: Session;
  viewerToken: string;
  adminSession: Session;
  adminReadToken: string;
  /** An agent with a chat session and a turn in it. */
  agentId: string;
  sessionId: string;
  turnId: string;
}

/** What a caller sends: path with parameters filled, optional JSON body. */
function request(
  base: string,
  route: Route,
  params: Record<string, string>,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  let path = fillPath(route.path, params);
  if (route.path === "/api/streams/live") path += `?cameras=${params.id}`;
  const h = new Headers(headers);
  const write = route.method !== "GET" && route.method !== "HEAD";
  if (write) h.set("content-type", "application/json");
  return fetch(`${base}${path}`, {
    method: route.method,
    headers: h,
    body: write ? JSON.stringify(body ?? {}) : undefined,
    redirect: "manual",
  });
}

const isApi = (r: Route) => r.path.startsWith("/api/");
const unknownParams = () => ({
  id: unknownId(),
  name: "no-such",
  node: "no-such",
  file: "x.js",
  agent_id: unknownId(),
  session_id: unknownId(),
  turn_id: unknownId(),
});

/** Status plus body text; streaming answers are cut short. */
async function call(res: Promise<Response>) {
  const r = await res;
  const text = r.ok ? await drain(r, { timeoutMs: 200 }) : await r.text();
  return { status: r.status, text, res: r };
}

Deno.test({
  name: "security: every registered route is classified, guarded and answered",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: true });
    try {
      const f = await fixture(stack);
      const { routes } = f;
      const base = stack.url;

      await t.step(
        "the enumeration finds every route and each is classified",
        () => {
          // Proves the enumeration works: a broken one would find few routes.
          assert.ok(
            routes.length >= 30,
            `only ${routes.length} routes found: ${routes.map(key).join(", ")}`,
          );
          for (
            const k of [
              "GET /api/cameras",
              "POST /internal/v1/nodes/:node/heartbeat",
              "GET /",
              "GET /assets/:file",
            ]
          ) {
            assert.ok(
              routes.some((r) => key(r) === k),
              `enumeration lists ${k}`,
            );
          }
          const unclassified = routes.filter((r) =>
            !Object.values(LISTS).some((l) => l.has(key(r)))
          );
          assert.deepEqual(
            unclassified.map(key),
            [],
            `New route(s) ${
              unclassified.map(key).join(", ")
            }: classify each in tests/security/routes_test.ts (PUBLIC, PUBLIC_PAGES, PAGES, ADMIN_PAGES, VIEWER, ADMIN_ONLY or INTERNAL) after deciding who may call it`,
          );
          const registered = new Set(routes.map(key));
          for (const [name, list] of Object.entries(LISTS)) {
            for (const k of list) {
              assert.ok(
                registered.has(k),
                `${name} lists ${k}, which the app no longer registers; remove it`,
              );
            }
          }
          for (const [name, list] of Object.entries(LISTS)) {
            for (const [other, o] of Object.entries(LISTS)) {
              if (name >= other) continue;
              const both = [...list].filter((k) => o.has(k));
              assert.deepEqual(both, [], `${name} and ${other} overlap`);
            }
          }
          // The production public set and this test's agree.
          const publicApiPaths = new Set(
            [...PUBLIC].map((k) => k.split(" ")[1]).filter((p) =>
              p.startsWith("/api/")
            ),
          );
          assert.deepEqual(
            [...publicApiPaths].sort(),
            [...PUBLIC_API].sort(),
            "PUBLIC_API in controller/http/app.ts and PUBLIC here differ",
          );
        },
      );

      await t.step(
        "without credentials: 401 in the error shape, pages redirect",
        async () => {
          for (const r of routes) {
            const k = key(r);
            const res = await request(base, r, unknownParams(), {});
            if (PUBLIC.has(k)) {
              const { status, text } = await call(Promise.resolve(res));
              assert.ok(
                status < 500 && status !== 401 && status !== 403,
                `${k} is public but answered ${status}: ${text.slice(0, 200)}`,
              );
            } else if (PUBLIC_PAGES.has(k)) {
              await res.body?.cancel();
              // /login shows the form; /setup sends to /login once set up.
              assert.ok(
                res.status === 200 ||
                  (res.status === 303 &&
                    /^\/login\b/.test(
                      new URL(res.headers.get("location")!, base).pathname,
                    )),
                `${k} answered ${res.status} ${res.headers.get("location")}`,
              );
            } else if (PAGES.has(k) || ADMIN_PAGES.has(k)) {
              await res.body?.cancel();
              assert.equal(res.status, 303, `${k} without a session`);
              assert.match(
                res.headers.get("location") ?? "",
                /^\/(login|setup)(\?|$)/,
                `${k} redirects to sign-in`,
              );
            } else {
              const err = await expectError(
                res,
                401,
                `${k} without credentials`,
              );
              assert.equal(err.code, "unauthorized", k);
            }
          }
          // The /api catch-all is behind authentication too.
          await expectError(
            await fetch(`${base}/api/no-such-route`),
            401,
            "unknown /api path without credentials",
          );
          // A bad bearer token never falls back to a valid cookie.
          await expectError(
            await fetch(`${base}/api/cameras`, {
              headers: {
                authorization: "Bearer fe_not-a-token",
                cookie: f.adminSession.cookie,
              },
            }),
            401,
            "bad bearer + good cookie",
          );
        },
      );

      await t.step(
        "as admin, every /api route is reachable (so the 403s below are about roles)",
        async () => {
          for (const r of routes.filter(isApi)) {
            const k = key(r);
            const params = {
              ...unknownParams(),
              ...(r.method === "GET" ? { id: f.camA, name: NODE } : {}),
            };
            const { status, text } = await call(
              request(base, r, params, stack.auth),
            );
            assert.ok(
              status !== 401 && status !== 403 && status !== 500,
              `admin ${k} answered ${status}: ${text.slice(0, 200)}`,
            );
            assert.doesNotMatch(
              text,
              /No API route|no such route/,
              `${k} is registered on the live server`,
            );
          }
        },
      );

      await t.step(
        "a viewer gets 403 on every admin-only route, by cookie and by token",
        async () => {
          // Real ids and valid bodies: a missing check would show as success, not 400/404.
          const params = {
            id: f.camB,
            name: NODE,
            node: NODE,
            file: "x.js",
            agent_id: f.agentId,
            session_id: f.sessionId,
            turn_id: f.turnId,
          };
          const userParams = { ...params, id: f.adminId };
          const bodies: Record<string, unknown> = {
            "POST /api/users": {
              username: "intruder",
              password: "intruder-Pass-123",
              role: "admin",
            },
            "PATCH /api/users/:id": { role: "viewer" },
            "POST /api/users/:id/reset-password": {
              new_password: "taken-Over-pass-9",
            },
            "POST /api/cameras": { name: "Intruder cam", protocol: "demo" },
            "PATCH /api/cameras/:id": { name: "pwned" },
            "POST /api/chat/:agent_id/send": { message: "intrude" },
          };
          const nonApi = [...ADMIN_ONLY].filter((k) => !k.includes(" /api/"));
          assert.deepEqual(nonApi, [], "ADMIN_ONLY holds /api routes only");
          const others = routes.filter((r) =>
            isApi(r) && !PUBLIC.has(key(r)) && !VIEWER.has(key(r))
          );
          assert.ok(
            others.length >= 10,
            `admin-only routes found: ${others.length}`,
          );
          for (const r of others) {
            const k = key(r);
            assert.ok(
              ADMIN_ONLY.has(k),
              `${k} is neither viewer nor admin-only`,
            );
            const p = k.includes("/api/users/") ? userParams : params;
            const byCookie = await expectError(
              await request(base, r, p, f.viewer.write, bodies[k]),
              403,
              `viewer (cookie) ${k}`,
            );
            assert.match(
              byCookie.message,
              /admin role/,
              `viewer (cookie) ${k}`,
            );
            await expectError(
              await request(
                base,
                r,
                p,
                { authorization: `Bearer ${f.viewerToken}` },
                bodies[k],
              ),
              403,
              `viewer (token) ${k}`,
            );
          }
          // Nothing changed behind the 403s.
          const cam = await (await stack.api(`/api/cameras/${f.camB}`)).json();
          assert.notEqual(cam.name, "pwned");
          const users = await (await stack.api("/api/users")).json();
          assert.equal(users.total, 2, JSON.stringify(users));
          // The admin's password survived the viewer's reset attempt.
          await login(base, ADMIN_USER, ADMIN_PASSWORD);
        },
      );

      await t.step(
        "a viewer may use the routes on the viewer list",
        async () => {
          const params = { ...unknownParams(), id: f.camA };
          const bodies: Record<string, unknown> = {
            "POST /api/tokens": { name: "viewer-2", scope: "read" },
            "PATCH /api/auth/credentials": {}, // 400: fields missing, yet allowed
          };
          for (const r of routes.filter((r) => VIEWER.has(key(r)))) {
            const k = key(r);
            if (k === "POST /api/auth/logout") continue; // last, below
            const p = k === "DELETE /api/tokens/:id" ? unknownParams() : params;
            const byCookie = await call(
              request(base, r, p, f.viewer.write, bodies[k]),
            );
            assert.ok(
              ![401, 403, 500].includes(byCookie.status),
              `viewer (cookie) ${k} answered ${byCookie.status}: ${
                byCookie.text.slice(0, 200)
              }`,
            );
            if (r.method === "GET") {
              const byToken = await call(
                request(base, r, p, {
                  authorization: `Bearer ${f.viewerToken}`,
                }),
              );
              assert.ok(
                ![401, 403, 500].includes(byToken.status),
                `viewer (token) ${k} answered ${byToken.status}: ${
                  byToken.text.slice(0, 200)
                }`,
              );
            }
          }
          const out = await fetch(`${base}/api/auth/logout`, {
            method: "POST",
            headers: f.viewer.write,
          });
          assert.equal(out.status, 200, await out.text());
          await expectError(
            await fetch(`${base}/api/cameras`, {
              headers: { cookie: f.viewer.cookie },
            }),
            401,
            "viewer cookie after logout",
          );
          f.viewer = await login(base, "viewer1", VIEWER_PASSWORD);
        },
      );

      await t.step(
        "/internal takes the join token (enrolment) or the named node's secret only; /api refuses both",
        async () => {
          const own = nodeHeaders(stack, NODE);
          const other = (await registerNode(stack, "sec-other")).headers;
          const callers: [string, Record<string, string>][] = [
            ["no credentials", {}],
            ["admin API token", stack.auth],
            ["admin read-only token", {
              authorization: `Bearer ${f.adminReadToken}`,
            }],
            ["viewer API token", { authorization: `Bearer ${f.viewerToken}` }],
            ["admin session", f.adminSession.write],
            ["join token without Bearer", {
              authorization: stack.controller.joinToken,
            }],
          ];
          const internal = routes.filter((r) => INTERNAL.has(key(r)));
          assert.equal(internal.length, INTERNAL.size);
          for (const r of internal) {
            for (const [who, headers] of callers) {
              const err = await expectError(
                await request(
                  base,
                  r,
                  { node: NODE },
                  headers,
                  internalBody(r),
                ),
                401,
                `${who} on ${key(r)}`,
              );
              assert.equal(err.code, "unauthorized");
            }
            const join = {
              authorization: `Bearer ${stack.controller.joinToken}`,
            };
            if (r.path.endsWith("/enroll")) {
              // A node secret is no join token; the join token enrols a new node.
              for (
                const [who, headers] of [["own", own], ["other", other]] as [
                  string,
                  Record<string, string>,
                ][]
              ) {
                const err = await expectError(
                  await request(
                    base,
                    r,
                    { node: NODE },
                    headers,
                    internalBody(r),
                  ),
                  401,
                  `${who} node secret on ${key(r)}`,
                );
                assert.equal(err.code, "unauthorized");
              }
              const { status, text } = await call(
                request(base, r, { node: "sec-new" }, join, internalBody(r)),
              );
              assert.equal(status, 201, `join token on ${key(r)}: ${text}`);
              continue;
            }
            const err = await expectError(
              await request(base, r, { node: NODE }, join, internalBody(r)),
              401,
              `join token on ${key(r)}`,
            );
            assert.equal(err.code, "unauthorized");
            const forbidden = await expectError(
              await request(base, r, { node: NODE }, other, internalBody(r)),
              403,
              `another node's secret on ${key(r)}`,
            );
            assert.equal(forbidden.code, "forbidden");
            const { status, text } = await call(
              request(base, r, { node: NODE }, own, internalBody(r)),
            );
            assert.equal(
              status,
              200,
              `the node's own secret on ${key(r)}: ${text.slice(0, 200)}`,
            );
          }
          for (
            const [who, node] of [
              ["join token", {
                authorization: `Bearer ${stack.controller.joinToken}`,
              }],
              ["node secret", { authorization: own.authorization }],
            ] as const
          ) {
            for (
              const r of routes.filter((r) => isApi(r) && !PUBLIC.has(key(r)))
            ) {
              const err = await expectError(
                await request(
                  base,
                  r,
                  { ...unknownParams(), id: f.camA },
                  node,
                ),
                401,
                `${who} on ${key(r)}`,
              );
              assert.equal(err.code, "unauthorized");
            }
          }
        },
      );

      await t.step("a read-only token gets 403 on every write", async () => {
        const writes = routes.filter((r) =>
          isApi(r) && r.method !== "GET" && !PUBLIC.has(key(r))
        );
        assert.ok(writes.length >= 10, `writes found: ${writes.length}`);
        const ro = { authorization: `Bearer ${f.adminReadToken}` };
        for (const r of writes) {
          const err = await expectError(
            await request(base, r, { ...unknownParams(), id: f.camC }, ro, {
              name: "ro-write",
            }),
            403,
            `read-only token ${key(r)}`,
          );
          assert.match(err.message, /read-only/, key(r));
        }
        const ok = await fetch(`${base}/api/cameras`, { headers: ro });
        assert.equal(ok.status, 200);
        assert.equal((await ok.json()).total, 3);
      });

      await t.step(
        "a viewer sees only the cameras granted to them",
        async () => {
          const byToken = { authorization: `Bearer ${f.viewerToken}` };
          for (const headers of [byToken, { cookie: f.viewer.cookie }]) {
            const list = await (await fetch(`${base}/api/cameras`, { headers }))
              .json();
            assert.deepEqual(
              list.cameras.map((c: { id: string }) => c.id),
              [f.camA],
            );
            assert.equal(list.total, 1);
            const one = await fetch(`${base}/api/cameras/${f.camA}`, {
              headers,
            });
            assert.equal(one.status, 200, await one.text());
            for (const other of [f.camB, f.camC]) {
              for (const suffix of ["", "/stream", "/snapshot"]) {
                await expectError(
                  await fetch(`${base}/api/cameras/${other}${suffix}`, {
                    headers,
                  }),
                  403,
                  `viewer GET /api/cameras/<not granted>${suffix}`,
                );
              }
              await expectError(
                await fetch(
                  `${base}/api/streams/live?cameras=${f.camA},${other}`,
                  {
                    headers,
                  },
                ),
                403,
                "viewer mux stream with a camera not granted",
              );
            }
          }
          // The dashboard lists the granted camera only.
          const page = await fetch(`${base}/`, {
            headers: { cookie: f.viewer.cookie },
          });
          const html = await page.text();
          assert.equal(page.status, 200);
          assert.ok(
            html.includes("Cam A"),
            "viewer page shows the granted camera",
          );
          assert.ok(
            !html.includes("Cam B") && !html.includes("Cam C"),
            "viewer page hides the others",
          );
          assert.ok(!html.includes(f.camB) && !html.includes(f.camC));

          // The event stream carries the granted camera's changes only.
          const ac = new AbortController();
          const sse = await fetch(`${base}/api/events`, {
            headers: byToken,
            signal: ac.signal,
          });
          assert.equal(sse.status, 200);
          try {
            const reader = sse.body!.pipeThrough(new TextDecoderStream())
              .getReader();
            for (
              const [id, name] of [[f.camC, "Cam C2"], [f.camB, "Cam B2"], [
                f.camA,
                "Cam A2",
              ]]
            ) {
              const res = await stack.api(`/api/cameras/${id}`, {
                method: "PATCH",
                json: { name },
              });
              assert.equal(res.status, 200, await res.text());
            }
            let seen = "";
            const deadline = Date.now() + 5000;
            while (!seen.includes("Cam A2") && Date.now() < deadline) {
              const { value, done } = await reader.read();
              if (done) break;
              seen += value;
            }
            assert.ok(
              seen.includes("Cam A2"),
              `viewer saw the granted camera's event: ${seen}`,
            );
            assert.ok(
              !seen.includes("Cam B2") && !seen.includes("Cam C2"),
              `viewer saw other cameras: ${seen}`,
            );
            assert.ok(!seen.includes(f.camB) && !seen.includes(f.camC));
          } finally {
            ac.abort();
          }
        },
      );

      await t.step(
        "security headers on API answers and pages; no inline script",
        async () => {
          const checkHeaders = (res: Response, what: string) => {
            const csp = res.headers.get("content-security-policy") ?? "";
            const directives = new Map(
              csp.split(";").map((d) => d.trim().split(/\s+/)).map((
                [n, ...v],
              ) => [n, v]),
            );
            assert.deepEqual(
              directives.get("script-src"),
              ["'self'"],
              `${what}: CSP script-src ${csp}`,
            );
            assert.deepEqual(
              directives.get("frame-ancestors"),
              ["'none'"],
              `${what}: CSP frame-ancestors`,
            );
            assert.ok(
              !csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"),
              `${what}: CSP ${csp}`,
            );
            assert.equal(
              res.headers.get("x-content-type-options"),
              "nosniff",
              what,
            );
            assert.equal(
              res.headers.get("referrer-policy"),
              "no-referrer",
              what,
            );
            assert.equal(res.headers.get("x-frame-options"), "DENY", what);
          };
          const api = await stack.api("/api/cameras");
          checkHeaders(api, "GET /api/cameras");
          await api.body?.cancel();
          const denied = await fetch(`${base}/api/cameras`);
          checkHeaders(denied, "401 answer");
          await denied.body?.cancel();
          const loginPage = await fetch(`${base}/login`);
          checkHeaders(loginPage, "GET /login");
          assertNoInlineScript(await loginPage.text(), "GET /login");
          const redirect = await fetch(`${base}/`, { redirect: "manual" });
          checkHeaders(redirect, "303 from /");
          await redirect.body?.cancel();
          // Every page, as admin and as viewer: status by role, headers, no inline script.
          const pages = routes.filter((r) =>
            PAGES.has(key(r)) || ADMIN_PAGES.has(key(r))
          );
          assert.ok(pages.length >= 1, "pages found");
          for (const r of pages) {
            for (
              const [who, session] of [["admin", f.adminSession], [
                "viewer",
                f.viewer,
              ]] as const
            ) {
              // Camera pages open the camera granted to the viewer.
              const res = await fetch(
                `${base}${fillPath(r.path, { id: f.camA })}`,
                {
                  headers: { cookie: session.cookie },
                  redirect: "manual",
                },
              );
              const what = `${key(r)} as ${who}`;
              // /agents/ask sends an admin on to a chat (or the agents page).
              const expected = who === "viewer" && ADMIN_PAGES.has(key(r))
                ? 403
                : REDIRECTING_PAGES.has(key(r))
                ? 303
                : 200;
              const page = await res.text();
              assert.equal(
                res.status,
                expected,
                `${what}: ${page.slice(0, 200)}`,
              );
              if (expected !== 303) {
                assert.match(
                  res.headers.get("content-type") ?? "",
                  /^text\/html/,
                  what,
                );
              }
              checkHeaders(res, what);
              assertNoInlineScript(page, what);
            }
          }
          const dash = await fetch(`${base}/`, {
            headers: { cookie: f.adminSession.cookie },
          });
          assert.equal(dash.status, 200);
          const html = await dash.text();
          const scripts = assertNoInlineScript(html, "GET / (admin)");
          assert.ok(
            scripts >= 2,
            `the dashboard loads its islands (${scripts} scripts)`,
          );
          // A real asset is public and carries the headers.
          const src = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
          assert.ok(src, "the dashboard loads a script");
          const asset = await fetch(new URL(src!, base));
          assert.equal(asset.status, 200);
          checkHeaders(asset, src!);
          await asset.body?.cancel();
        },
      );
    } finally {
      await stack.close();
    }
  },
});

/** Fails on a `<script>` with inline code; returns how many scripts the page has. */
function assertNoInlineScript(html: string, what: string): number {
  const scripts = [
    ...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi),
  ];
  for (const [whole, attrs, content] of scripts) {
    const external = /\bsrc\s*=/.test(attrs);
    const data = /\btype\s*=\s*["']?application\/json["']?/i.test(attrs);
    assert.ok(
      external ? content.trim() === "" : data,
      `${what}: inline script ${whole.slice(0, 200)}`,
    );
  }
  return scripts.length;
}

async function fixture(stack: Stack): Promise<Fixture> {
  const routes = registeredRoutes(stack);
  await registerNode(stack, NODE);
  const camA = await createCamera(stack, { name: "Cam A", protocol: "demo" });
  const camB = await createCamera(stack, { name: "Cam B", protocol: "demo" });
  const camC = await createCamera(stack, { name: "Cam C", protocol: "demo" });
  const viewerId = await createUser(
    stack,
    "viewer1",
    VIEWER_PASSWORD,
    "viewer",
    [camA],
  );
  const viewer = await login(stack.url, "viewer1", VIEWER_PASSWORD);
  const viewerToken = await createToken(
    stack.url,
    viewer.write,
    "viewer cli",
    "full",
  );
  const adminSession = await login(stack.url, ADMIN_USER, ADMIN_PASSWORD);
  const adminReadToken = await createToken(stack.url, stack.auth, "ro", "read");
  const users = await (await stack.api("/api/users")).json();
  const adminId =
    users.users.find((u: { username: string }) => u.username === ADMIN_USER).id;
  const [{ id: agentId }] = await stack.controller.db.sql<{ id: string }[]>`
    insert into agents (slug, name, provider, model)
    values ('sec-agent', 'Sec', 'openai', 'gpt-4o-mini') returning id`;
  const sent = await (await stack.api(`/api/chat/${agentId}/send`, {
    method: "POST",
    json: { message: "hello" },
  })).json();
  return {
    agentId,
    sessionId: sent.session_id,
    turnId: sent.turn.id,
    stack,
    routes,
    adminId,
    viewerId,
    camA,
    camB,
    camC,
    viewer,
    viewerToken,
    adminSession,
    adminReadToken,
  };
}
