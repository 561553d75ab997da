/**
 * The account pages (`/users`, `/tokens`, `/audit`, `/account`), the camera,
 * nodes and recordings pages, and the nav: who may open them, what they link,
 * labelled fields, the JavaScript each loads; plus the islands' parts
 * rendered in the states the server never reaches (rows loaded, panels open,
 * a new token, a recording starting, a player open, node storage read).
 */
import { assets, mountTestDashboard } from "../tests/support/dashboard.ts";
import { openApiDocument } from "../lib/api/openapi.ts";
import { VERSION } from "../lib/version.ts";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import {
  accessLabel,
  errorsFrom,
  type UserRow,
  UsersTable,
} from "../islands/UsersAdmin.tsx";
import {
  curlExample,
  EXPIRY_CHOICES,
  NewToken,
  type TokenRow,
  TokensTable,
} from "../islands/TokensAdmin.tsx";
import {
  auditPath,
  AuditTable,
  compactDetails,
  rangeLabel,
} from "../islands/AuditLog.tsx";
import { checkPasswords } from "../islands/AccountForm.tsx";
import {
  CameraFields,
  TestConnection,
} from "../islands/parts/CameraFields.tsx";
import { DiskChart, diskSummary } from "../components/DiskChart.tsx";
import { Sparkline } from "../components/Sparkline.tsx";
import { CameraList, LayoutBar } from "../islands/CameraGrid.tsx";
import { NodeCard } from "../islands/NodesView.tsx";
import { RecordingsTable } from "../islands/RecordingsView.tsx";
import {
  RecBadge,
  RecordControl,
  type RecordControlProps,
} from "../components/RecordControl.tsx";
import { StorageChart, storageSummary } from "../components/StorageChart.tsx";
import { DEFAULTS } from "../islands/client/camera_form.ts";
import { toNodeChoice, toNodeDetail } from "../controller/web/views.ts";

import type {
  CameraView,
  DashboardDeps,
  NodeStorageView,
  NodeView,
  RecordingView,
  TimelineView,
  WebUser,
} from "../controller/web/types.ts";

const GZIP_BUDGET_BYTES = 30 * 1024;

const ADMIN: WebUser = {
  id: "u-admin",
  username: "ada",
  role: "admin",
  csrf: "csrf-a",
};
const VIEWER: WebUser = {
  id: "u-viewer",
  username: "vic",
  role: "viewer",
  csrf: "csrf-v",
};

const CAMERAS = [
  { id: "11111111-1111-4111-8111-111111111111", name: "Front door" },
  { id: "22222222-2222-4222-8222-222222222222", name: "Garage <b>" },
].map((c): CameraView => ({
  ...c,
  protocol: "demo",
  location: null,
  source_url: "demo://",
  device_path: null,
  node_name: null,
  assigned_node: null,
  resolution: "640x480",
  framerate: 15,
  status: "online",
  error_message: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
}));

function dashboard(user: WebUser | null): Hono {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: () => Promise.resolve(CAMERAS),
    listNodes: () => Promise.resolve([]),
  };
  const app = new Hono();
  mountTestDashboard(app, deps, assets);
  return app;
}

async function get(
  user: WebUser | null,
  path: string,
): Promise<{ status: number; html: string; res: Response }> {
  const res = await dashboard(user).request(path);
  return { status: res.status, html: await res.text(), res };
}

/** Every `<input>`/`<select>`/`<textarea>` has an id and a `<label for>` naming it; ids are unique. */
function assertLabelled(html: string, where: string): number {
  const controls = [...html.matchAll(/<(input|select|textarea)\b[^>]*>/g)].map((
    m,
  ) => m[0])
    .filter((tag) => !/\stype="hidden"/.test(tag));
  const labels = new Set(
    [...html.matchAll(/<label\b[^>]*\sfor="([^"]+)"/g)].map((m) => m[1]),
  );
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(
    new Set(ids).size,
    ids.length,
    `${where}: duplicate ids ${ids.filter((x, i) => ids.indexOf(x) !== i)}`,
  );
  for (const tag of controls) {
    const id = /\sid="([^"]+)"/.exec(tag)?.[1];
    assert.ok(id, `${where}: control without id: ${tag}`);
    assert.ok(labels.has(id), `${where}: no <label for="${id}">`);
  }
  return controls.length;
}

function navLinks(
  html: string,
): { href: string; current: boolean; text: string }[] {
  const nav = /<nav class="nav"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? "";
  return [...nav.matchAll(/<a href="([^"]+)"([^>]*)>([^<]*)<\/a>/g)].map((
    m,
  ) => ({
    href: m[1],
    current: m[2].includes('aria-current="page"'),
    text: m[3],
  }));
}

function scriptSrcs(html: string): string[] {
  return [...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)]
    .map((m) => m[1]);
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const PAGES = [
  { path: "/users", island: "UsersAdmin", title: "Users", admin: true },
  { path: "/tokens", island: "TokensAdmin", title: "API tokens", admin: false },
  { path: "/audit", island: "AuditLog", title: "Audit log", admin: true },
  { path: "/account", island: "AccountForm", title: "Account", admin: false },
];

Deno.test("account pages render 200 for the roles that may open them", async () => {
  for (const p of PAGES) {
    for (const user of p.admin ? [ADMIN] : [ADMIN, VIEWER]) {
      const { status, html, res } = await get(user, p.path);
      assert.equal(status, 200, `${p.path} as ${user.role}`);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.ok(
        html.includes(`<title>${p.title} · Falcon-Eye</title>`),
        `${p.path} title`,
      );
      assert.ok(
        html.includes(`data-island="${p.island}"`),
        `${p.path} renders ${p.island}`,
      );
      assert.ok(
        html.includes(`<meta name="csrf-token" content="${user.csrf}">`),
        `${p.path} publishes the CSRF token`,
      );
    }
  }
});

Deno.test("viewers get the not-found page with status 403 on /users and /audit", async () => {
  for (const path of ["/users", "/audit"]) {
    const { status, html } = await get(VIEWER, path);
    assert.equal(status, 403, path);
    assert.match(html, /Page not found/);
    assert.ok(
      !html.includes('data-island="UsersAdmin"') &&
        !html.includes('data-island="AuditLog"'),
    );
  }
});

Deno.test("signed-out visitors are sent to /login with the page to come back to", async () => {
  for (const p of PAGES) {
    const res = await dashboard(null).request(p.path);
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get("location"),
      `/login?next=${encodeURIComponent(p.path)}`,
    );
    await res.body?.cancel();
  }
});

Deno.test("the nav links every page an admin may open and marks the current one", async () => {
  for (const p of PAGES) {
    const links = navLinks((await get(ADMIN, p.path)).html);
    assert.deepEqual(links.map((l) => [l.href, l.text]), [
      ["/", "Cameras"],
      ["/recordings", "Recordings"],
      ["/nodes", "Nodes"],
      ["/agents", "Agents"],
      ["/users", "Users"],
      ["/tokens", "Tokens"],
      ["/audit", "Audit log"],
      ["/settings", "Settings"],
      ["/account", "Account"],
      ["/api-docs", "API"],
    ]);
    assert.deepEqual(links.filter((l) => l.current).map((l) => l.href), [
      p.path,
    ], `current page on ${p.path}`);
  }
  // Every nav link is a page that exists (no dead links).
  for (const l of navLinks((await get(ADMIN, "/account")).html)) {
    const { status } = await get(ADMIN, l.href);
    assert.equal(status, 200, l.href);
  }
});

Deno.test("the nav hides admin pages from viewers", async () => {
  for (const path of ["/", "/tokens", "/account"]) {
    const { html } = await get(VIEWER, path);
    assert.deepEqual(navLinks(html).map((l) => l.href), [
      "/",
      "/recordings",
      "/tokens",
      "/account",
      "/api-docs",
    ], path);
    assert.ok(
      !html.includes('href="/users"') && !html.includes('href="/audit"') &&
        !html.includes('href="/nodes"') && !html.includes('href="/settings"'),
      path,
    );
  }
  const login = await get(null, "/login");
  assert.equal(navLinks(login.html).length, 0, "no nav when signed out");
});

