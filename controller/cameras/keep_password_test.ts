import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { keepPassword, keepPasswordFrom } from "./service.ts";

const stored = "rtsp://admin:s3cret@10.0.0.7:554/stream1";

Deno.test("keepPassword() puts the stored password back for the same device", () => {
  assert.equal(
    keepPassword("rtsp://admin:***@10.0.0.7:554/stream2", stored),
    "rtsp://admin:s3cret@10.0.0.7:554/stream2",
  );
  assert.equal(
    keepPassword("rtsp://admin:%2A%2A%2A@10.0.0.7:554/stream1", stored),
    stored,
  );
});

Deno.test("keepPassword() leaves a typed password and URLs without one alone", () => {
  const typed = "rtsp://admin:new-pass@10.0.0.9/s";
  assert.equal(keepPassword(typed, stored), typed);
  assert.equal(keepPassword("rtsp://10.0.0.9/s", stored), "rtsp://10.0.0.9/s");
});

Deno.test("keepPassword() never sends the stored password to another host, port, user or scheme", () => {
  for (
    const next of [
      "rtsp://admin:***@203.0.113.5:554/stream1",
      "rtsp://admin:***@10.0.0.7:8554/stream1",
      "rtsp://other:***@10.0.0.7:554/stream1",
      "rtsps://admin:***@10.0.0.7:554/stream1",
    ]
  ) {
    assert.throws(
      () => keepPassword(next, stored, "record_source_url"),
      (e) =>
        e instanceof AppError && e.kind === "invalid_input" &&
        e.field === "record_source_url" &&
        /record_source_url: type the password again/.test(e.message) &&
        !e.message.includes("s3cret"),
      next,
    );
  }
});

Deno.test("keepPasswordFrom() takes the password of the known URL with the same account", () => {
  const live = "rtsp://admin:live-pw@10.0.0.7:554/sub";
  const oldMain = "rtsp://admin:old-pw@10.0.0.8:554/main";
  assert.equal(
    keepPasswordFrom("rtsp://admin:***@10.0.0.7:554/main", [
      null,
      oldMain,
      live,
    ], "record_source_url"),
    "rtsp://admin:live-pw@10.0.0.7:554/main",
  );
  assert.equal(
    keepPasswordFrom("rtsp://admin:***@10.0.0.9/x", [], "record_source_url"),
    "rtsp://admin:***@10.0.0.9/x",
  );
  assert.throws(
    () => keepPasswordFrom("rtsp://admin:***@10.0.0.9/x", [oldMain, live], "f"),
    (e) => e instanceof AppError && e.field === "f",
  );
});

// issue 11 #1: every part the API masks can come back as *** and is restored.
Deno.test("keepPassword() restores masked query values, user-only keys, path credentials", () => {
  const q = "http://10.0.0.7/videostream.cgi?loginuse=admin&loginpas=Hx9y&x";
  assert.equal(
    keepPassword(
      "http://10.0.0.7/videostream.cgi?loginuse=***&loginpas=***&***",
      q,
    ),
    q,
  );
  // A changed path keeps the query secrets of the same device.
  assert.equal(
    keepPassword("http://10.0.0.7/snapshot.cgi?loginuse=***&loginpas=***", q),
    "http://10.0.0.7/snapshot.cgi?loginuse=admin&loginpas=Hx9y",
  );
  assert.equal(
    keepPassword("http://***@10.0.0.7/mjpg", "http://Zk9key@10.0.0.7/mjpg"),
    "http://Zk9key@10.0.0.7/mjpg",
  );
  const dvr = "rtsp://10.0.0.8:554/user=admin&password=Hx9y&channel=1";
  assert.equal(
    keepPassword("rtsp://10.0.0.8:554/user=***&password=***&channel=1", dvr),
    dvr,
  );
});

Deno.test("keepPassword() sends no masked query secret to another host or an unknown key", () => {
  const q = "http://10.0.0.7/cgi?user=admin&pwd=Hx9y";
  for (
    const next of [
      "http://203.0.113.5/cgi?user=***&pwd=***",
      "http://10.0.0.7:8080/cgi?user=***&pwd=***",
      "http://10.0.0.7/cgi?user=admin&token=***",
      "https://10.0.0.7/cgi?user=***&pwd=***",
    ]
  ) {
    assert.throws(
      () => keepPassword(next, q),
      (e) =>
        e instanceof AppError && e.field === "source_url" &&
        !e.message.includes("Hx9y"),
      next,
    );
  }
});
