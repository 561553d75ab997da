import assert from "node:assert/strict";
import type {
  RecordingsPageView,
  RecordingView,
} from "../../controller/web/types.ts";
import {
  allLabel,
  applyRecentEvent,
  durationText,
  modeText,
  recentPath,
  recentQuery,
  rowName,
  sizeText,
  statusText,
} from "./camera_recent.ts";
import { applyRecordingEventToPage, NO_FILTERS } from "./recordings.ts";

const CAM = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

function rec(
  n: number,
  over: Partial<RecordingView> = {},
): RecordingView {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    id,
    camera_id: CAM,
    camera_name: "Porch",
    camera_deleted: false,
    node_name: "n1",
    kind: "manual",
    status: "completed",
    started_at: `2026-02-26T10:${String(n).padStart(2, "0")}:00.000Z`,
    ended_at: `2026-02-26T10:${String(n).padStart(2, "0")}:30.000Z`,
    keep: false,
    error_message: null,
    download_url: `/api/recordings/${id}/download`,
    segment_count: 1,
    duration_ms: 30_000,
    size_bytes: 2048,
    ...over,
  };
}

/** An event's session: as the API sends them, without totals. */
function bare(r: RecordingView): RecordingView {
  const { segment_count: _s, duration_ms: _d, size_bytes: _b, ...rest } = r;
  return rest;
}

function page(rows: RecordingView[], total = rows.length, limit = 3) {
  return { recordings: rows, total, limit, offset: 0 } as RecordingsPageView;
}

Deno.test("recentQuery() and recentPath(): one camera, newest page", () => {
  assert.deepEqual(recentQuery(CAM), {
    camera_id: CAM,
    limit: "8",
    offset: "0",
  });
  assert.equal(
    recentPath(CAM, 3),
    `/api/recordings?camera_id=${CAM}&limit=3&offset=0`,
  );
});

Deno.test("applyRecentEvent(): a new session goes on top, the oldest drops off, total counts it", () => {
  const p = page([rec(3), rec(2), rec(1)], 10);
  const started = rec(4, {
    status: "recording",
    ended_at: null,
    segment_count: undefined,
    duration_ms: undefined,
    size_bytes: undefined,
  });
  const next = applyRecentEvent(
    p,
    { type: "started", recording: started },
    CAM,
  );
  assert.deepEqual(next.recordings.map((r) => r.id), [
    rec(4).id,
    rec(3).id,
    rec(2).id,
  ]);
  assert.equal(next.total, 11);
  assert.equal(next.recordings[0].segment_count, 0, "no footage yet");
  assert.equal(durationText(next.recordings[0]), "—");
  // The same event again (seen during a reload) changes nothing more.
  assert.deepEqual(
    applyRecentEvent(next, { type: "started", recording: started }, CAM),
    next,
  );
  // Other cameras' sessions are not this list's.
  const other = { ...started, id: rec(9).id, camera_id: OTHER };
  assert.equal(
    applyRecentEvent(p, { type: "started", recording: other }, CAM),
    p,
  );
  // A session older than a full list's oldest is not among the newest.
  const old = rec(0, { started_at: "2026-02-25T00:00:00.000Z" });
  assert.equal(
    applyRecentEvent(p, { type: "updated", recording: bare(old) }, CAM),
    p,
  );
  // An empty list takes the first one.
  const first = applyRecentEvent(
    page([], 0),
    { type: "started", recording: started },
    CAM,
  );
  assert.equal(first.total, 1);
  assert.equal(first.recordings.length, 1);
});

Deno.test("applyRecentEvent(): the in-progress session finishes, then its footage lands", () => {
  const open = rec(4, {
    status: "recording",
    ended_at: null,
    segment_count: 0,
    duration_ms: 0,
    size_bytes: 0,
  });
  const p = page([open, rec(3)]);
  const ended = applyRecentEvent(p, {
    type: "ended",
    recording: bare({ ...open, status: "completed", ended_at: "x" }),
  }, CAM);
  assert.equal(ended.recordings[0].status, "completed");
  assert.equal(ended.recordings[0].segment_count, 0, "totals stay");
  assert.equal(sizeText(ended.recordings[0]), "—");
  assert.equal(ended.total, 2);
  // `updated` after the last segment closed carries the totals.
  const landed = applyRecentEvent(ended, {
    type: "updated",
    recording: {
      ...ended.recordings[0],
      segment_count: 1,
      duration_ms: 4200,
      size_bytes: 300_000,
    },
  }, CAM);
  const r = landed.recordings[0];
  assert.equal(durationText(r), "4 s");
  assert.equal(sizeText(r), "293 KiB");
  // A keep change without totals keeps them.
  const kept = applyRecentEvent(landed, {
    type: "updated",
    recording: bare({ ...r, keep: true }),
  }, CAM);
  assert.equal(kept.recordings[0].keep, true);
  assert.equal(kept.recordings[0].size_bytes, 300_000);
});

Deno.test("applyRecentEvent(): failed sets the error, deleted removes the row", () => {
  const p = page([rec(2), rec(1)], 5);
  const failed = applyRecentEvent(p, {
    type: "failed",
    id: rec(2).id,
    camera_id: CAM,
    error: "ffmpeg exited with code 1",
    at: "2026-02-26T10:02:10.000Z",
  }, CAM);
  assert.equal(failed.recordings[0].error_message, "ffmpeg exited with code 1");
  const gone = applyRecentEvent(
    failed,
    { type: "deleted", id: rec(2).id, camera_id: CAM },
    CAM,
  );
  assert.deepEqual(gone.recordings.map((r) => r.id), [rec(1).id]);
  assert.equal(gone.total, 4);
  // Unknown ids change nothing.
  assert.equal(
    applyRecentEvent(gone, { type: "deleted", id: "x", camera_id: CAM }, CAM),
    gone,
  );
});

Deno.test("cell texts: duration so far, mode, status, names, the all-recordings link", () => {
  assert.equal(
    durationText(rec(1, { status: "recording", duration_ms: 125_000 })),
    "2 min so far",
  );
  assert.equal(durationText(rec(1, { duration_ms: 3_900_000 })), "1 h 05 min");
  assert.equal(modeText(rec(1)), "Manual");
  assert.equal(modeText(rec(1, { kind: "continuous" })), "Continuous");
  assert.equal(statusText(rec(1, { status: "interrupted" })), "Interrupted");
  assert.equal(rowName(rec(1)), "recording from 2026-02-26 10:01:00 UTC");
  assert.equal(allLabel(0), "All recordings of this camera");
  assert.equal(allLabel(1), "All recordings of this camera");
  assert.equal(allLabel(23), "All 23 recordings of this camera");
});

Deno.test("the /recordings page takes totals from an event that carries them", () => {
  const p = page([rec(1, { segment_count: 0, duration_ms: 0, size_bytes: 0 })]);
  const next = applyRecordingEventToPage(
    p,
    {
      type: "updated",
      recording: { ...rec(1), segment_count: 2, size_bytes: 9000 },
    },
    NO_FILTERS,
    "2026-02-26",
  );
  assert.equal(next.recordings[0].segment_count, 2);
  assert.equal(next.recordings[0].size_bytes, 9000);
  const keep = applyRecordingEventToPage(
    next,
    {
      type: "updated",
      recording: bare({ ...rec(1), keep: true }),
    },
    NO_FILTERS,
    "2026-02-26",
  );
  assert.equal(keep.recordings[0].size_bytes, 9000, "kept without totals");
});
