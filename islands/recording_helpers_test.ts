/**
 * Pure helpers of the recording views: open recordings after SSE events,
 * playback ranges, the recordings page's filters ↔ URL ↔ API query and its
 * page after events, the day timeline's geometry and text, durations and UTC
 * times, and the edit form's recording fields.
 */
import assert from "node:assert/strict";
import { patchBody, valuesOf } from "./client/camera_form.ts";
import { formatDuration, formatUtc, utcClock } from "./client/format.ts";
import {
  applyRecordingEvent,
  applySession,
  recMapOf,
} from "./client/recording.ts";
import {
  conversionText,
  PLAY_WINDOW_MS,
  playbackUrl,
  sessionPlayRange,
  startPlay,
} from "./client/playback.ts";
import {
  apiQuery,
  applyRecordingEventToPage,
  checkFilters,
  filtersFrom,
  NO_FILTERS,
  pageLabel,
  pagePath,
} from "./client/recordings.ts";
import {
  axisOf,
  dayWindow,
  panWindow,
  shiftDay,
  spanAt,
  spanBoxes,
  spanLabel,
  timeAt,
  timelineSummary,
  zoomCenter,
  zoomWindow,
} from "./client/timeline.ts";
import type {
  CameraView,
  RecordingsPageView,
  RecordingView,
  TimelineView,
} from "../controller/web/types.ts";
import { toCameraView, toRecordingView } from "../controller/web/views.ts";

const CAM = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

const rec = (over: Partial<RecordingView> = {}): RecordingView => ({
  id: "r1",
  camera_id: CAM,
  camera_name: "Porch",
  camera_deleted: false,
  node_name: "node-a",
  kind: "manual",
  status: "recording",
  started_at: "2026-02-26T10:00:00.000Z",
  ended_at: null,
  keep: false,
  error_message: null,
  download_url: "/api/recordings/r1/download",
  ...over,
});

Deno.test("formatDuration(), formatUtc() and utcClock()", () => {
  assert.equal(formatDuration(0), "0 s");
  assert.equal(formatDuration(-5), "0 s");
  assert.equal(formatDuration(NaN), "0 s");
  assert.equal(formatDuration(22_400), "22 s");
  assert.equal(formatDuration(59_600), "1 min");
  assert.equal(formatDuration(12 * 60_000 + 10_000), "12 min");
  assert.equal(formatDuration(65 * 60_000), "1 h 05 min");
  assert.equal(formatDuration(51 * 3600_000), "2 d 3 h");
  assert.equal(formatUtc("2026-02-26T10:02:05.123Z"), "2026-02-26 10:02:05");
  assert.equal(formatUtc("2026-02-26T11:02:05+01:00"), "2026-02-26 10:02:05");
  assert.equal(formatUtc("nonsense"), "nonsense");
  assert.equal(utcClock("2026-02-26T10:02:05.123Z"), "10:02:05");
  assert.equal(utcClock("2026-02-26T10:02:05.123Z", false), "10:02");
});

Deno.test("applyRecordingEvent(): started, failed, ended — by session", () => {
  let m = recMapOf([
    { id: CAM, recording: null } as CameraView,
    { id: OTHER } as CameraView,
  ]);
  assert.deepEqual(m, {});
  m = applyRecordingEvent(m, { type: "started", recording: rec() });
  assert.deepEqual(m, {
    [CAM]: {
      id: "r1",
      started_at: "2026-02-26T10:00:00.000Z",
      error_message: null,
    },
  });
  assert.equal(
    applyRecordingEvent(m, { type: "updated", recording: rec() }),
    m,
    "no change, same object",
  );
  m = applyRecordingEvent(m, {
    type: "failed",
    id: "r1",
    camera_id: CAM,
    error: "connection refused",
    at: "2026-02-26T10:05:00.000Z",
  });
  assert.equal(m[CAM].error_message, "connection refused");
  // A continuous rollover: the new day's session starts before the old one's end arrives.
  m = applyRecordingEvent(m, {
    type: "started",
    recording: rec({ id: "r2", started_at: "2026-02-27T00:00:00.000Z" }),
  });
  m = applyRecordingEvent(m, {
    type: "ended",
    recording: rec({ status: "completed", ended_at: "2026-02-27T00:00:00Z" }),
  });
  assert.equal(m[CAM].id, "r2", "the old session's end leaves the new one");
  m = applyRecordingEvent(m, {
    type: "ended",
    recording: rec({ id: "r2", status: "completed" }),
  });
  assert.deepEqual(m, {});
  // Events of deleted cameras and deletions change nothing.
  assert.deepEqual(
    applyRecordingEvent(m, {
      type: "started",
      recording: rec({ camera_id: null }),
    }),
    {},
  );
  assert.deepEqual(
    applyRecordingEvent(m, { type: "deleted", id: "r1", camera_id: CAM }),
    {},
  );
  // A start/stop answer applies like its event.
  m = applySession({}, rec());
  assert.ok(m[CAM]);
  assert.deepEqual(applySession(m, rec({ status: "completed" })), {});
});