Deno.test("every input and select on the account pages has a label", async () => {
  for (const p of PAGES) {
    for (const user of p.admin ? [ADMIN] : [ADMIN, VIEWER]) {
      const { html } = await get(user, p.path);
      const n = assertLabelled(html, `${p.path} as ${user.role}`);
      assert.ok(n > 0, `${p.path} has form fields`);
    }
  }
  // The add-user form offers every camera to a new viewer.
  const users = (await get(ADMIN, "/users")).html;
  for (const c of CAMERAS) {
    assert.ok(users.includes(`id="add-user-cam-${c.id}"`));
  }
  assert.ok(
    users.includes(">Garage &lt;b></label>"),
    "camera names are escaped",
  );
  // Viewers cannot pick a scope: their tokens are read-only.
  assert.ok((await get(ADMIN, "/tokens")).html.includes('id="token-scope"'));
  assert.ok(!(await get(VIEWER, "/tokens")).html.includes('id="token-scope"'));
});

Deno.test("each account page loads only its own island (plus the user menu), within the JS budget", async () => {
  for (const p of PAGES) {
    const { html } = await get(ADMIN, p.path);
    const srcs = scriptSrcs(html);
    assert.deepEqual(
      srcs,
      [assets.bootUrl, assets.islandUrl(p.island), assets.islandUrl("UserMenu")]
        .sort((a, b) =>
          a === assets.bootUrl
            ? -1
            : b === assets.bootUrl
            ? 1
            : a.localeCompare(b)
        ),
    );
    const urls = new Set([...srcs, ...srcs.flatMap((u) => assets.preloads(u))]);
    let gzip = 0;
    for (const url of urls) gzip += await gzipSize(assets.files.get(url)!.body);
    const own = await gzipSize(
      assets.files.get(assets.islandUrl(p.island))!.body,
    );
    console.log(
      `${p.path}: ${urls.size} files, ${gzip} B gzip (${p.island} itself ${own} B)`,
    );
    assert.ok(gzip <= GZIP_BUDGET_BYTES, `${p.path}: ${gzip} B gzip`);
  }
  const grid = (await get(ADMIN, "/")).html;
  for (const p of PAGES) {
    assert.ok(
      !grid.includes(assets.islandUrl(p.island)),
      `/ does not load ${p.island}`,
    );
  }
});

// --- island parts in states only the browser reaches ---

/** Server HTML with the precompiled JSX's stray spaces inside tags removed, for readable assertions. */
// deno-lint-ignore no-explicit-any
const html = (v: VNode<any>) =>
  renderToString(v).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
const noop = () => {};

const USERS: UserRow[] = [
  {
    id: "u-admin",
    username: "ada",
    role: "admin",
    camera_ids: [],
    created_at: "2026-01-01T00:00:00.000Z",
    password_changed_at: "2026-01-01T00:00:00.000Z",
  },
  {
    id: "u-viewer",
    username: "vic",
    role: "viewer",
    camera_ids: [CAMERAS[1].id],
    created_at: "2026-01-02T00:00:00.000Z",
    password_changed_at: "2026-01-02T00:00:00.000Z",
  },
];

Deno.test("UsersTable: rows with role and camera names; open panels have labelled fields", () => {
  const props = {
    users: USERS,
    cameras: CAMERAS,
    me: "u-admin",
    onChanged: noop,
    onRemoved: noop,
    onNotice: noop,
  };
  const table = html(h(UsersTable, props));
  assert.match(
    table,
    /<th scope="row">ada <span class="mut">\(you\)<\/span><\/th><td>admin<\/td><td>All cameras<\/td>/,
  );
  assert.match(
    table,
    /<th scope="row">vic<\/th><td>viewer<\/td><td>Garage &lt;b><\/td>/,
  );
  assert.ok(table.includes('aria-label="Remove vic"'));

  const edit = html(
    h(UsersTable, { ...props, open: { id: "u-viewer", kind: "edit" } }),
  );
  assertLabelled(edit, "edit panel");
  assert.ok(edit.includes('id="edit-u-viewer-role"'));
  assert.ok(
    edit.includes(
      'aria-expanded="true" aria-label="Edit role and cameras of vic"',
    ),
    "the open panel's button says so",
  );
  assert.ok(
    table.includes(
      'aria-expanded="false" aria-label="Edit role and cameras of vic"',
    ),
  );
  assert.match(
    edit,
    /<input type="checkbox" id="edit-u-viewer-cam-22222222-2222-4222-8222-222222222222" checked/,
  );
  assert.match(
    edit,
    /<input type="checkbox" id="edit-u-viewer-cam-11111111-1111-4111-8111-111111111111"\/?>/,
  );

  const reset = html(
    h(UsersTable, { ...props, open: { id: "u-viewer", kind: "reset" } }),
  );
  assertLabelled(reset, "reset panel");
  assert.match(
    reset,
    /<label for="reset-u-viewer">New password for vic<\/label>/,
  );
  assert.match(reset, /At least 10 characters/);

  const remove = html(
    h(UsersTable, { ...props, open: { id: "u-admin", kind: "remove" } }),
  );
  assert.match(
    remove,
    /<span>Remove\?<\/span><button type="button" class="danger">Yes<\/button><button type="button">No<\/button>/,
  );
  assert.ok(
    !remove.includes('aria-label="Remove ada"'),
    "the confirm replaces the buttons",
  );

  assert.ok(table.includes('aria-label="Revoke every API token of vic"'));
  const tokens = html(
    h(UsersTable, { ...props, open: { id: "u-viewer", kind: "tokens" } }),
  );
  assert.match(
    tokens,
    /<span>Revoke all their tokens\?<\/span><button type="button" class="danger">Yes<\/button>/,
  );
});

Deno.test("accessLabel() and errorsFrom()", () => {
  assert.equal(accessLabel(USERS[0], CAMERAS), "All cameras");
  assert.equal(
    accessLabel({ role: "viewer", camera_ids: [] }, CAMERAS),
    "None",
  );
  assert.equal(
    accessLabel({
      role: "viewer",
      camera_ids: [CAMERAS[0].id, "deadbeef-0000"],
    }, CAMERAS),
    "Front door, unknown (deadbeef)",
  );
  const fields = ["username", "password", "camera_ids"];
  assert.deepEqual(
    errorsFrom(
      { code: "invalid_input", message: "bad", field: "camera_ids.0" },
      fields,
    ),
    {
      camera_ids: "bad",
    },
  );
  assert.deepEqual(
    errorsFrom({
      code: "conflict",
      message: "The last admin cannot be removed",
    }, fields),
    {
      form: "The last admin cannot be removed",
    },
  );
  assert.deepEqual(
    errorsFrom({ code: "invalid_input", message: "x", field: "id" }, fields),
    { form: "x" },
  );
});

const TOKEN: TokenRow = {
  id: "t1",
  name: "backup",
  scope: "read",
  prefix: "fe_abcd1234",
  user: { id: "u-admin", username: "ada" },
  created_at: "2026-01-01T00:00:00.000Z",
  last_used_at: null,
  revoked_at: null,
  expires_at: null,
};

Deno.test("TokensTable: revoke only live tokens; NewToken shows the secret once with how to use it", () => {
  const table = html(h(TokensTable, {
    tokens: [TOKEN, {
      ...TOKEN,
      id: "t2",
      name: "old",
      revoked_at: "2026-01-03T00:00:00.000Z",
    }],
    onRevoked: noop,
  }));
  assert.ok(table.includes('aria-label="Revoke backup"'));
  assert.ok(!table.includes('aria-label="Revoke old"'));
  assert.ok(table.includes("<code>fe_abcd1234…</code>"));
  assert.ok(table.includes("<td>never</td>"));
  assert.match(table, /<tr class="gone"><th scope="row">old<\/th>/);
  // An expired token is shown as gone, with its expiry.
  const expired = html(h(TokensTable, {
    tokens: [{
      ...TOKEN,
      id: "t3",
      name: "lapsed",
      expires_at: "2020-01-01T00:00:00.000Z",
    }],
    onRevoked: noop,
  }));
  assert.match(expired, /<tr class="gone"><th scope="row">lapsed<\/th>/);
  assert.ok(expired.includes('<th scope="col">Expires</th>'));
  assert.deepEqual(EXPIRY_CHOICES.map(([v]) => v), [
    "7",
    "30",
    "90",
    "365",
    "",
  ]);

  const secret = "fe_" + "x".repeat(43);
  const shown = html(
    h(NewToken, { token: { ...TOKEN, token: secret }, onDone: noop }),
  );
  assertLabelled(shown, "new token");
  assert.match(
    shown,
    /<input id="new-token" class="grow mono" readonly value="fe_x+"/,
  );
  assert.match(shown, /it will not be shown again/);
  assert.ok(shown.includes(`Authorization: Bearer ${secret}`));
  assert.equal(
    curlExample("fe_x", "http://cam.local:30900"),
    'curl -H "Authorization: Bearer fe_x" http://cam.local:30900/api/cameras',
  );
});

