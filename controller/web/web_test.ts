import { assets, mountTestDashboard } from "../../tests/support/dashboard.ts";
import { gunzipSync } from "node:zlib";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { assertSerializable, serializeProps } from "./island.tsx";
import { acceptsGzip } from "./mod.ts";
import type { CameraView, DashboardDeps } from "./types.ts";

const GZIP_BUDGET_BYTES = 30 * 1024;

function camera(over: Partial<CameraView>): CameraView {
  return {
    id: "cam-1",
    name: "Front door",
    protocol: "rtsp",
    location: "Porch",
    source_url: "rtsp://admin:***@192.168.1.10:554/stream1",
    device_path: null,
    node_name: null,
    assigned_node: "node-a",
    resolution: "640x480",
    framerate: 15,
    status: "online",
    error_message: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

const CAMERAS: CameraView[] = [
  camera({}),
  camera({
    id: "cam-2",
    name: "Garage </script><!-- & co",
    protocol: "usb",
    location: null,
    source_url: null,
    device_path: "/dev/video0",
    node_name: "node-a",
    status: "error",
    error_message: "Cannot open /dev/video0: device busy",
  }),
];

const ADMIN = {
  id: "u1",
  username: "ada",
  role: "admin" as const,
  csrf: "csrf-token-1",
};

const deps: DashboardDeps = {
  user: () => Promise.resolve(ADMIN),
  setupRequired: () => Promise.resolve(false),
  listCameras: () => Promise.resolve(CAMERAS),
  listNodes: () =>
    Promise.resolve([{
      name: "node-a",
      status: "online",
      address: "10.0.0.4:30901",
      last_heartbeat_at: null,
    }]),
};

function dashboard(): Hono {
  const app = new Hono();
  mountTestDashboard(app, deps, assets);
  return app;
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
}

function scriptTags(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

/** URLs of the page's module scripts and modulepreloads. */
function pageModules(html: string): string[] {
  const scripts = scriptTags(html).map((t) => attr(t, "src")).filter((
    s,
  ): s is string => !!s);
  const preloads = [
    ...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g),
  ].map((m) => m[1]);
  return [...scripts, ...preloads];
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

Deno.test("buildIslands() bundles every island with one shared copy of preact", () => {
  assert.deepEqual(assets.islands, [
    "AccountForm",
    "AddCameraForm",
    "AgentChat",
    "AgentsAdmin",
    "AuditLog",
    "CameraCounts",
    "CameraDetail",
    "CameraEditForm",
    "CameraGrid",
    "CameraScan",
    "NodesView",
    "ProvidersForm",
    "RecentRecordings",
    "RecordingsView",
    "SettingsForm",
    "SignInForm",
    "Timeline",
    "TokensAdmin",
    "UserMenu",
    "UsersAdmin",
  ]);
  const preactFiles = [...assets.files].filter(([, f]) =>
    f.sources.some((s) => /\/preact\/dist\//.test(s))
  );
  assert.equal(
    preactFiles.length,
    1,
    `preact is in ${preactFiles.map(([u]) => u).join(", ")}`,
  );
  const copies = new Set(
    [...assets.files.values()].flatMap((f) => f.sources)
      .map((s) => /^(.*\/node_modules\/preact)\//.exec(s)?.[1])
      .filter(Boolean),
  );
  assert.equal(copies.size, 1, `preact copies: ${[...copies].join(", ")}`);
  for (const name of assets.islands) {
    assert.match(
      assets.islandUrl(name),
      new RegExp(`^/assets/${name}-[A-Z0-9]+\\.js$`),
    );
    assert.ok(
      assets.preloads(assets.islandUrl(name)).includes(preactFiles[0][0]),
    );
  }
  assert.match(assets.bootUrl, /^\/assets\/boot-[A-Z0-9]+\.js$/);
  assert.throws(() => assets.islandUrl("Nope"), /Unknown island "Nope"/);
});

Deno.test("the grid page loads at most 30 KB of gzipped JavaScript, every import included", async () => {
  const html = await (await dashboard().request("/")).text();
  const urls = new Set(pageModules(html));
  // Every static import of every loaded module must already be listed (preloaded), so nothing is missed.
  for (const url of urls) {
    const js = new TextDecoder().decode(assets.files.get(url)!.body);
    for (const m of js.matchAll(/(?:from|import)\s*"\.\/([^"]+)"/g)) {
      assert.ok(
        urls.has(`/assets/${m[1]}`),
        `${url} imports ${m[1]}, which the page does not preload`,
      );
    }
  }
  let raw = 0;
  let gzip = 0;
  for (const url of urls) {
    const body = assets.files.get(url)!.body;
    raw += body.byteLength;
    gzip += await gzipSize(body);
  }
  console.log(
    `grid page JS: ${urls.size} files, ${raw} B raw, ${gzip} B gzip; build ${assets.buildMs} ms`,
  );
  assert.ok(
    gzip <= GZIP_BUDGET_BYTES,
    `${gzip} B gzip > ${GZIP_BUDGET_BYTES} B`,
  );
});

Deno.test("GET / server-renders both cameras with their island props", async () => {
  const res = await dashboard().request("/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-store");
  // Where the server time went (bench/dashboard.ts reads it).
  assert.match(
    res.headers.get("server-timing") ?? "",
    /^auth;dur=\d+\.\d, data;dur=\d+\.\d, render;dur=\d+\.\d, total;dur=\d+\.\d$/,
  );
  const html = await res.text();
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<meta name="viewport"/);
  assert.match(html, /<title>Cameras · Falcon-Eye<\/title>/);
  assert.match(html, /Falcon-Eye/);
  assert.ok(html.includes(">Front door<"));
  assert.ok(
    html.includes(">Garage &lt;/script>&lt;!-- &amp; co<"),
    "second camera name, escaped",
  );
  assert.ok(
    html.includes("Cannot open /dev/video0: device busy"),
    "error shown over the tile before JS",
  );
  assert.ok(html.includes('src="/api/cameras/cam-1/stream"'));
  assert.ok(html.includes('<form class="add"'));

  const grid =
    /<fe-island data-island="CameraGrid" data-src="([^"]+)">[\s\S]*?<\/fe-island>(<script[^>]*>)([^<]*)<\/script>/
      .exec(html);
  assert.ok(grid, "CameraGrid marker followed by its props");
  assert.equal(grid[1], assets.islandUrl("CameraGrid"));
  assert.equal(attr(grid[2], "type"), "application/json");
  assert.deepEqual(JSON.parse(grid[3]), {
    cameras: CAMERAS,
    userId: ADMIN.id,
    admin: true,
  });
});

Deno.test("page scripts are external modules served with immutable caching", async () => {
  const app = dashboard();
  const html = await (await app.request("/")).text();
  for (const tag of scriptTags(html)) {
    const ok = attr(tag, "type") === "application/json" ||
      (attr(tag, "type") === "module" && attr(tag, "src"));
    assert.ok(ok, `inline script: ${tag}`);
  }
  const srcs = scriptTags(html).map((t) => attr(t, "src")).filter((
    s,
  ): s is string => !!s);
  assert.deepEqual(srcs, [
    assets.bootUrl,
    assets.islandUrl("AddCameraForm"),
    assets.islandUrl("CameraCounts"),
    assets.islandUrl("CameraGrid"),
    assets.islandUrl("UserMenu"),
  ]);
  for (const url of pageModules(html)) {
    const res = await app.request(url);
    assert.equal(res.status, 200, url);
    assert.equal(
      res.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.equal(
      res.headers.get("cache-control"),
      "public, max-age=31536000, immutable",
    );
    const etag = res.headers.get("etag");
    assert.match(etag ?? "", /^"[\w-]+"$/);
    assert.deepEqual(
      new Uint8Array(await res.arrayBuffer()),
      assets.files.get(url)!.body,
    );
    const again = await app.request(url, {
      headers: { "If-None-Match": etag! },
    });
    assert.equal(again.status, 304);
    await again.body?.cancel();

    // Browsers get the gzip made at build: smaller, same bytes once inflated.
    const gz = await app.request(url, {
      headers: { "Accept-Encoding": "gzip, deflate, br" },
    });
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    assert.equal(gz.headers.get("vary"), "Accept-Encoding");
    const gzEtag = gz.headers.get("etag");
    assert.notEqual(gzEtag, etag, "each encoding has its own ETag");
    const packed = new Uint8Array(await gz.arrayBuffer());
    const body = assets.files.get(url)!.body;
    if (body.length > 200) assert.ok(packed.length < body.length, url);
    assert.deepEqual(new Uint8Array(gunzipSync(packed)), body);
    const gzAgain = await app.request(url, {
      headers: { "Accept-Encoding": "gzip", "If-None-Match": gzEtag! },
    });
    assert.equal(gzAgain.status, 304);
    await gzAgain.body?.cancel();
  }
});

Deno.test("acceptsGzip() reads Accept-Encoding, including q=0", () => {
  assert.equal(acceptsGzip(undefined), false);
  assert.equal(acceptsGzip("br"), false);
  assert.equal(acceptsGzip("gzip"), true);
  assert.equal(acceptsGzip("deflate, GZIP;q=0.5"), true);
  assert.equal(acceptsGzip("gzip;q=0, br"), false);
  assert.equal(acceptsGzip("*"), true);
});

Deno.test("unknown assets and pages answer 404", async () => {
  const app = dashboard();
  const asset = await app.request("/assets/CameraGrid-NOPE.js");
  assert.equal(asset.status, 404);
  await asset.body?.cancel();

  const page = await app.request("/no/such/page");
  assert.equal(page.status, 404);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  const html = await page.text();
  assert.match(html, /Page not found/);
  assert.ok(html.includes("<code>/no/such/page</code>"));
  assert.equal(
    scriptTags(html).length,
    0,
    "a page without islands loads no JavaScript",
  );

  const api = await app.request("/api/nope");
  assert.equal(api.status, 404);
  assert.equal((await api.json()).error.code, "not_found");
});

Deno.test("an empty system shows the empty state", async () => {
  const app = new Hono();
  mountTestDashboard(app, {
    ...deps,
    listCameras: () => Promise.resolve([]),
    listNodes: () => Promise.resolve([]),
  }, assets);
  const html = await (await app.request("/")).text();
  assert.match(html, /No cameras yet/);
});

Deno.test("serializeProps() cannot close the script element or open a comment", () => {
  const props = { name: "</script><script>alert(1)</script><!-- \u2028 & >" };
  const json = serializeProps(props);
  assert.ok(!json.includes("<") && !json.includes(">"), json);
  assert.deepEqual(JSON.parse(json), props);
});

Deno.test("assertSerializable() rejects what JSON would change", () => {
  assertSerializable({ a: [1, "x", null, true], b: { c: undefined } }, "props");
  assert.throws(
    () => assertSerializable({ f: () => 1 }, "props"),
    /props\.f: a function is not JSON/,
  );
  assert.throws(
    () => assertSerializable({ d: new Date() }, "props"),
    /props\.d: Date is not a plain object/,
  );
  assert.throws(
    () => assertSerializable([NaN], "props"),
    /props\[0\]: NaN is not a finite number/,
  );
});

Deno.test("buildIslands() works from another working directory", async () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const islands = new URL("./islands.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--config",
      `${root}deno.json`,
      `const { buildIslands } = await import(${JSON.stringify(islands)});` +
      `const a = await buildIslands({ minify: false }); console.log(JSON.stringify(a.islands));`,
    ],
    cwd: Deno.makeTempDirSync(),
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.deepEqual(
    JSON.parse(new TextDecoder().decode(out.stdout)),
    assets.islands,
  );
});

Deno.test("island props carry only the view fields", async () => {
  const extra = {
    ...CAMERAS[0],
    metadata: { secret: "x" },
    stream_url: "/x",
  } as CameraView;
  const app = new Hono();
  mountTestDashboard(
    app,
    { ...deps, listCameras: () => Promise.resolve([extra]) },
    assets,
  );
  const html = await (await app.request("/")).text();
  assert.ok(!html.includes("metadata") && !html.includes("stream_url"));
  assert.ok(html.includes(">Front door<"));
});

Deno.test("signed-out visitors are sent to /login (or /setup before the first account)", async () => {
  const out = new Hono();
  mountTestDashboard(
    out,
    { ...deps, user: () => Promise.resolve(null) },
    assets,
  );
  const res = await out.request("/");
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/login");
  const deep = await out.request("/no/such/page");
  assert.equal(deep.status, 303);
  assert.match(deep.headers.get("location") ?? "", /^\/login\?next=/);
  const login = await out.request("/login");
  assert.equal(login.status, 200);
  assert.match(await login.text(), /Sign in/);

  const fresh = new Hono();
  mountTestDashboard(fresh, {
    ...deps,
    user: () => Promise.resolve(null),
    setupRequired: () => Promise.resolve(true),
  }, assets);
  const first = await fresh.request("/");
  assert.equal(first.headers.get("location"), "/setup");
  await first.body?.cancel();
  assert.match(
    await (await fresh.request("/setup?token=abc")).text(),
    /Create the admin account/,
  );
});

Deno.test("pages publish the session's CSRF token for islands, and viewers get no add form", async () => {
  const html = await (await dashboard().request("/")).text();
  assert.match(html, /<meta name="csrf-token" content="csrf-token-1">/);
  assert.match(html, /Add a camera/);
  const viewerApp = new Hono();
  mountTestDashboard(viewerApp, {
    ...deps,
    user: () => Promise.resolve({ ...ADMIN, role: "viewer" as const }),
  }, assets);
  const viewerHtml = await (await viewerApp.request("/")).text();
  assert.doesNotMatch(viewerHtml, /Add a camera/);
});