Deno.test("sessionPlayRange() and playbackUrl(): at most an hour, by camera", () => {
  assert.deepEqual(
    sessionPlayRange(rec({ ended_at: "2026-02-26T10:00:22.000Z" })),
    {
      start: "2026-02-26T10:00:00.000Z",
      end: "2026-02-26T10:00:22.000Z",
      clipped: false,
    },
  );
  const long = sessionPlayRange(rec({ ended_at: "2026-02-26T14:00:00.000Z" }));
  assert.equal(
    Date.parse(long!.end) - Date.parse(long!.start),
    PLAY_WINDOW_MS,
  );
  assert.equal(long!.clipped, true);
  // Still recording: up to now.
  const now = Date.parse("2026-02-26T10:10:00.000Z");
  assert.equal(
    sessionPlayRange(rec(), now)!.end,
    "2026-02-26T10:10:00.000Z",
  );
  assert.equal(
    sessionPlayRange(rec({ camera_id: null, camera_deleted: true })),
    null,
    "playback goes by camera; a deleted camera's recording is download-only",
  );
  assert.equal(
    playbackUrl(CAM, "2026-02-26T10:00:00Z", new Date("2026-02-26T10:01:00Z")),
    `/api/cameras/${CAM}/playback?start=2026-02-26T10%3A00%3A00.000Z&end=2026-02-26T10%3A01%3A00.000Z`,
  );
});

Deno.test("playback asks for browser-playable footage; HEVC conversion progress as words", () => {
  assert.ok(
    playbackUrl(CAM, "2026-02-26T10:00:00Z", "2026-02-26T10:01:00Z", true)
      .endsWith("&format=web"),
  );
  assert.equal(
    conversionText({ state: "working", progress: 0.423, retry_after_ms: 2000 }),
    "Converting HEVC footage for the browser… 42 %",
  );
  assert.equal(
    conversionText({ progress: null, queue_position: 2 }),
    "Converting HEVC footage for the browser… (2 ahead in the queue)",
  );
  assert.equal(
    conversionText(null),
    "Converting HEVC footage for the browser…",
  );
});

Deno.test("recordings page: URL filters ↔ API query ↔ page path", () => {
  const { filters, offset } = filtersFrom(
    new URLSearchParams(
      `camera=${CAM}&status=completed&from=2026-02-01&to=2026-02-28&offset=50`,
    ),
  );
  assert.deepEqual(filters, {
    camera: CAM,
    status: "completed",
    from: "2026-02-01",
    to: "2026-02-28",
  });
  assert.equal(offset, 50);
  assert.deepEqual(apiQuery(filters, 25, offset), {
    camera_id: CAM,
    status: "completed",
    start: "2026-02-01T00:00:00Z",
    end: "2026-03-01T00:00:00Z",
    limit: "25",
    offset: "50",
  });
  assert.equal(
    pagePath(filters, 50),
    `/recordings?camera=${CAM}&status=completed&from=2026-02-01&to=2026-02-28&offset=50`,
  );
  assert.equal(pagePath(NO_FILTERS), "/recordings");
  assert.deepEqual(apiQuery(NO_FILTERS, 25, 0), { limit: "25", offset: "0" });
  // Junk is dropped, not passed on.
  assert.deepEqual(
    filtersFrom(
      new URLSearchParams("status=bogus&from=yesterday&to=2026-13&offset=-4"),
    ),
    { filters: NO_FILTERS, offset: 0 },
  );
  assert.equal(checkFilters({ ...NO_FILTERS, from: "2026-02-02" }), null);
  assert.match(
    checkFilters({ ...NO_FILTERS, from: "2026-02-02", to: "2026-02-01" })!,
    /must not be before/,
  );
});