Deno.test("AuditLog helpers and table", () => {
  assert.equal(auditPath(50, 0, ""), "/api/audit?limit=50&offset=0");
  assert.equal(
    auditPath(50, 100, "auth."),
    "/api/audit?limit=50&offset=100&action=auth.",
  );
  assert.equal(compactDetails({}), "—");
  assert.equal(compactDetails(null), "—");
  assert.equal(
    compactDetails({ name: "a", scope: "read" }),
    '{"name":"a","scope":"read"}',
  );
  assert.equal(rangeLabel(0, 50, 123), "1–50 of 123");
  assert.equal(rangeLabel(100, 23, 123), "101–123 of 123");
  assert.equal(rangeLabel(0, 0, 0), "No entries");
  const table = html(h(AuditTable, {
    entries: [{
      id: "1",
      at: "2026-01-01T00:00:00.000Z",
      actor: { id: "u1", name: "ada" },
      action: "token.create",
      target: "t1",
      ip: "10.0.0.9",
      details: { name: "<x>" },
    }],
  }));
  assert.ok(table.includes("<code>token.create</code>"));
  assert.ok(table.includes("<td>10.0.0.9</td>"));
  assert.ok(
    table.includes("<code>{&quot;name&quot;:&quot;&lt;x>&quot;}</code>"),
  );
  assert.ok(table.includes('<time datetime="2026-01-01T00:00:00.000Z">'));
});

Deno.test("checkPasswords(): current given, new long enough and typed twice", () => {
  const ok = {
    current_password: "old password",
    new_password: "correct horse",
    confirm: "correct horse",
  };
  assert.deepEqual(checkPasswords(ok), {});
  assert.ok(checkPasswords({ ...ok, current_password: "" }).current_password);
  assert.match(
    checkPasswords({ ...ok, new_password: "short", confirm: "short" })
      .new_password!,
    /at least 10/,
  );
  assert.match(
    checkPasswords({ ...ok, confirm: "correct horse!" }).confirm!,
    /differ/,
  );
});

// --- the camera page and the nodes page ---

/** `html()` under another name, for tests that also hold a page's `html`. */
const html_ = html;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const PORCH: CameraView = {
  ...CAMERAS[0],
  id: "33333333-3333-4333-8333-333333333333",
  name: "Porch",
  protocol: "rtsp",
  location: "Front porch",
  source_url: "rtsp://admin:***@192.168.1.10:554/stream1",
  node_name: null,
  assigned_node: "node-a",
  resolution: "1920x1080",
  framerate: 25,
  status: "error",
  error_message: "Connection refused by 192.168.1.10:554",
};
const DESK: CameraView = {
  ...CAMERAS[0],
  id: "44444444-4444-4444-8444-444444444444",
  name: "Desk",
  protocol: "usb",
  source_url: null,
  device_path: "/dev/video2",
  node_name: "node-a",
  assigned_node: "node-a",
};
const ALL = [...CAMERAS, PORCH, DESK];
/** The viewer is granted the first camera only. */
const GRANTED = new Set([CAMERAS[0].id]);

const NODES: NodeView[] = [
  {
    name: "node-a",
    status: "online",
    address: "http://10.0.0.4:30901",
    last_heartbeat_at: "2026-01-02T03:04:05.000Z",
    version: "0.9.0",
    cameras: 2,
    info: {
      ffmpeg: { available: true, version: "6.1.1", path: "/usr/bin/ffmpeg" },
      usb_devices: ["/dev/video0", "/dev/video2"],
      disk: {
        path: "/var/lib/falcon",
        total_bytes: 500 * GiB,
        free_bytes: 380 * GiB,
      },
      load: { cpu_percent: 23.4, memory_bytes: 150 * MiB },
      camera_runtime: [
        {
          id: PORCH.id,
          state: "backoff",
          viewers: 2,
          fps: 0,
          error: "Connection refused",
          restarts: 3,
          last_frame_at: null,
        },
        {
          id: "99999999-9999-4999-8999-999999999999",
          state: "running",
          viewers: 0,
          fps: 14.96,
          error: null,
          restarts: 0,
          last_frame_at: "2026-01-02T03:04:04.000Z",
        },
      ],
      started_at: "2026-01-01T00:00:00.000Z",
      version: "0.9.0",
    },
  },
  {
    name: "node-b",
    status: "offline",
    address: null,
    last_heartbeat_at: null,
    version: null,
    cameras: 0,
    info: {
      ffmpeg: { available: false, version: null, path: "ffmpeg" },
      usb_devices: [],
      disk: null,
    },
  },
];

function fullDashboard(
  user: WebUser | null,
  over: Partial<DashboardDeps> = {},
): Hono {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: (u) =>
      Promise.resolve(
        u.role === "admin" ? ALL : ALL.filter((c) => GRANTED.has(c.id)),
      ),
    listNodes: (u) => Promise.resolve(u.role === "admin" ? NODES : []),
    cameraExists: (id) => Promise.resolve(ALL.some((c) => c.id === id)),
    ...over,
  };
  const app = new Hono();
  mountTestDashboard(app, deps, assets);
  return app;
}

async function fetchPage(
  user: WebUser | null,
  path: string,
  over: Partial<DashboardDeps> = {},
): Promise<{ status: number; html: string; res: Response }> {
  const res = await fullDashboard(user, over).request(path);
  // As `html()` does: without the precompiled JSX's stray spaces inside tags.
  const text = (await res.text()).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
  return { status: res.status, html: text, res };
}

/** The JSON props that follow an island's marker. */
function islandProps(html: string, name: string): Record<string, unknown> {
  const m = new RegExp(
    `<fe-island data-island="${name}"[^>]*>[\\s\\S]*?</fe-island><script type="application/json" data-island-props(?:="")?>([^<]*)</script>`,
  ).exec(html);
  assert.ok(m, `${name} props`);
  return JSON.parse(m[1]);
}

Deno.test("/cameras/{id} renders for admins and granted viewers; admins get the edit form", async () => {
  const admin = await fetchPage(ADMIN, `/cameras/${PORCH.id}`);
  assert.equal(admin.status, 200);
  assert.equal(admin.res.headers.get("cache-control"), "no-store");
  assert.ok(admin.html.includes("<title>Camera · Falcon-Eye</title>"));
  assert.ok(admin.html.includes('data-island="CameraDetail"'));
  assert.ok(admin.html.includes('data-island="CameraEditForm"'));
  assert.ok(admin.html.includes(">Delete camera</button>"));
  assert.ok(admin.html.includes('<a href="/">← All cameras</a>'));
  assert.deepEqual(islandProps(admin.html, "CameraDetail"), {
    camera: PORCH,
    admin: true,
  });

  const viewer = await fetchPage(VIEWER, `/cameras/${CAMERAS[0].id}`);
  assert.equal(viewer.status, 200);
  assert.ok(viewer.html.includes('data-island="CameraDetail"'));
  assert.ok(!viewer.html.includes('data-island="CameraEditForm"'));
  assert.ok(!viewer.html.includes("Delete camera"), "viewers cannot delete");
  assert.ok(!viewer.html.includes("<form"), "viewers get no form");
  assert.ok(viewer.html.includes(">Snapshot</a>"), "viewers take snapshots");

  const out = await fullDashboard(null).request(`/cameras/${PORCH.id}`);
  assert.equal(out.status, 303);
  assert.equal(
    out.headers.get("location"),
    `/login?next=${encodeURIComponent(`/cameras/${PORCH.id}`)}`,
  );
  await out.body?.cancel();
});

