import assert from "node:assert/strict";
import { hasPassword, redactSecrets, redactText, redactUrl } from "./redact.ts";

Deno.test("redactUrl() hides the password and keeps the user", () => {
  assert.equal(
    redactUrl("rtsp://admin:s3cr3t@10.0.0.5:554/stream1"),
    "rtsp://admin:***@10.0.0.5:554/stream1",
  );
});

Deno.test("redactUrl() leaves a URL without credentials alone", () => {
  assert.equal(redactUrl("rtsp://10.0.0.5/live"), "rtsp://10.0.0.5/live");
  assert.equal(redactUrl("http://user@cam/mjpg"), "http://user@cam/mjpg");
});

Deno.test("redactUrl() handles passwords with special characters", () => {
  assert.equal(redactUrl("rtsp://u:p%40ss:w0rd@h/p"), "rtsp://u:***@h/p");
});

Deno.test("redactText() redacts every URL in a log line and secret query params", () => {
  const line =
    "Input #0 from 'rtsp://a:b1@h1/x' and http://c:d2@h2/y?token=abc&x=1";
  assert.equal(
    redactText(line),
    "Input #0 from 'rtsp://a:***@h1/x' and http://c:***@h2/y?token=***&x=1",
  );
});

Deno.test("redactSecrets() hides known secret values anywhere", () => {
  assert.equal(
    redactSecrets("auth failed for hunter22", ["hunter22"]),
    "auth failed for ***",
  );
});

Deno.test("hasPassword() tells URLs with a password apart", () => {
  assert.equal(hasPassword("rtsp://a:b@h/"), true);
  assert.equal(hasPassword("rtsp://h/"), false);
});