Deno.test("recordings page: rows follow recording events; total follows", () => {
  const page: RecordingsPageView = {
    recordings: [
      rec({
        id: "r1",
        segment_count: 3,
        duration_ms: 180_000,
        size_bytes: 3e6,
      }),
    ],
    total: 7,
    limit: 2,
    offset: 0,
  };
  const today = "2026-02-26";
  // Keep on: the row updates, its totals stay.
  let p = applyRecordingEventToPage(
    page,
    {
      type: "updated",
      recording: rec({ keep: true }),
    },
    NO_FILTERS,
    today,
  );
  assert.equal(p.recordings[0].keep, true);
  assert.equal(p.recordings[0].duration_ms, 180_000);
  // A new recording goes on top of the first page.
  p = applyRecordingEventToPage(
    p,
    {
      type: "started",
      recording: rec({ id: "r9", camera_id: OTHER }),
    },
    NO_FILTERS,
    today,
  );
  assert.deepEqual(p.recordings.map((r) => r.id), ["r9", "r1"]);
  assert.equal(p.total, 8);
  // …but not when the filters exclude it, or on a later page.
  const filtered = { ...NO_FILTERS, camera: CAM };
  assert.equal(
    applyRecordingEventToPage(
      page,
      {
        type: "started",
        recording: rec({ id: "r8", camera_id: OTHER }),
      },
      filtered,
      today,
    ),
    page,
  );
  assert.equal(
    applyRecordingEventToPage(
      { ...page, offset: 2 },
      {
        type: "started",
        recording: rec({ id: "r8" }),
      },
      NO_FILTERS,
      today,
    ).total,
    7,
  );
  // A status filter: a row that ends leaves the "recording" list.
  const live = applyRecordingEventToPage(
    page,
    {
      type: "ended",
      recording: rec({ status: "completed" }),
    },
    { ...NO_FILTERS, status: "recording" },
    today,
  );
  assert.deepEqual(live.recordings, []);
  assert.equal(live.total, 6);
  // Failures show; deletions leave.
  p = applyRecordingEventToPage(
    p,
    {
      type: "failed",
      id: "r1",
      camera_id: CAM,
      error: "stream ended",
      at: "2026-02-26T10:05:00Z",
    },
    NO_FILTERS,
    today,
  );
  assert.equal(p.recordings[1].error_message, "stream ended");
  p = applyRecordingEventToPage(
    p,
    { type: "deleted", id: "r1", camera_id: CAM },
    NO_FILTERS,
    today,
  );
  assert.deepEqual(p.recordings.map((r) => r.id), ["r9"]);
  assert.equal(p.total, 7);
  assert.equal(pageLabel(p), "1–1 of 7");
  assert.equal(pageLabel({ ...p, recordings: [], total: 0 }), "No recordings");
  assert.equal(
    pageLabel({ ...p, recordings: [], offset: 25 }),
    "None at 26 of 7",
  );
});

const TL: TimelineView = {
  camera_id: CAM,
  day: "2026-02-26",
  start: "2026-02-26T00:00:00.000Z",
  end: "2026-02-27T00:00:00.000Z",
  spans: [
    { start: "2026-02-26T10:00:00.000Z", end: "2026-02-26T10:03:00.000Z" },
    { start: "2026-02-26T12:00:00.000Z", end: "2026-02-26T12:00:20.000Z" },
  ],
  recording_since: null,
};