Deno.test("/cameras/{unknown} is 404, a camera not granted is 403; neither loads JavaScript", async () => {
  for (
    const [user, path, status, text] of [
      [ADMIN, "/cameras/nope", 404, "Camera not found"],
      [
        VIEWER,
        "/cameras/55555555-5555-4555-8555-555555555555",
        404,
        "Camera not found",
      ],
      [VIEWER, `/cameras/${PORCH.id}`, 403, "No access to this camera"],
    ] as const
  ) {
    const { status: got, html, res } = await fetchPage(user, path);
    assert.equal(got, status, `${path} as ${user.role}`);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.ok(html.includes(`<title>${text} · Falcon-Eye</title>`), html);
    assert.ok(html.includes(`<h2 id="err-h">${text}</h2>`));
    assert.ok(!html.includes("Porch"), "nothing of the camera shows");
    assert.equal(scriptSrcs(html).length, 0);
  }
  assert.ok(
    (await fetchPage(ADMIN, "/cameras/%3Cb%3E")).html.includes(
      "<code>/cameras/%3Cb%3E</code>",
    ),
    "the path is shown escaped",
  );
  // Without deps.cameraExists an invisible camera is simply not found.
  const { status } = await fetchPage(VIEWER, `/cameras/${PORCH.id}`, {
    cameraExists: undefined,
  });
  assert.equal(status, 404);
});

Deno.test("the camera page server-renders the details, with the password redacted even if the deps leak it", async () => {
  const leaky = {
    ...PORCH,
    source_url: "rtsp://admin:hunter2secret@192.168.1.10:554/stream1",
  };
  const { html } = await fetchPage(ADMIN, `/cameras/${PORCH.id}`, {
    listCameras: () => Promise.resolve([leaky]),
  });
  assert.ok(!html.includes("hunter2secret"), "no password anywhere");
  assert.ok(
    html.includes(
      "<dt>Live view stream</dt><dd><code>rtsp://admin:***@192.168.1.10:554/stream1</code></dd>",
    ),
  );
  assert.ok(
    html.includes("<dt>Recording stream</dt><dd>the live view stream</dd>"),
  );
  for (
    const fact of [
      "<dt>Protocol</dt><dd>RTSP</dd>",
      "<dt>Node</dt><dd>node-a</dd>",
      "<dt>Resolution</dt><dd>1920×1080</dd>",
      "<dt>Frame rate</dt><dd>25 fps</dd>",
      "<dt>Location</dt><dd>Front porch</dd>",
    ]
  ) assert.ok(html.includes(fact), fact);
  assert.ok(html.includes('<h2 id="camera-h">Porch</h2>'));
  assert.ok(html.includes('<span class="badge s-error">Error</span>'));
  assert.ok(html.includes("Connection refused by 192.168.1.10:554"));
  assert.match(
    html,
    /<a class="button" href="\/api\/cameras\/33333333-3333-4333-8333-333333333333\/snapshot" download="Porch.jpg">Snapshot<\/a>/,
  );
  // One live view: a canvas fed by the multiplexed stream; an <img> only without JS.
  assert.match(html, /<canvas[^>]*aria-label="Live view of Porch"/);
  assert.ok(
    html.includes(
      `<noscript><img src="/api/cameras/${PORCH.id}/stream" alt="Live view of Porch"></noscript>`,
    ),
  );
  assert.doesNotMatch(html, /\sstyle=/, "the CSP refuses inline styles");
  // The edit form starts from the redacted URL and says how the password is kept.
  assert.match(
    html,
    /<input id="edit-source_url" name="source_url" value="rtsp:\/\/admin:\*\*\*@192\.168\.1\.10:554\/stream1"/,
  );
  assert.ok(html.includes("The password shows as ***"));

  // A USB camera shows its device instead of a source.
  const usb = await fetchPage(ADMIN, `/cameras/${DESK.id}`);
  assert.ok(
    usb.html.includes("<dt>Device</dt><dd><code>/dev/video2</code></dd>"),
  );
  assert.ok(
    usb.html.includes(
      "<dt>Node</dt><dd>node-a (pinned)</dd>",
    ),
  );
});

Deno.test("the camera forms: labelled fields, node choice with USB devices, test connection", async () => {
  // Edit form of a network camera: node optional ("any node"), protocol fixed.
  const { html } = await fetchPage(ADMIN, `/cameras/${PORCH.id}`);
  const n = assertLabelled(html, "/cameras/{id} as admin");
  assert.equal(
    n,
    12,
    "name, protocol, source, recording stream, rtsp transport, node, location, resolution, fps, recording mode, retention; the timeline's day",
  );
  assert.match(
    html,
    /<input id="edit-protocol" name="protocol" value="RTSP" aria-describedby="edit-protocol-hint" readonly/,
  );
  assert.match(
    html,
    /<select id="edit-node_name" name="node_name"[^>]*><option value="" selected>Any online node<\/option><option value="node-a">node-a<\/option><option value="node-b">node-b \(offline\)<\/option><\/select>/,
  );
  assert.ok(html.includes(">Test connection</button>"));
  assert.ok(html.includes('<p id="edit-probe" role="status" class="hint">'));
  assert.ok(html.includes(">Save changes</button>"));

  // The add form on the grid page offers the nodes too.
  const grid = (await fetchPage(ADMIN, "/")).html;
  assertLabelled(grid, "/ as admin");
  assert.ok(grid.includes('<option value="node-b">node-b (offline)</option>'));
  assert.ok(grid.includes('<p id="add-probe" role="status"'));

  // A USB camera: the node is required, its devices are suggested.
  const usb = html_(h(CameraFields, {
    prefix: "t",
    values: { ...DEFAULTS, protocol: "usb", node_name: "node-a" },
    errors: { device_path: "device_path must look like /dev/video0" },
    set: noop,
    nodes: NODES.map(toNodeChoice),
  }));
  assertLabelled(usb, "usb fields");
  assert.match(
    usb,
    /<select id="t-node_name" name="node_name" value="node-a" required/,
  );
  assert.ok(usb.includes('list="t-devices"'));
  assert.ok(
    usb.includes(
      '<datalist id="t-devices"><option value="/dev/video0"></option><option value="/dev/video2"></option></datalist>',
    ),
  );
  assert.ok(usb.includes("Devices on node-a: /dev/video0, /dev/video2"));
  assert.match(
    usb,
    /aria-invalid="true" aria-describedby="t-device_path-hint t-device_path-err"/,
  );
  assert.ok(!usb.includes('id="t-source_url"'), "no source URL for USB");
  const noNode = html_(h(CameraFields, {
    prefix: "t",
    values: { ...DEFAULTS, protocol: "usb" },
    errors: {},
    set: noop,
    nodes: NODES.map(toNodeChoice),
  }));
  assert.ok(noNode.includes("Choose a node to see its devices."));
  assert.ok(noNode.includes("Choose the node with the device</option>"));

  // Test connection: progress, then the result or the error inline.
  const probe = (state: Parameters<typeof TestConnection>[0]["state"]) =>
    html_(h(TestConnection, { state, onTest: noop, id: "p" }));
  assert.match(
    probe({ kind: "running" }),
    /<button type="button" disabled aria-describedby="p">Testing…<\/button><p id="p" role="status" class="hint">Opening the source/,
  );
  assert.ok(
    probe({
      kind: "ok",
      text: "h264 · 1920×1080 · 25 fps · audio pcm_mulaw (node n1, 0.8 s)",
    }).includes(
      '<p id="p" role="status" class="ok">Connected: h264 · 1920×1080 · 25 fps · audio pcm_mulaw (node n1, 0.8 s)</p>',
    ),
  );
  assert.ok(
    probe({ kind: "failed", text: "401 Unauthorized (node n1, 2.0 s)" })
      .includes('class="err">Cannot connect: 401 Unauthorized'),
  );
});

