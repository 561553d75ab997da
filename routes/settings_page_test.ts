/**
 * The `/settings` page: admins only (viewers 403, signed out → /login), every
 * setting server-rendered with a label, its value, help and default; the
 * field error state; the JavaScript it loads; and the add-camera form on `/`
 * prefilled from the default resolution and frame rate.
 */
import { assets, mountTestDashboard } from "../tests/support/dashboard.ts";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import {
  defaultSettings,
  settingFields,
} from "../controller/settings/schema.ts";
import { SettingInput } from "../islands/SettingsForm.tsx";

import type { SettingsView } from "../islands/client/settings_form.ts";
import type { DashboardDeps, WebUser } from "../controller/web/types.ts";

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

function view(): SettingsView {
  const defaults = defaultSettings({ segmentSeconds: 60 });
  return {
    settings: {
      ...defaults,
      default_resolution: "1280x720",
      default_framerate: 10,
      segment_seconds: 20,
      default_node: "worker-2",
    },
    defaults,
    updated: { segment_seconds: { at: "2026-01-01T00:00:00.000Z", by: "ada" } },
    fields: settingFields(),
  };
}

function dashboard(user: WebUser | null): Hono {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: () => Promise.resolve([]),
    listNodes: () =>
      Promise.resolve(["worker-2", "worker-1"].map((name) => ({
        name,
        status: "online" as const,
        address: null,
        version: null,
        last_heartbeat_at: null,
        info: {},
        cameras: 0,
      }))),
    settings: () => Promise.resolve(view()),
  };
  const app = new Hono();
  mountTestDashboard(app, deps, assets);
  return app;
}

async function get(user: WebUser | null, path: string) {
  const res = await dashboard(user).request(path);
  return { status: res.status, html: await res.text(), res };
}

/** The opening tag of the element with this id. */
function tag(html: string, id: string): string {
  const m = new RegExp(`<(input|select)\\b[^>]*\\sid="${id}"[^>]*>`).exec(
    html,
  );
  assert.ok(m, `no control #${id}`);
  return m[0];
}

Deno.test("/settings renders every setting for admins, labelled, with value, help and default", async () => {
  const { status, html, res } = await get(ADMIN, "/settings");
  assert.equal(status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.ok(html.includes("<title>Settings · Falcon-Eye</title>"));
  assert.ok(html.includes('data-island="SettingsForm"'));
  assert.match(html, /<a href="\/settings" aria-current="page">Settings<\/a>/);
  for (const f of settingFields()) {
    const id = `setting-${f.key}`;
    tag(html, id);
    assert.ok(html.includes(`<label for="${id}"`), `label for ${f.key}`);
    assert.ok(html.includes(`id="${id}-hint"`), `help for ${f.key}`);
  }
  assert.match(tag(html, "setting-default_resolution"), /value="1280x720"/);
  assert.match(tag(html, "setting-segment_seconds"), /value="20"/);
  assert.match(tag(html, "setting-segment_seconds"), /min="2"/);
  assert.match(
    tag(html, "setting-default_retention_days"),
    /\svalue(="")?[\s/>]/,
  );
  assert.ok(html.includes("Default: 60 s."), "the default in the help");
  assert.ok(html.includes("Default: no age limit."), "what null means");
  // The node choice: automatic plus the known nodes, the saved one selected.
  assert.match(html, /<option value="" ?>Automatic/);
  assert.match(html, /<option\s+value="worker-2"\s+selected>/);
  assert.match(html, /<option\s+value="worker-1"\s*>/);
  for (const legend of ["New cameras", "Recording and storage", "Live view"]) {
    assert.ok(html.includes(`<legend>${legend}</legend>`), legend);
  }
  assert.match(
    html,
    /<button type="submit" class="primary"[^>]*>Save<\/button>/,
  );
});

Deno.test("/settings is 403 for viewers and sends signed-out visitors to /login", async () => {
  const viewer = await get(VIEWER, "/settings");
  assert.equal(viewer.status, 403);
  assert.match(viewer.html, /Page not found/);
  assert.ok(!viewer.html.includes('data-island="SettingsForm"'));
  assert.ok(!viewer.html.includes('href="/settings"'), "not in a viewer's nav");
  const anon = await dashboard(null).request("/settings");
  assert.equal(anon.status, 303);
  assert.equal(anon.headers.get("location"), "/login?next=%2Fsettings");
  await anon.body?.cancel();
});

Deno.test("/settings loads only its island and the user menu", async () => {
  const { html } = await get(ADMIN, "/settings");
  const srcs = [
    ...html.matchAll(/<script type="module" src="([^"]+)"><\/script>/g),
  ].map((m) => m[1]).sort();
  assert.deepEqual(
    srcs,
    [
      assets.bootUrl,
      assets.islandUrl("SettingsForm"),
      assets.islandUrl("UserMenu"),
    ].sort(),
  );
  const urls = new Set([...srcs, ...srcs.flatMap((u) => assets.preloads(u))]);
  let gzip = 0;
  for (const url of urls) {
    const body = assets.files.get(url)!.body as Uint8Array<ArrayBuffer>;
    gzip += (await new Response(
      new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer()).byteLength;
  }
  console.log(`/settings: ${urls.size} files, ${gzip} B gzip`);
  assert.ok(gzip <= 30 * 1024, `${gzip} B gzip`);
});

Deno.test("SettingInput shows the API's error under its field", () => {
  const field = settingFields().find((f) => f.key === "segment_seconds")!;
  const out = renderToString(h(SettingInput, {
    field,
    value: "1",
    saved: 60,
    fallback: 60,
    error: "segment_seconds must be a whole number from 2 to 3600",
    nodes: [],
    onInput: () => {},
  }));
  assert.match(out, /aria-invalid="true"/);
  assert.match(
    out,
    /aria-describedby="setting-segment_seconds-err setting-segment_seconds-hint"/,
  );
  assert.match(
    out,
    /<p class="err" id="setting-segment_seconds-err" role="alert">segment_seconds must be/,
  );
  assert.match(
    out,
    /<label for="setting-segment_seconds">Segment length \(s\)/,
  );
});

Deno.test("the add-camera form on / starts from the default resolution and frame rate", async () => {
  const { status, html } = await get(ADMIN, "/");
  assert.equal(status, 200);
  assert.match(tag(html, "add-resolution"), /value="1280x720"/);
  assert.match(tag(html, "add-framerate"), /value="10"/);
});