Deno.test("timeline: spans on the bar, short ones still visible, the live part", () => {
  assert.deepEqual(spanBoxes(TL), [
    {
      x: 600,
      w: 3,
      start: "2026-02-26T10:00:00.000Z",
      end: "2026-02-26T10:03:00.000Z",
      live: false,
    },
    {
      x: 720,
      w: 3,
      start: "2026-02-26T12:00:00.000Z",
      end: "2026-02-26T12:00:20.000Z",
      live: false,
    },
  ]);
  const now = Date.parse("2026-02-26T12:30:00.000Z");
  const live = spanBoxes(
    { ...TL, recording_since: "2026-02-26T11:59:59.000Z" },
    now,
  );
  assert.deepEqual(live[2], {
    x: 720.33,
    w: 29.67,
    start: "2026-02-26T12:00:20.000Z",
    end: "2026-02-26T12:30:00.000Z",
    live: true,
  });
  // Zoomed to 10:00–11:00: the first span is 3 min = 72 units of 1440; the second is outside.
  const win = {
    start: Date.parse("2026-02-26T10:00:00Z"),
    end: Date.parse("2026-02-26T11:00:00Z"),
  };
  assert.deepEqual(spanBoxes(TL, now, win).map((b) => [b.x, b.w]), [[0, 72]]);
  assert.equal(
    timeAt(TL, 0.5, win).toISOString(),
    "2026-02-26T10:30:00.000Z",
  );
  assert.equal(timeAt(TL, 0.5).toISOString(), "2026-02-26T12:00:00.000Z");
  assert.equal(timeAt(TL, 2).toISOString(), "2026-02-27T00:00:00.000Z");
  assert.deepEqual(spanAt(TL, new Date("2026-02-26T10:01:00Z")), TL.spans[0]);
  assert.equal(spanAt(TL, new Date("2026-02-26T10:03:00Z")), null);
});

Deno.test("timeline: zoom windows stay in the day, pan by half, axis labels", () => {
  const day = dayWindow(TL);
  assert.deepEqual(zoomWindow(TL, 24, 0), day);
  const iso = (w: { start: number; end: number }) =>
    [w.start, w.end].map((t) => new Date(t).toISOString().slice(11, 16));
  assert.deepEqual(
    iso(zoomWindow(TL, 1, Date.parse("2026-02-26T10:03:00Z"))),
    ["09:30", "10:30"],
  );
  assert.deepEqual(
    iso(zoomWindow(TL, 6, Date.parse("2026-02-26T01:00:00Z"))),
    ["00:00", "06:00"],
    "clamped at the day's start",
  );
  assert.deepEqual(
    iso(zoomWindow(TL, 6, Date.parse("2026-02-26T23:00:00Z"))),
    ["18:00", "00:00"],
    "clamped at its end",
  );
  const w = zoomWindow(TL, 1, Date.parse("2026-02-26T10:03:00Z"));
  assert.deepEqual(iso(panWindow(TL, w, 1)), ["10:00", "11:00"]);
  assert.deepEqual(iso(panWindow(TL, w, -1)), ["09:00", "10:00"]);
  // Where zooming looks first: the newest footage, or now while recording.
  assert.equal(zoomCenter(TL, 0), Date.parse(TL.spans[1].end));
  const now = Date.parse("2026-02-26T15:00:00Z");
  assert.equal(
    zoomCenter({ ...TL, recording_since: "2026-02-26T14:00:00Z" }, now),
    now,
  );
  assert.equal(
    zoomCenter({ ...TL, spans: [] }, 0),
    Date.parse("2026-02-26T12:00:00Z"),
  );

  const dayAxis = axisOf(day);
  assert.deepEqual(dayAxis.labels, [
    "00:00",
    "03:00",
    "06:00",
    "09:00",
    "12:00",
    "15:00",
    "18:00",
    "21:00",
  ]);
  assert.equal(dayAxis.ticks.length, 23, "one per hour inside the bar");
  assert.equal(dayAxis.ticks.filter((t) => t.major).length, 7);
  assert.deepEqual(dayAxis.ticks[0], { x: 60, major: false });
  const hour = axisOf(w);
  assert.deepEqual(hour.labels, [
    "09:30",
    "09:40",
    "09:50",
    "10:00",
    "10:10",
    "10:20",
  ]);
  assert.equal(hour.ticks.length, 11, "every 5 minutes");
  assert.deepEqual(axisOf(zoomWindow(TL, 6, now)).labels.length, 6);
});

