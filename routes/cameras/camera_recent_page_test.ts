/**
 * The camera page's "Recent recordings": server-rendered with the page
 * through `deps.listRecordings` (this camera, the newest 8), with start,
 * duration, size, mode, keep and status per session, labelled Play and
 * Download, the link to all of them, the empty and the error states; and
 * the row's states only the browser reaches (preparing, playing, an error).
 */
import { assets, mountTestDashboard } from "../../tests/support/dashboard.ts";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Row } from "../../islands/RecentRecordings.tsx";

import type {
  CameraView,
  DashboardDeps,
  RecordingsPageView,
  RecordingView,
  WebUser,
} from "../../controller/web/types.ts";

const ADMIN: WebUser = { id: "u-a", username: "ada", role: "admin", csrf: "c" };
const VIEWER: WebUser = {
  id: "u-v",
  username: "vic",
  role: "viewer",
  csrf: "v",
};

const CAMERA: CameraView = {
  id: "33333333-3333-4333-8333-333333333333",
  name: "Porch <b>",
  protocol: "demo",
  location: null,
  source_url: "demo://",
  device_path: null,
  node_name: null,
  assigned_node: "node-a",
  resolution: "640x480",
  framerate: 15,
  status: "online",
  error_message: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

const OPEN: RecordingView = {
  id: "aaaaaaaa-0000-4000-8000-000000000002",
  camera_id: CAMERA.id,
  camera_name: CAMERA.name,
  camera_deleted: false,
  node_name: "node-a",
  kind: "continuous",
  status: "recording",
  started_at: "2026-02-26T11:00:00.000Z",
  ended_at: null,
  keep: false,
  error_message: "ffmpeg exited with code 1",
  download_url: "/api/recordings/aaaaaaaa-0000-4000-8000-000000000002/download",
  segment_count: 3,
  duration_ms: 180_000,
  size_bytes: 3 * 1024 * 1024,
};
const DONE: RecordingView = {
  ...OPEN,
  id: "aaaaaaaa-0000-4000-8000-000000000001",
  kind: "manual",
  status: "completed",
  started_at: "2026-02-26T10:00:00.000Z",
  ended_at: "2026-02-26T10:45:12.000Z",
  keep: true,
  error_message: null,
  download_url: "/api/recordings/aaaaaaaa-0000-4000-8000-000000000001/download",
  segment_count: 46,
  duration_ms: 2_712_000,
  size_bytes: 500 * 1024 * 1024,
};
/** Stopped a moment ago: its last segment has not closed yet. */
const FRESH: RecordingView = {
  ...DONE,
  id: "aaaaaaaa-0000-4000-8000-000000000000",
  started_at: "2026-02-26T09:00:00.000Z",
  ended_at: "2026-02-26T09:00:04.000Z",
  keep: false,
  segment_count: 0,
  duration_ms: 0,
  size_bytes: 0,
};

async function cameraPage(
  user: WebUser,
  listRecordings?: DashboardDeps["listRecordings"],
): Promise<{ status: number; html: string }> {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: () => Promise.resolve([CAMERA]),
    listNodes: () => Promise.resolve([]),
    listRecordings,
  };
  const app = new Hono();
  mountTestDashboard(app, deps, assets);
  const res = await app.request(`/cameras/${CAMERA.id}`);
  const html = (await res.text()).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
  return { status: res.status, html };
}

/** The island's server-rendered markup and its JSON props. */
function island(
  html: string,
): { body: string; props: Record<string, unknown> } {
  const m = new RegExp(
    '<fe-island data-island="RecentRecordings"[^>]*>([\\s\\S]*?)</fe-island>' +
      '<script type="application/json" data-island-props(?:="")?>([^<]*)</script>',
  ).exec(html);
  assert.ok(m, "the RecentRecordings island is on the page");
  return { body: m[1], props: JSON.parse(m[2]) };
}

/** Every button and link-button has a name (text or aria-label). */
function assertNamed(body: string): void {
  for (const m of body.matchAll(/<(button|a)\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const named = /aria-label="[^"]+"/.test(m[2]) ||
      m[3].replace(/<[^>]+>/g, "").trim() !== "";
    assert.ok(named, `unnamed control: ${m[0]}`);
  }
}

