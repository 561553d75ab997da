/** "Test connection" with a recording URL: the body and the two result lines. */
import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { TestConnection } from "../parts/CameraFields.tsx";
import type { ProbeResult } from "../../lib/protocol/mod.ts";
import { DEFAULTS, probeBody, probeOutcome } from "./camera_form.ts";

const live: ProbeResult = {
  ok: true,
  error: null,
  video: { codec: "h264", width: 640, height: 360, fps: 15 },
  audio: null,
  node: "n1",
  elapsed_ms: 800,
};
const main: ProbeResult = {
  ...live,
  video: { codec: "h264", width: 1920, height: 1080, fps: 25 },
  elapsed_ms: 1200,
};
const refused: ProbeResult = {
  ok: false,
  error: "Connection refused",
  video: null,
  audio: null,
  node: "n1",
  elapsed_ms: 30,
};

Deno.test("probeBody: sends the recording URL only when the form shows and has one", () => {
  const v = {
    ...DEFAULTS,
    source_url: "rtsp://u:***@cam/sub",
    record_source_url: " rtsp://u:***@cam/main ",
  };
  assert.equal(probeBody(v, "c1").record_source_url, "rtsp://u:***@cam/main");
  assert.ok(
    !("record_source_url" in probeBody({ ...v, record_source_url: "" })),
  );
  // An http camera has no recording URL, whatever the values hold.
  assert.ok(
    !("record_source_url" in probeBody({ ...v, protocol: "http" })),
  );
});

Deno.test("probeOutcome: one line without a recording URL, its own line with one", () => {
  assert.deepEqual(probeOutcome(live), {
    kind: "ok",
    text: "h264 · 640×360 · 15 fps · no audio (node n1, 0.8 s)",
  });
  assert.deepEqual(probeOutcome({ ...live, record: refused }), {
    kind: "ok",
    text: "h264 · 640×360 · 15 fps · no audio (node n1, 0.8 s)",
    record: { ok: false, text: "Connection refused (node n1, 0.0 s)" },
  });
  const both = probeOutcome({ ...refused, record: main });
  assert.equal(both.kind, "failed");
  assert.deepEqual(both.record, {
    ok: true,
    text: "h264 · 1920×1080 · 25 fps · no audio (node n1, 1.2 s)",
  });
});

Deno.test("TestConnection: Live and Recording lines; red when either fails", () => {
  const render = (r: Parameters<typeof probeOutcome>[0]) =>
    renderToString(
      h(TestConnection, { state: probeOutcome(r), onTest: () => {}, id: "p" }),
    );
  const ok = render({ ...live, record: main });
  assert.match(ok, /class="ok">Live: h264 · 640×360 · 15 fps/);
  assert.match(ok, /<br\/?>Recording: h264 · 1920×1080 · 25 fps/);
  const bad = render({ ...live, record: refused });
  assert.match(bad, /class="err">Live: h264 · 640×360/);
  assert.match(bad, /Recording: cannot connect: Connection refused/);
  assert.match(
    render({ ...refused, record: main }),
    /class="err">Live: cannot connect: Connection refused.*Recording: h264/,
  );
  // Without a recording URL: the single line as before.
  assert.match(render(live), /class="ok">Connected: h264 · 640×360/);
});
