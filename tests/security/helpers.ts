/**
 * Shared pieces of the security suite (docs/design/security.md): the list of
 * routes the controller registers, sign-in helpers, error-shape checks and
 * database snapshots.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { createControllerApp } from "../../controller/http/app.ts";
import { mountDashboard } from "../../controller/web/mod.ts";
import { manifest } from "../../routes/_manifest.ts";
import type {
  DashboardDeps,
  IslandAssets,
} from "../../controller/web/types.ts";
import type { Stack } from "../support/stack.ts";

export interface Route {
  method: string;
  path: string;
}

/**
 * Every route the controller app registers, deduplicated, without the
 * method-"ALL" middleware entries. The app is built by the production
 * `createControllerApp` from the running controller's services (the live
 * server's app is not exposed); the dashboard is mounted with the production
 * `mountDashboard` so its pages are listed too. Requests then go to the live
 * server, so behaviour is real; only the list comes from this copy.
 */
export function registeredRoutes(stack: Stack): Route[] {
  const c = stack.controller;
  const unused = () => {
    throw new Error("route enumeration only; never called");
  };
  const app = createControllerApp({
    sql: c.db.sql,
    cameras: c.cameras,
    nodes: c.nodes,
    streams: c.streams,
    bus: c.bus,
    auth: c.auth,
    audit: c.audit,
    settings: c.settings,
    joinToken: c.joinToken,
    snapshot: unused,
    probe: unused,
    version: "enumeration",
    chat: c.chat,
    mountWeb: (a) =>
      mountDashboard(
        a as unknown as Hono,
        {} as DashboardDeps,
        { files: new Map() } as unknown as IslandAssets,
        manifest,
      ),
  });
  const seen = new Map<string, Route>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue;
    // `app.get("/")` and `app.get("")` under a mount give the same path.
    const path = r.path.length > 1 ? r.path.replace(/\/$/, "") : r.path;
    seen.set(`${r.method} ${path}`, { method: r.method, path });
  }
  return [...seen.values()].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
  );
}

export const key = (r: Route): string => `${r.method} ${r.path}`;

/**
 * Replaces `:param` segments (with Hono's `:param{regex}` too); unknown
 * parameters fail loudly, or stay for a later call with `partial`.
 */
export function fillPath(
  path: string,
  params: Record<string, string>,
  opts: { partial?: boolean } = {},
): string {
  return path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, (m, name: string) => {
    const v = params[name];
    if (v === undefined) {
      if (opts.partial) return m;
      throw new Error(
        `route ${path} has parameter :${name} the test cannot fill; add it`,
      );
    }
    return encodeURIComponent(v);
  });
}

/** Asserts the one error shape `{error:{code,message}}` and returns it. */
export async function expectError(
  res: Response,
  status: number | ((s: number) => boolean),
  what: string,
): Promise<{ code: string; message: string; field?: string }> {
  const text = await res.text();
  const ok = typeof status === "number"
    ? res.status === status
    : status(res.status);
  assert.ok(ok, `${what}: answered ${res.status}: ${text.slice(0, 300)}`);
  assertErrorShape(text, res, what);
  return JSON.parse(text).error;
}

export function assertErrorShape(text: string, res: Response, what: string) {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(
      `${what}: error answer ${res.status} is not JSON (${
        res.headers.get("content-type")
      }): ${text.slice(0, 200)}`,
    );
  }
  const err = (body as { error?: { code?: unknown; message?: unknown } })
    ?.error;
  assert.ok(
    err && typeof err.code === "string" && err.code.length > 0 &&
      typeof err.message === "string" && err.message.length > 0,
    `${what}: error answer ${res.status} lacks {error:{code,message}}: ${
      text.slice(0, 200)
    }`,
  );
  assert.match(
    res.headers.get("content-type") ?? "",
    /^application\/json/,
    `${what}: error content type`,
  );
}

/**
 * Reads a body for at most `timeoutMs` (streams never end) and cancels the
 * rest, so nothing leaks; returns what arrived, up to about `max` bytes.
 */
export async function drain(
  res: Response,
  { max = 4 * 1024 * 1024, timeoutMs = 1500 } = {},
): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = Date.now() + timeoutMs;
  try {
    while (size < max) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<null>((r) => timer = setTimeout(() => r(null), left)),
      ]);
      clearTimeout(timer);
      if (next === null || next.done) break;
      chunks.push(next.value);
      size += next.value.length;
    }
  } catch {
    // Aborted or reset: what arrived so far is the answer.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return new TextDecoder().decode(all);
}

export interface Session {
  cookie: string;
  /** The raw cookie value (a secret). */
  value: string;
  csrf: string;
  setCookie: string;
  /** Headers for a cookie-authenticated write. */
  write: Record<string, string>;
}

/** Signs in through POST /api/auth/login; throws unless it answers 200. */
export async function login(
  base: string,
  username: string,
  password: string,
): Promise<Session> {
  const res = await loginRaw(base, username, password);
  const text = await res.text();
  if (res.status !== 200) {
    throw new Error(`login of ${username} answered ${res.status}: ${text}`);
  }
  return sessionOf(res, JSON.parse(text).csrf_token);
}

export function loginRaw(
  base: string,
  username: string,
  password: string,
): Promise<Response> {
  return fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
}

export function sessionOf(res: Response, csrf: string): Session {
  const setCookie = res.headers.get("set-cookie") ?? "";
  const m = /^falcon_session=([^;]*)/.exec(setCookie);
  assert.ok(m && m[1], `answer sets the session cookie: ${setCookie}`);
  const cookie = `falcon_session=${m[1]}`;
  return {
    cookie,
    value: m[1],
    csrf,
    setCookie,
    write: { cookie, "x-csrf-token": csrf },
  };
}

/** Creates a user with the admin token; returns its id. */
export async function createUser(
  stack: Stack,
  username: string,
  password: string,
  role: "admin" | "viewer" = "viewer",
  cameraIds: string[] = [],
): Promise<string> {
  const res = await stack.api("/api/users", {
    method: "POST",
    json: { username, password, role, camera_ids: cameraIds },
  });
  const text = await res.text();
  assert.equal(res.status, 201, `create user ${username}: ${text}`);
  return JSON.parse(text).id;
}

/** Creates an API token as whoever `headers` authenticate; returns the raw token. */
export async function createToken(
  base: string,
  headers: Record<string, string>,
  name: string,
  scope: "read" | "full",
): Promise<string> {
  const res = await fetch(`${base}/api/tokens`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ name, scope }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, `create token ${name}: ${text}`);
  return JSON.parse(text).token;
}

export async function createCamera(
  stack: Stack,
  body: Record<string, unknown>,
): Promise<string> {
  const res = await stack.api("/api/cameras", { method: "POST", json: body });
  const text = await res.text();
  assert.equal(res.status, 201, `create camera: ${text}`);
  return JSON.parse(text).id;
}

/** Every row of every table of the public schema, as JSON text per table. */
export async function dumpDatabase(stack: Stack): Promise<Map<string, string>> {
  const sql = stack.controller.db.sql;
  const tables = await sql<{ table_name: string }[]>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name`;
  const out = new Map<string, string>();
  for (const { table_name } of tables) {
    const rows = await sql`select * from ${sql(table_name)}`;
    out.set(table_name, JSON.stringify(rows));
  }
  return out;
}

/** A random UUID that names nothing. */
export const unknownId = (): string => crypto.randomUUID();
