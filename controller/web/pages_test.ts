/**
 * The account pages (`/users`, `/tokens`, `/audit`, `/account`) and the nav:
 * who may open them, what they link, labelled fields, the JavaScript each
 * loads; plus the islands' parts rendered in the states the server never
 * reaches (rows loaded, panels open, a new token).
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import {
  accessLabel,
  errorsFrom,
  type UserRow,
  UsersTable,
} from "../../islands/UsersAdmin.tsx";
import {
  curlExample,
  NewToken,
  type TokenRow,
  TokensTable,
} from "../../islands/TokensAdmin.tsx";
import {
  auditPath,
  AuditTable,
  compactDetails,
  rangeLabel,
} from "../../islands/AuditLog.tsx";
import { checkPasswords } from "../../islands/AccountForm.tsx";
import { buildIslands, mountDashboard } from "./mod.ts";
import type {
  CameraView,
  DashboardDeps,
  IslandAssets,
  WebUser,
} from "./types.ts";

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

const assets: IslandAssets = await buildIslands();

function dashboard(user: WebUser | null): Hono {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: () => Promise.resolve(CAMERAS),
    listNodes: () => Promise.resolve([]),
  };
  const app = new Hono();
  mountDashboard(app, deps, assets);
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
      ["/users", "Users"],
      ["/tokens", "Tokens"],
      ["/audit", "Audit log"],
      ["/account", "Account"],
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
      "/tokens",
      "/account",
    ], path);
    assert.ok(
      !html.includes('href="/users"') && !html.includes('href="/audit"'),
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
