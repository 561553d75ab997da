import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { encodePath } from "../nodes/client.ts";
import {
  isSafeRelativePath,
  parseListQuery,
  parseRange,
  parseTime,
} from "./schema.ts";
import { safeFileName } from "./view.ts";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.kind, "invalid_input");
    return e.field;
  }
  assert.fail("expected a 400");
}

Deno.test("parseTime accepts ISO 8601 date-times, no zone = UTC", () => {
  assert.equal(
    parseTime("2026-02-26T10:00:00Z", "x")?.toISOString(),
    "2026-02-26T10:00:00.000Z",
  );
  assert.equal(
    parseTime("2026-02-26T10:00:00", "x")?.toISOString(),
    "2026-02-26T10:00:00.000Z",
  );
  assert.equal(
    parseTime("2026-02-26T12:00:00+02:00", "x")?.toISOString(),
    "2026-02-26T10:00:00.000Z",
  );
  assert.equal(
    parseTime("2026-02-26T10:00Z", "x")?.toISOString(),
    "2026-02-26T10:00:00.000Z",
  );
  assert.equal(parseTime(undefined, "x"), undefined);
  for (
    const bad of [
      "yesterday",
      "2026-02-26",
      "1772100000",
      "2026-02-30T10:00:00Z",
      "2026-02-26T25:00:00Z",
    ]
  ) {
    assert.equal(fieldOf(() => parseTime(bad, "start")), "start", bad);
  }
});

Deno.test("parseRange: both ends, ordered, at most 24 h", () => {
  const r = parseRange("2026-02-26T00:00:00Z", "2026-02-27T00:00:00Z");
  assert.equal(r.end.getTime() - r.start.getTime(), 24 * 3600_000);
  assert.equal(
    fieldOf(() => parseRange(undefined, "2026-02-26T00:00:00Z")),
    "start",
  );
  assert.equal(
    fieldOf(() => parseRange("2026-02-26T00:00:00Z", undefined)),
    "end",
  );
  assert.equal(
    fieldOf(() => parseRange("2026-02-26T01:00:00Z", "2026-02-26T00:00:00Z")),
    "end",
  );
  assert.equal(
    fieldOf(() =>
      parseRange("2026-02-26T00:00:00Z", "2026-02-27T00:00:00.001Z")
    ),
    "end",
  );
});

Deno.test("parseListQuery: defaults and limits", () => {
  const q = parseListQuery({});
  assert.equal(q.limit, 50);
  assert.equal(q.offset, 0);
  assert.equal(parseListQuery({ limit: "500", offset: "10" }).limit, 500);
  assert.equal(fieldOf(() => parseListQuery({ limit: "1e3" })), "limit");
  assert.equal(fieldOf(() => parseListQuery({ status: "stopped" })), "status");
});

Deno.test("isSafeRelativePath keeps node paths below the recordings root", () => {
  assert.ok(isSafeRelativePath("8c1e/2026-02-26/100000.mp4"));
  assert.ok(isSafeRelativePath("a.b_c-d"));
  for (
    const bad of [
      "",
      "/etc/passwd",
      "../x.mp4",
      "a/../b",
      "a//b",
      "a/./b",
      "a\\b",
      "a b.mp4",
      "a/",
      "x".repeat(1025),
      "caf\u00e9.mp4",
      "a%2F..%2Fb",
    ]
  ) assert.ok(!isSafeRelativePath(bad), bad);
});

Deno.test("encodePath encodes each segment and keeps the slashes", () => {
  assert.equal(
    encodePath("cam/2026-02-26/10 00.mp4"),
    "cam/2026-02-26/10%2000.mp4",
  );
});

Deno.test("safeFileName: header- and file-system-safe", () => {
  const start = new Date("2026-02-26T10:00:00.123Z");
  assert.equal(
    safeFileName("Front door", start),
    "Front_door_2026-02-26T10-00-00Z.mp4",
  );
  assert.equal(
    safeFileName('Café "x"; rm -rf /', start),
    "Cafe_x_rm_-rf_2026-02-26T10-00-00Z.mp4",
  );
  assert.equal(
    safeFileName("\u4e2d\u6587", start),
    "recording_2026-02-26T10-00-00Z.mp4",
  );
  assert.match(safeFileName("a".repeat(500), start), /^a{80}_/);
});