Deno.test("/nodes: admins only; each node's facts, ffmpeg warning, cameras, disk chart and sparklines", async () => {
  const { status, html } = await fetchPage(ADMIN, "/nodes");
  assert.equal(status, 200);
  assert.ok(html.includes("<title>Nodes · Falcon-Eye</title>"));
  assert.deepEqual(
    navLinks(html).filter((l) => l.current).map((l) => l.href),
    ["/nodes"],
  );
  assert.ok(html.includes("since this page opened"));
  assert.ok(
    html.includes(
      '<span id="node-node-a-h">node-a</span><span class="badge s-online">Online</span>',
    ),
  );
  assert.ok(html.includes('<span class="badge s-offline">Offline</span>'));
  assert.ok(html.includes("<dt>ffmpeg</dt><dd>6.1.1</dd>"));
  assert.ok(html.includes('<span class="warn">ffmpeg missing'));
  assert.ok(html.includes("<code>/dev/video0</code><code>/dev/video2</code>"));
  assert.ok(html.includes("<code>http://10.0.0.4:30901</code>"));
  // Disk: an SVG image with a text alternative, and the numbers as text.
  assert.match(
    html,
    /<svg class="disk-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-labelledby="node-node-a-disk-title"><title id="node-node-a-disk-title">Disk \/var\/lib\/falcon: 120 GiB used of 500 GiB \(24 %\), 380 GiB free<\/title>/,
  );
  assert.ok(html.includes('<rect class="disk-used" x="0" y="0" width="24"'));
  assert.ok(html.includes("120 GiB used (24 %)"));
  assert.ok(html.includes('<h4>Disk</h4><p class="hint">Not reported.</p>'));
  // Cameras the node runs: named and linked when the camera is known.
  assert.match(
    html,
    /<th scope="row"><a href="\/cameras\/33333333-3333-4333-8333-333333333333">Porch<\/a><\/th><td>backoff<\/td><td>2<\/td><td>0<\/td><td>3<\/td><td class="wrap">Connection refused<\/td>/,
  );
  assert.match(
    html,
    /<th scope="row"><code>99999999<\/code><\/th><td>running<\/td><td>0<\/td><td>15<\/td>/,
  );
  // Sparklines start with the load of the last heartbeat.
  assert.match(
    html,
    /role="img" aria-label="CPU now 23 %; 1 sample since this page opened, from 23 % to 23 %"/,
  );
  assert.ok(html.includes("Memory <b>150 MiB</b>"));
  assert.doesNotMatch(html, /\sstyle=/);

  const viewer = await fetchPage(VIEWER, "/nodes");
  assert.equal(viewer.status, 403);
  assert.ok(!viewer.html.includes('data-island="NodesView"'));
  assert.ok(!viewer.html.includes("node-a"));
  const out = await fullDashboard(null).request("/nodes");
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "/login?next=%2Fnodes");
  await out.body?.cancel();

  const empty = await fetchPage(ADMIN, "/nodes", {
    listNodes: () => Promise.resolve([]),
  });
  assert.ok(empty.html.includes("No node agent has connected yet."));
});

Deno.test("the new pages load only their islands; JS per page (gzip) within the budget", async () => {
  const pages = [
    {
      user: ADMIN,
      path: "/",
      islands: ["AddCameraForm", "CameraCounts", "CameraGrid", "UserMenu"],
    },
    {
      user: VIEWER,
      path: "/",
      islands: ["CameraCounts", "CameraGrid", "UserMenu"],
    },
    {
      user: ADMIN,
      path: `/cameras/${PORCH.id}`,
      islands: [
        "CameraDetail",
        "CameraEditForm",
        "RecentRecordings",
        "Timeline",
        "UserMenu",
      ],
    },
    {
      user: VIEWER,
      path: `/cameras/${CAMERAS[0].id}`,
      islands: ["CameraDetail", "RecentRecordings", "Timeline", "UserMenu"],
    },
    { user: ADMIN, path: "/nodes", islands: ["NodesView", "UserMenu"] },
    {
      user: ADMIN,
      path: "/recordings",
      islands: ["RecordingsView", "UserMenu"],
    },
    {
      user: VIEWER,
      path: "/recordings",
      islands: ["RecordingsView", "UserMenu"],
    },
  ];
  for (const p of pages) {
    const { html } = await fetchPage(p.user, p.path);
    const srcs = scriptSrcs(html);
    assert.deepEqual(srcs, [
      assets.bootUrl,
      ...p.islands.map((i) => assets.islandUrl(i)),
    ], `${p.path} as ${p.user.role}`);
    const urls = new Set([...srcs, ...srcs.flatMap((u) => assets.preloads(u))]);
    let gzip = 0;
    for (const url of urls) gzip += await gzipSize(assets.files.get(url)!.body);
    console.log(
      `${p.path} (${p.user.role}): ${urls.size} files, ${gzip} B gzip`,
    );
    assert.ok(gzip <= GZIP_BUDGET_BYTES, `${p.path}: ${gzip} B gzip`);
  }
});

Deno.test("grid parts: the layout bar says what is pressed; the list view shows status as text", () => {
  const bar = html_(h(LayoutBar, {
    layout: { view: "grid", cols: 2 },
    onChange: noop,
  }));
  assert.ok(
    bar.includes(
      '<div class="seg" role="group" aria-label="Show cameras as"><button type="button" aria-pressed="true">Grid</button><button type="button" aria-pressed="false">List</button></div>',
    ),
  );
  assert.ok(
    bar.includes('<button type="button" aria-pressed="true">2×2</button>'),
  );
  assert.equal([...bar.matchAll(/aria-pressed="true"/g)].length, 2);
  const list = html_(h(LayoutBar, {
    layout: { view: "list", cols: 2 },
    onChange: noop,
  }));
  assert.ok(!list.includes("2×2"), "no columns for the list");

  const table = html_(h(CameraList, { cameras: [PORCH, DESK] }));
  assert.match(
    table,
    /<th scope="row"><a href="\/cameras\/33333333-3333-4333-8333-333333333333">Porch<\/a><\/th><td><span class="badge s-error">Error<\/span><\/td><td>node-a<\/td><td>RTSP<\/td><td>1920x1080<\/td><td class="wrap">Connection refused by 192.168.1.10:554<\/td>/,
  );
  assert.match(
    table,
    />Desk<\/a><\/th><td><span class="badge s-online">Online<\/span><\/td><td>node-a<\/td><td>USB<\/td><td>640x480<\/td><td class="wrap">—<\/td>/,
  );
});

Deno.test("DiskChart, Sparkline and NodeCard render accessible SVG", () => {
  const disk = { path: "/data", total_bytes: 100 * GiB, free_bytes: 5 * GiB };
  assert.equal(
    diskSummary(disk),
    "/data: 95 GiB used of 100 GiB (95 %), 5 GiB free",
  );
  const chart = html_(h(DiskChart, { id: "d", disk }));
  assert.ok(chart.includes('aria-labelledby="d-title"'));
  assert.ok(
    chart.includes('<rect class="disk-used disk-full"'),
    "nearly full shows as such",
  );
  assert.ok(chart.includes('<span class="warn">95 GiB used (95 %)</span>'));
  // Free larger than total (a bad report) is clamped, never negative.
  assert.equal(
    diskSummary({ path: "/x", total_bytes: 10, free_bytes: 20 }),
    "/x: 0 B used of 10 B (0 %), 10 B free",
  );

  const spark = html_(h(Sparkline, {
    label: "CPU",
    values: [10, 50, 30],
    max: 100,
    format: (v: number) => `${v} %`,
  }));
  assert.ok(
    spark.includes(
      'aria-label="CPU now 30 %; 3 samples since this page opened, from 10 % to 50 %"',
    ),
  );
  assert.match(spark, /<path d="M[\d.,L]+"/);
  const none = html_(
    h(Sparkline, { label: "CPU", values: [], max: 100, format: String }),
  );
  assert.ok(none.includes('aria-label="CPU: no samples yet"'));
  assert.ok(!none.includes("<path"));

  const card = html_(h(NodeCard, {
    node: toNodeDetail(NODES[0]),
    series: { cpu: [5, 25], mem: [100 * MiB, 120 * MiB] },
  }));
  assert.ok(card.includes("CPU <b>25 %</b>"));
  assert.ok(card.includes("Memory <b>120 MiB</b>"));
  assert.match(
    card,
    /<th scope="row"><code>33333333<\/code><\/th>/,
    "no names given: ids",
  );
});

// --- recordings: the page, the record control, the timeline, node storage ---

