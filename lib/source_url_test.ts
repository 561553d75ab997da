import assert from "node:assert/strict";
import { normaliseUrl } from "./source_url.ts";

Deno.test("normaliseUrl() percent-encodes a raw password with @, : and spaces", () => {
  assert.deepEqual(normaliseUrl(" rtsp://admin:p@ss w:rd@10.0.0.5/x "), {
    url: "rtsp://admin:p%40ss%20w%3Ard@10.0.0.5/x",
  });
  assert.deepEqual(normaliseUrl("HTTP://Cam.Local:80/a?pwd=it's"), {
    url: "http://cam.local/a?pwd=it%27s",
  });
  assert.deepEqual(normaliseUrl("rtsp://h/a?pwd=it's`"), {
    url: "rtsp://h/a?pwd=it%27s%60",
  });
});

Deno.test("normaliseUrl() refuses a password whose raw / ? # would spill past the host", () => {
  for (
    const raw of [
      "rtsp://admin:12/cd@10.0.0.5/x",
      "rtsp://admin:12?cd@10.0.0.5/x",
      "rtsp://admin:12#cd@10.0.0.5",
      "http://admin:12\\cd@10.0.0.5/",
    ]
  ) {
    const n = normaliseUrl(raw);
    assert.ok("problem" in n && /percent-encode @/.test(n.problem), raw);
  }
  assert.deepEqual(normaliseUrl("not a url"), {
    problem: "is not a valid URL",
  });
});

Deno.test("normaliseUrl() is stable: a normalised URL normalises to itself", () => {
  for (
    const raw of [
      "rtsp://admin:p@ss@10.0.0.5:554/s?a=1&b",
      "onvif://u:p@cam:8000?profile=main",
      "demo://",
    ]
  ) {
    const once = normaliseUrl(raw);
    assert.ok("url" in once, raw);
    assert.deepEqual(normaliseUrl(once.url), once);
  }
});

Deno.test("normaliseUrl() drops an empty query or fragment (one stored form)", () => {
  assert.deepEqual(normaliseUrl("http://10.0.0.5/cgi?auth=x#"), {
    url: "http://10.0.0.5/cgi?auth=x",
  });
  assert.deepEqual(normaliseUrl("rtsp://a:b@h/x?"), { url: "rtsp://a:b@h/x" });
  assert.deepEqual(normaliseUrl("rtsp://h/x#f"), { url: "rtsp://h/x#f" });
});