Deno.test("the camera page server-renders its recent recordings", async () => {
  const asked: Record<string, string>[] = [];
  const { status, html } = await cameraPage(ADMIN, (user, query) => {
    assert.equal(user, ADMIN);
    asked.push(query);
    return Promise.resolve({
      recordings: [OPEN, DONE, FRESH],
      total: 23,
      limit: 8,
      offset: 0,
    });
  });
  assert.equal(status, 200);
  assert.deepEqual(asked, [{
    camera_id: CAMERA.id,
    limit: "8",
    offset: "0",
  }]);
  assert.ok(html.includes('<h2 id="recent-h">Recent recordings</h2>'));
  assert.ok(
    html.indexOf('id="recent-h"') < html.indexOf('id="footage-h"'),
    "above the day timeline",
  );
  const { body, props } = island(html);
  assert.equal(props.limit, 8);
  assert.deepEqual(props.camera, { id: CAMERA.id, name: CAMERA.name });
  assert.equal((props.page as RecordingsPageView).recordings.length, 3);
  assert.equal(props.error, null);

  assert.ok(
    body.includes(
      '<caption class="sr">Recent recordings of Porch &lt;b>, newest first; times in UTC</caption>',
    ),
  );
  const rows = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1])
    .slice(1);
  assert.equal(rows.length, 3);
  const cells = (row: string) =>
    [...row.matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) =>
      m[1].replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim()
    );
  // Start, duration, size, mode, keep, status (+ the recorder's error), actions.
  assert.deepEqual(cells(rows[0]), [
    "2026-02-26 11:00:00",
    "3 min so far",
    "3 MiB",
    "Continuous",
    "—",
    "Recording ffmpeg exited with code 1",
    "Play Download",
  ]);
  assert.ok(rows[0].includes('<span class="badge r-recording">Recording'));
  assert.deepEqual(cells(rows[1]), [
    "2026-02-26 10:00:00",
    "45 min",
    "500 MiB",
    "Manual",
    "Kept",
    "Completed",
    "Play Download",
  ]);
  assert.ok(
    rows[1].includes(
      '<button type="button" aria-label="Play recording from 2026-02-26 10:00:00 UTC" aria-expanded="false">Play</button>',
    ),
  );
  assert.ok(
    rows[1].includes(
      `<a class="button" href="${DONE.download_url}" download aria-label="Download recording from 2026-02-26 10:00:00 UTC">Download</a>`,
    ),
  );
  // No closed segment yet: nothing to play or download.
  assert.deepEqual(cells(rows[2]).slice(1, 3), ["—", "—"]);
  assert.equal(cells(rows[2])[6], "No footage");
  assert.ok(!rows[2].includes("<button"));
  assert.ok(
    body.includes(
      `<a href="/recordings?camera=${CAMERA.id}">All 23 recordings of this camera</a>`,
    ),
  );
  assertNamed(body);
  assert.doesNotMatch(html, /\sstyle=/);
});

Deno.test("recent recordings: the empty state, viewers, and an error from the list", async () => {
  const empty = await cameraPage(
    VIEWER,
    () => Promise.resolve({ recordings: [], total: 0, limit: 8, offset: 0 }),
  );
  assert.equal(empty.status, 200);
  const e = island(empty.html).body;
  assert.ok(
    e.includes(
      '<p class="empty">No recordings of this camera yet. Recordings appear here as they start.</p>',
    ),
  );
  assert.ok(!e.includes("<table"));
  assert.ok(e.includes(">All recordings of this camera</a>"));

  const failing = await cameraPage(
    ADMIN,
    () => Promise.reject(new Error("No access to this camera")),
  );
  assert.equal(failing.status, 200, "the rest of the page still renders");
  const f = island(failing.html);
  assert.equal(f.props.page, null);
  assert.equal(f.props.error, "No access to this camera");
  assert.ok(
    f.body.includes(
      '<p class="err" role="alert">Cannot load the recordings: No access to this camera</p>',
    ),
  );
  assert.ok(f.body.includes('<button type="button">Try again</button>'));

  const none = await cameraPage(ADMIN);
  assert.equal(
    island(none.html).props.error,
    "Recordings are not available here.",
  );
});

Deno.test("Row: preparing, playing in the page, and the player's error", () => {
  const render = (over: Partial<Parameters<typeof Row>[0]>) =>
    renderToString(h(Row, {
      r: DONE,
      playing: null,
      preparing: false,
      note: null,
      error: null,
      onPlay: () => {},
      onClose: () => {},
      ...over,
    })).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
  const preparing = render({
    preparing: true,
    note: "Converting HEVC footage for the browser… 40 %",
  });
  assert.ok(preparing.includes("disabled>Preparing…</button>"));
  assert.ok(
    preparing.includes(
      '<p class="hint" role="status">Converting HEVC footage for the browser… 40 %</p>',
    ),
  );
  const src =
    `/api/cameras/${CAMERA.id}/playback?start=2026-02-26T10%3A00%3A00.000Z&end=2026-02-26T10%3A45%3A12.000Z&format=web`;
  const playing = render({
    playing: { id: DONE.id, src, label: "Porch, recording from …" },
  });
  assert.ok(
    playing.includes(
      'aria-label="Close the player of recording from 2026-02-26 10:00:00 UTC" aria-expanded="true">Close</button>',
    ),
  );
  assert.ok(playing.includes('<tr class="sub"><td colspan="7">'));
  assert.ok(
    playing.includes(
      `<video src="${
        src.replaceAll("&", "&amp;")
      }" controls autoplay preload="metadata" aria-label="Footage of Porch, recording from …"></video>`,
    ),
  );
  const failed = render({ error: 'Cannot play: Node "node-a" is offline' });
  assert.ok(
    failed.includes(
      '<p class="err" role="alert">Cannot play: Node &quot;node-a&quot; is offline</p>',
    ),
  );
});