const REC: RecordingView = {
  id: "aaaaaaaa-0000-4000-8000-000000000001",
  camera_id: PORCH.id,
  camera_name: "Porch",
  camera_deleted: false,
  node_name: "node-a",
  kind: "manual",
  status: "completed",
  started_at: "2026-02-26T10:00:00.000Z",
  ended_at: "2026-02-26T10:45:12.000Z",
  keep: true,
  error_message: null,
  download_url: "/api/recordings/aaaaaaaa-0000-4000-8000-000000000001/download",
  segment_count: 46,
  duration_ms: 2712000,
  size_bytes: 48 * MiB,
};
const RECS: RecordingView[] = [
  {
    ...REC,
    id: "aaaaaaaa-0000-4000-8000-000000000002",
    status: "recording",
    ended_at: null,
    keep: false,
    started_at: "2026-02-26T11:00:00.000Z",
    error_message: "Connection refused",
    download_url:
      "/api/recordings/aaaaaaaa-0000-4000-8000-000000000002/download",
    segment_count: 0,
    duration_ms: 0,
    size_bytes: 0,
  },
  REC,
  {
    ...REC,
    id: "aaaaaaaa-0000-4000-8000-000000000003",
    camera_id: null,
    camera_deleted: true,
    camera_name: "Old cam",
    keep: false,
    status: "expired",
    download_url:
      "/api/recordings/aaaaaaaa-0000-4000-8000-000000000003/download",
  },
];

Deno.test("/recordings: every signed-in user; admins keep and delete, viewers read; filters from the URL", async () => {
  const queries: [string, Record<string, string>][] = [];
  const listRecordings: DashboardDeps["listRecordings"] = (u, q) => {
    queries.push([u.role, q]);
    return Promise.resolve({
      recordings: RECS,
      total: 60,
      limit: 25,
      offset: Number(q.offset),
    });
  };

  const admin = await fetchPage(ADMIN, "/recordings", { listRecordings });
  assert.equal(admin.status, 200);
  assert.ok(admin.html.includes("<title>Recordings · Falcon-Eye</title>"));
  assert.deepEqual(
    navLinks(admin.html).filter((l) => l.current).map((l) => l.href),
    ["/recordings"],
  );
  assert.ok(admin.html.includes('data-island="RecordingsView"'));
  assertLabelled(admin.html, "/recordings as admin");
  // The filters: every camera the user may see, every status.
  for (const c of ALL) {
    assert.ok(admin.html.includes(`<option value="${c.id}">`));
  }
  assert.ok(admin.html.includes('<option value="expired">Expired</option>'));
  // Rows: camera link, UTC start, duration, size, node, status, keep.
  assert.match(
    admin.html,
    /<th scope="row"><a href="\/cameras\/33333333-3333-4333-8333-333333333333">Porch<\/a><\/th><td class="nowrap"><time datetime="2026-02-26T10:00:00.000Z">2026-02-26 10:00:00<\/time><\/td><td class="nowrap">45 min<\/td><td class="nowrap">48 MiB<\/td><td>node-a<\/td><td><span class="badge r-completed">Completed<\/span><\/td>/,
  );
  assert.ok(
    admin.html.includes(
      '<button type="button" class="keep" aria-pressed="true" aria-label="Keep Porch, 2026-02-26 10:00:00 UTC">Kept</button>',
    ),
  );
  assert.ok(
    admin.html.includes('aria-label="Play Porch, 2026-02-26 10:00:00 UTC"'),
  );
  assert.ok(
    admin.html.includes(
      `<a class="button" href="${REC.download_url}" download aria-label="Download Porch, 2026-02-26 10:00:00 UTC">Download</a>`,
    ),
  );
  assert.ok(
    admin.html.includes('aria-label="Delete Porch, 2026-02-26 10:00:00 UTC"'),
  );
  // Still recording: no delete yet, no footage to download, its error shows.
  assert.ok(
    !admin.html.includes('aria-label="Delete Porch, 2026-02-26 11:00:00 UTC"'),
  );
  assert.ok(
    admin.html.includes('<span class="badge r-recording">Recording</span>'),
  );
  assert.ok(admin.html.includes("Connection refused"));
  // A deleted camera's recording: download only (playback goes by camera).
  assert.ok(admin.html.includes('Old cam <span class="mut">(deleted)</span>'));
  assert.ok(!admin.html.includes('aria-label="Play Old cam'));
  assert.ok(admin.html.includes('aria-label="Download Old cam'));
  // Pages from the real total.
  assert.ok(admin.html.includes("1–3 of 60"));
  assert.ok(
    admin.html.includes(
      '<a class="button" href="/recordings?offset=25">Next →</a>',
    ),
  );
  assert.ok(
    admin.html.includes(
      '<span class="button off" aria-disabled="true">← Previous</span>',
    ),
  );
  assert.doesNotMatch(admin.html, /\sstyle=/);

  const viewer = await fetchPage(VIEWER, "/recordings", { listRecordings });
  assert.equal(viewer.status, 200);
  assert.ok(viewer.html.includes("cameras granted to you"));
  assert.ok(!viewer.html.includes('class="keep"'), "no Keep button");
  assert.ok(!viewer.html.includes(">Delete<"), "no Delete");
  assert.ok(viewer.html.includes("<td>Kept</td>"), "keep shows as text");
  assert.ok(viewer.html.includes('aria-label="Play Porch'), "viewers play");
  assert.ok(
    !viewer.html.includes(`<option value="${PORCH.id}">`),
    "only granted cameras to filter",
  );
  assert.deepEqual(queries.map(([role]) => role), ["admin", "viewer"]);

  // The URL's filters reach the API query; Previous is a link.
  queries.length = 0;
  const q =
    `camera=${PORCH.id}&status=completed&from=2026-02-01&to=2026-02-26&offset=25`;
  const filtered = await fetchPage(ADMIN, `/recordings?${q}`, {
    listRecordings,
  });
  assert.deepEqual(queries[0][1], {
    camera_id: PORCH.id,
    status: "completed",
    start: "2026-02-01T00:00:00Z",
    end: "2026-02-27T00:00:00Z",
    limit: "25",
    offset: "25",
  });
  assert.ok(
    filtered.html.includes(
      `<option value="${PORCH.id}" selected>Porch</option>`,
    ),
  );
  assert.match(
    filtered.html,
    /<input id="rec-from" name="from" type="date" value="2026-02-01"/,
  );
  assert.ok(
    filtered.html.includes(
      `<a class="button" href="/recordings?camera=${PORCH.id}&amp;status=completed&amp;from=2026-02-01&amp;to=2026-02-26">← Previous</a>`,
    ),
  );

  // Errors from the API show as they are; a bad range is caught first.
  const refused = await fetchPage(VIEWER, `/recordings?camera=${PORCH.id}`, {
    listRecordings: () => Promise.reject(new Error("No access to this camera")),
  });
  assert.equal(refused.status, 200);
  assert.ok(
    refused.html.includes(
      '<p class="err" role="alert">Cannot load the recordings: No access to this camera</p>',
    ),
  );
  queries.length = 0;
  const backwards = await fetchPage(
    ADMIN,
    "/recordings?from=2026-02-05&to=2026-02-01",
    { listRecordings },
  );
  assert.equal(queries.length, 0, "not asked");
  assert.ok(backwards.html.includes("must not be before"));

  const out = await fullDashboard(null).request("/recordings");
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "/login?next=%2Frecordings");
  await out.body?.cancel();
});

Deno.test("RecordingsTable: the inline player and the delete confirmation", () => {
  const base = {
    rows: [REC],
    admin: true,
    busy: {},
    errors: {},
    confirming: null,
    player: null,
    onPlay: noop,
    onClosePlayer: noop,
    onKeep: noop,
    onAskDelete: noop,
    onCancelDelete: noop,
    onDelete: noop,
  };
  const src =
    `/api/cameras/${PORCH.id}/playback?start=2026-02-26T10%3A00%3A00.000Z&end=2026-02-26T10%3A45%3A12.000Z`;
  const playing = html_(h(RecordingsTable, {
    ...base,
    player: {
      id: REC.id,
      src,
      label: "Porch, from 2026-02-26 10:00:00 UTC",
      note: null,
    },
  }));
  assert.ok(playing.includes('aria-expanded="true"'));
  assert.ok(playing.includes(">Close</button>"));
  assert.match(
    playing,
    /<tr class="sub"><td colspan="8"><div class="player"><video src="[^"]+" controls autoplay preload="metadata" aria-label="Footage of Porch, from 2026-02-26 10:00:00 UTC"><\/video>/,
  );
  assert.ok(playing.includes(src.replaceAll("&", "&amp;")));
  const confirm = html_(h(RecordingsTable, { ...base, confirming: REC.id }));
  assert.ok(
    confirm.includes(
      'aria-label="Confirm delete of Porch, 2026-02-26 10:00:00 UTC"',
    ),
  );
  assert.ok(confirm.includes(">Yes, delete</button>"));
  assert.ok(!confirm.includes('aria-label="Delete Porch'));
  const failed = html_(h(RecordingsTable, {
    ...base,
    busy: { [REC.id]: "delete" as const },
    confirming: REC.id,
    errors: {
      [REC.id]:
        'Node "node-a" is offline; nothing was deleted. Try again when it is back.',
    },
  }));
  assert.ok(failed.includes(">Deleting…</button>"));
  assert.ok(
    failed.includes(
      '<p class="err" role="alert">Node &quot;node-a&quot; is offline; nothing was deleted.',
    ),
  );
  assert.ok(
    html_(h(RecordingsTable, { ...base, rows: [] })).includes(
      "No recordings match these filters.",
    ),
  );
});