Deno.test("timeline: the text alternative and day steps", () => {
  assert.equal(
    timelineSummary(TL),
    "2 recorded spans on 2026-02-26, 3 min in all (UTC): 10:00–10:03, 12:00:00–12:00:20. The rest of the day has no footage.",
  );
  assert.equal(
    timelineSummary({ ...TL, spans: [] }),
    "No footage on 2026-02-26.",
  );
  assert.equal(
    timelineSummary({
      ...TL,
      spans: [],
      recording_since: "2026-02-26T09:00:00Z",
    }),
    "No saved footage on 2026-02-26 yet; recording since 09:00:00 UTC.",
  );
  assert.equal(
    spanLabel(TL.spans[1]),
    "12:00:00–12:00:20 UTC (20 s)",
  );
  assert.equal(shiftDay("2026-02-28", 1), "2026-03-01");
  assert.equal(shiftDay("2026-03-01", -1), "2026-02-28");
  assert.equal(shiftDay("bad", 1), "bad");
});

Deno.test("edit form: recording mode and retention are PATCHed when changed; empty retention is null", () => {
  const camera = {
    id: CAM,
    name: "Porch",
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
    recording_mode: "manual",
    retention_days: 14,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  } as CameraView;
  const before = valuesOf(camera);
  assert.equal(before.recording_mode, "manual");
  assert.equal(before.retention_days, "14");
  assert.deepEqual(patchBody(before, before), {});
  assert.deepEqual(
    patchBody(before, { ...before, recording_mode: "continuous" }),
    { recording_mode: "continuous" },
  );
  assert.deepEqual(patchBody(before, { ...before, retention_days: " " }), {
    retention_days: null,
  });
  assert.deepEqual(patchBody(before, { ...before, retention_days: "30" }), {
    retention_days: 30,
  });
  const none = valuesOf({
    ...camera,
    recording_mode: undefined,
    retention_days: null,
  });
  assert.equal(none.recording_mode, "off");
  assert.equal(none.retention_days, "");
});

Deno.test("views carry the recording facts only when known", () => {
  const base = {
    id: CAM,
    name: "Porch",
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
  } as CameraView;
  assert.ok(!("recording" in toCameraView(base)));
  assert.ok(!("recording_mode" in toCameraView(base)));
  const open = {
    id: "r1",
    started_at: "2026-02-26T10:00:00.000Z",
    error_message: null,
  };
  const v = toCameraView({
    ...base,
    recording_mode: "continuous",
    retention_days: null,
    recording: { ...open, extra: 1 } as typeof open,
    metadata: {},
  } as CameraView);
  assert.deepEqual(v.recording, open);
  assert.equal(v.recording_mode, "continuous");
  assert.equal(v.retention_days, null);
  assert.ok(!("metadata" in v));
  const r = toRecordingView({
    ...rec({ segment_count: 1, duration_ms: 1, size_bytes: 2 }),
    created_at: "x",
  } as RecordingView);
  assert.ok(!("created_at" in r));
  assert.equal(r.size_bytes, 2);
  assert.ok(!("size_bytes" in toRecordingView(rec())));
});

Deno.test("startPlay(): a second Play cancels the first, whose progress stops", async () => {
  // A real server stands in for the controller: camera "slow" is always
  // being converted (202), camera "fast" answers at once.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) =>
      new URL(req.url).pathname.includes("/slow/")
        ? Response.json({ progress: 0.5, retry_after_ms: 500 }, {
          status: 202,
        })
        : new Response("x", {
          status: 206,
          headers: { "x-recording-start": "2026-02-26T10:00:00.000Z" },
        }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  // The page's fetch resolves /api/... against its origin; Deno's needs a base.
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) =>
    realFetch(new URL(String(input), base), init);
  try {
    const slot = { current: null as AbortController | null };
    const range = {
      start: "2026-02-26T10:00:30.000Z",
      end: "2026-02-26T11:00:00.000Z",
    };
    const notes: string[] = [];
    const first = startPlay(slot, "slow", range, (t) => notes.push(t));
    while (notes.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await startPlay(slot, "fast", range, () => {});
    assert.equal(await first, null, "the first Play was cancelled");
    assert.deepEqual(notes, ["Converting HEVC footage for the browser… 50 %"]);
    assert.ok(second?.ok, JSON.stringify(second));
    assert.match(second.src, /\/fast\/playback\?.*#t=30\.0$/);
    assert.equal(slot.current, null, "nothing left to cancel");
  } finally {
    globalThis.fetch = realFetch;
    await server.shutdown();
  }
});