const OPEN = {
  id: "aaaaaaaa-0000-4000-8000-000000000002",
  started_at: "2026-02-26T11:00:00.000Z",
  error_message: null,
};

Deno.test("RecordControl: Record, progress, Stop, Continuous, the API's error; viewers see only REC", () => {
  const props: RecordControlProps = {
    id: "t",
    cameraName: "Porch",
    mode: "off",
    open: null,
    admin: true,
    busy: null,
    error: null,
    onStart: noop,
    onStop: noop,
  };
  const idle = html_(h(RecordControl, props));
  assert.ok(
    idle.includes('<span id="t-rec-state" class="mut">Not recording</span>'),
  );
  assert.ok(
    idle.includes(
      '<button type="button" class="rec" aria-describedby="t-rec-state">Record</button>',
    ),
  );
  assert.ok(idle.includes('role="group" aria-label="Recording of Porch"'));
  const starting = html_(h(RecordControl, { ...props, busy: "start" }));
  assert.ok(starting.includes('aria-busy="true"'));
  assert.ok(
    starting.includes(
      'class="rec" disabled aria-describedby="t-rec-state">Starting…</button>',
    ),
  );
  const on = html_(h(RecordControl, { ...props, open: OPEN }));
  assert.ok(
    on.includes(
      '<span id="t-rec-state" class="rec-on">Recording since 11:00 UTC</span>',
    ),
  );
  assert.ok(
    on.includes('class="stop" aria-describedby="t-rec-state">Stop</button>'),
  );
  assert.ok(!on.includes(">Record<"));
  const detailed = html_(
    h(RecordControl, { ...props, open: OPEN, detailed: true, busy: "stop" }),
  );
  assert.ok(
    detailed.includes(
      'aria-live="polite">Recording since 2026-02-26 11:00:00 UTC</span>',
    ),
  );
  assert.ok(detailed.includes(">Stopping…</button>"));
  const conflict = html_(h(RecordControl, {
    ...props,
    error: 'Camera "Porch" is already recording since 2026-02-26T11:00:00.000Z',
  }));
  assert.ok(
    conflict.includes(
      '<p class="err" role="alert">Camera &quot;Porch&quot; is already recording since 2026-02-26T11:00:00.000Z</p>',
    ),
    "a 409 shows as the API says it",
  );
  const retrying = html_(
    h(RecordControl, {
      ...props,
      open: { ...OPEN, error_message: "stream ended" },
    }),
  );
  assert.ok(
    retrying.includes(
      '<span class="warn">Recorder retrying:</span> stream ended',
    ),
  );
  // Continuous: no stop (the API refuses it); what it does instead is said.
  const cont = html_(
    h(RecordControl, { ...props, mode: "continuous", open: OPEN }),
  );
  assert.ok(cont.includes("Continuous · recording since 11:00 UTC"));
  assert.ok(!cont.includes("<button"));
  assert.ok(
    html_(h(RecordControl, { ...props, mode: "continuous" })).includes(
      "Continuous · not recording yet",
    ),
  );
  // Viewers: nothing but the badge.
  assert.equal(
    html_(h(RecordControl, { ...props, admin: false, open: OPEN })),
    "",
  );
  assert.equal(
    html_(h(RecBadge, { open: OPEN, name: "Porch" })),
    '<span class="badge s-rec" title="Recording since 2026-02-26 11:00:00 UTC">REC<span class="sr"> (Porch is recording)</span></span>',
  );
  assert.equal(html_(h(RecBadge, { open: null })), "");
});

const TIMELINE: TimelineView = {
  camera_id: PORCH.id,
  day: "2026-02-26",
  start: "2026-02-26T00:00:00.000Z",
  end: "2026-02-27T00:00:00.000Z",
  spans: [
    { start: "2026-02-26T10:00:00.000Z", end: "2026-02-26T10:45:12.000Z" },
    { start: "2026-02-26T11:00:00.000Z", end: "2026-02-26T11:30:00.000Z" },
  ],
  recording_since: "2026-02-26T11:00:00.000Z",
};

Deno.test("the camera page: REC and Record/Stop by role, the day timeline as an SVG with a text alternative", async () => {
  const over: Partial<DashboardDeps> = {
    openRecordings: (ids) =>
      Promise.resolve(ids.includes(PORCH.id) ? { [PORCH.id]: OPEN } : {}),
    recordingTimeline: (id, day) =>
      Promise.resolve({ ...TIMELINE, camera_id: id, day }),
  };
  const { status, html } = await fetchPage(ADMIN, `/cameras/${PORCH.id}`, over);
  assert.equal(status, 200);
  assert.ok(html.includes('<span class="badge s-rec"'), "REC next to the name");
  assert.ok(html.includes("Recording since 2026-02-26 11:00:00 UTC"));
  assert.ok(html.includes(">Stop</button>"));
  assert.deepEqual(
    (islandProps(html, "CameraDetail").camera as CameraView).recording,
    OPEN,
  );
  // The timeline: an image with a title and a description, the spans as boxes and as a list.
  assert.ok(html.includes('<h2 id="footage-h">Recorded footage</h2>'));
  assert.match(
    html,
    /<svg class="tl-bar" viewBox="0 0 1440 40" preserveAspectRatio="none" role="img" aria-labelledby="tl-title tl-desc"><title id="tl-title">Recorded footage of Porch on \d{4}-\d{2}-\d{2} \(UTC\)<\/title><desc id="tl-desc">2 recorded spans on \d{4}-\d{2}-\d{2}, 1 h 15 min in all \(UTC\): 10:00–10:45, 11:00–11:30\. The rest of the day has no footage\. Recording now\.<\/desc>/,
  );
  assert.equal([...html.matchAll(/<rect class="tl-span"/g)].length, 2);
  assert.match(
    html,
    /<rect class="tl-span" x="600" y="5" width="45.2" height="30"><title>10:00:00–10:45:12 UTC \(45 min\): click to play<\/title><\/rect>/,
  );
  assert.ok(
    html.includes('<ul class="tl-list" aria-label="Recorded spans on '),
  );
  assert.ok(
    html.includes(
      'aria-label="Play 10:00:00–10:45:12 UTC (45 min)">Play</button>',
    ),
  );
  assert.ok(html.includes('<label for="tl-day">Day (UTC)</label>'));
  assert.ok(
    html.includes('<button type="button" aria-pressed="true">Day</button>'),
  );
  assert.ok(html.includes(`href="/recordings?camera=${PORCH.id}"`));
  const props = islandProps(html, "Timeline");
  assert.deepEqual(props.camera, { id: PORCH.id, name: "Porch" });
  assert.equal(props.today, (props.timeline as TimelineView).day);
  assert.doesNotMatch(html, /\sstyle=/);

  // Viewers: REC only; no control.
  const viewer = await fetchPage(VIEWER, `/cameras/${CAMERAS[0].id}`, {
    ...over,
    openRecordings: () => Promise.resolve({ [CAMERAS[0].id]: OPEN }),
  });
  assert.ok(viewer.html.includes('<span class="badge s-rec"'));
  assert.ok(!viewer.html.includes(">Stop</button>"));
  assert.ok(!viewer.html.includes(">Record</button>"));
  assert.ok(!viewer.html.includes('class="recctl"'));
  assert.ok(
    viewer.html.includes('role="img" aria-labelledby="tl-title tl-desc"'),
  );

  // Not recording, no deps: Record, and the timeline loads after hydration.
  const plain = await fetchPage(ADMIN, `/cameras/${PORCH.id}`);
  assert.ok(plain.html.includes(">Record</button>"));
  assert.ok(plain.html.includes("Not recording"));
  assert.equal(islandProps(plain.html, "Timeline").timeline, null);
  assert.ok(plain.html.includes(">Loading…</p>"));
});

Deno.test("the grid: tiles show REC and Record/Stop from deps.openRecordings; the list view too", async () => {
  const { html } = await fetchPage(ADMIN, "/", {
    openRecordings: (ids) => {
      assert.deepEqual(ids.sort(), ALL.map((c) => c.id).sort());
      return Promise.resolve({ [PORCH.id]: OPEN });
    },
  });
  const props = islandProps(html, "CameraGrid") as { cameras: CameraView[] };
  assert.deepEqual(
    props.cameras.find((c) => c.id === PORCH.id)?.recording,
    OPEN,
  );
  assert.equal(props.cameras.find((c) => c.id === DESK.id)?.recording, null);
  assert.equal([...html.matchAll(/<span class="badge s-rec"/g)].length, 1);
  assert.equal([...html.matchAll(/>Stop<\/button>/g)].length, 1);
  assert.equal([...html.matchAll(/>Record<\/button>/g)].length, ALL.length - 1);
  const viewer = await fetchPage(VIEWER, "/", {
    openRecordings: () => Promise.resolve({ [CAMERAS[0].id]: OPEN }),
  });
  assert.equal(
    [...viewer.html.matchAll(/<span class="badge s-rec"/g)].length,
    1,
  );
  assert.ok(
    !viewer.html.includes(">Record</button>") &&
      !viewer.html.includes(">Stop</button>"),
  );

  const list = html_(h(CameraList, {
    cameras: [PORCH, { ...DESK, recording_mode: "continuous" }, CAMERAS[0]],
    recs: { [PORCH.id]: OPEN },
  }));
  assert.ok(list.includes('<th scope="col">Recording</th>'));
  assert.match(list, /<td class="nowrap"><span class="badge s-rec"[^>]*>REC/);
  assert.ok(list.includes('<td class="nowrap">Continuous</td>'));
  assert.ok(list.includes('<td class="nowrap">—</td>'));
});

Deno.test("the edit form offers recording mode and retention, labelled", async () => {
  const { html } = await fetchPage(ADMIN, `/cameras/${PORCH.id}`, {
    listCameras: () =>
      Promise.resolve([{
        ...PORCH,
        recording_mode: "continuous",
        retention_days: 14,
      }]),
  });
  assert.match(
    html,
    /<select id="edit-recording_mode" name="recording_mode" value="continuous" aria-describedby="edit-recording_mode-hint"><option value="off">Off \(record by hand\)<\/option><option value="manual">Manual \(record by hand\)<\/option><option value="continuous" selected>Continuous<\/option><\/select>/,
  );
  assert.match(
    html,
    /<input id="edit-retention_days" name="retention_days" value="14"[^>]* type="number" min="1" max="3650"/,
  );
  assert.ok(
    html.includes("Empty: footage stays until the node runs low on space"),
  );
  assert.ok(
    html.includes(
      "<dt>Recording</dt><dd>Continuous (always)</dd><dt>Retention</dt><dd>Keeps 14 days</dd>",
    ),
  );
  // The add form does not ask.
  assert.ok(
    !(await fetchPage(ADMIN, "/")).html.includes('id="add-recording_mode"'),
  );
});

const STORAGE: NodeStorageView = {
  node: "node-a",
  root: "/var/lib/falcon/recordings",
  total_bytes: 500 * GiB,
  free_bytes: 380 * GiB,
  recordings_bytes: 30 * GiB,
  cameras: [
    {
      camera_id: PORCH.id,
      camera_name: "Porch",
      bytes: 20 * GiB,
      segments: 1200,
    },
    {
      camera_id: "99999999-9999-4999-8999-999999999999",
      camera_name: null,
      bytes: 10 * GiB,
      segments: 600,
    },
  ],
};

Deno.test("nodes page: recordings storage per camera as bars, free space, refresh and errors", () => {
  assert.equal(
    storageSummary(STORAGE),
    "Recordings 30 GiB (6 %), other data 90 GiB, free 380 GiB of 500 GiB",
  );
  const chart = html_(h(StorageChart, { id: "s", storage: STORAGE }));
  assert.ok(
    chart.includes(
      'role="img" aria-labelledby="s-title"><title id="s-title">Recordings 30 GiB (6 %)',
    ),
  );
  assert.ok(
    chart.includes(
      '<rect class="st-rec" x="0" y="0" width="6" height="8"></rect>',
    ),
  );
  assert.ok(
    chart.includes(
      '<rect class="st-other" x="6" y="0" width="18" height="8"></rect>',
    ),
  );
  assert.match(
    chart,
    /<a href="\/cameras\/33333333-3333-4333-8333-333333333333">Porch<\/a><\/th><td class="nowrap">20 GiB<\/td><td>1200<\/td>/,
  );
  assert.ok(
    chart.includes(
      '<rect class="st-rec" x="0" y="0" width="100" height="8" rx="1"></rect>',
    ),
    "the largest is full width",
  );
  assert.ok(
    chart.includes('width="50" height="8" rx="1"></rect>'),
    "half as much, half as wide",
  );
  assert.ok(
    chart.includes(
      '<code>99999999</code> <span class="mut">(unknown camera)</span>',
    ),
  );
  assert.ok(
    html_(
      h(StorageChart, {
        id: "s",
        storage: { ...STORAGE, cameras: [], recordings_bytes: 0 },
      }),
    )
      .includes("No footage stored on this node."),
  );

  const node = toNodeDetail(NODES[0]);
  const card = (storage?: Parameters<typeof NodeCard>[0]["storage"]) =>
    html_(h(NodeCard, { node, storage, onRefreshStorage: noop }));
  assert.ok(card().includes("Not read yet."));
  assert.ok(
    card().includes('aria-describedby="node-node-a-rec">Refresh</button>'),
  );
  assert.ok(
    card({ loading: true, data: null, error: null, at: null }).includes(
      ">Refreshing…</button>",
    ),
  );
  const ok = card({
    loading: false,
    data: STORAGE,
    error: null,
    at: "2026-02-26T12:00:00.000Z",
  });
  assert.ok(ok.includes("node-node-a-storage-title"));
  assert.ok(ok.includes("2026-02-26 12:00:00 UTC"));
  const failed = card({
    loading: false,
    data: STORAGE,
    error: 'Node "node-a" did not answer (connection refused)',
    at: "2026-02-26T12:00:00.000Z",
  });
  assert.ok(
    failed.includes(
      '<p class="err" role="alert">Cannot read the storage: Node &quot;node-a&quot; did not answer',
    ),
  );
  assert.ok(
    failed.includes("node-node-a-storage-title"),
    "the last numbers stay",
  );
  assert.ok(
    html_(h(NodeCard, { node: toNodeDetail(NODES[1]) })).includes(
      "The node is offline; Refresh tries anyway.",
    ),
  );
});

Deno.test("/api-docs lists every operation of the OpenAPI document, for viewers too", async () => {
  const doc = openApiDocument({ version: VERSION, sessionCookie: "s" });
  for (const user of [ADMIN, VIEWER]) {
    const { status, html } = await get(user, "/api-docs");
    assert.equal(status, 200, user.role);
    assert.ok(html.includes("<title>API · Falcon-Eye</title>"));
    assert.ok(html.includes('href="/api/openapi.json"'));
    assert.doesNotMatch(html, /<script[^>]+src="https?:/, "no external script");
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(
          html.includes(`id="${op.operationId}"`) &&
            html.includes(`${method.toUpperCase()} ${path}`),
          `${method.toUpperCase()} ${path} is on the page`,
        );
      }
    }
  }
  // A body's fields are listed with their types: the camera form's, for one.
  const { html } = await get(ADMIN, "/api-docs");
  const create = html.slice(html.indexOf('id="cameras.create"'));
  assert.match(create, /<td class="mono">framerate<\/td><td>integer 1–60/);
  assert.match(
    create,
    /<td class="mono">protocol<\/td><td>one of rtsp, http, usb, demo, onvif/,
  );
});
