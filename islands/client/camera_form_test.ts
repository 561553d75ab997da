/** The camera form's RTSP options: recording stream URL and transport. */
import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { CameraFacts } from "../../components/CameraFacts.tsx";
import { CameraFields } from "../parts/CameraFields.tsx";
import type { CameraView } from "../../controller/web/types.ts";
import {
  DEFAULTS,
  fieldsFor,
  patchBody,
  toBody,
  type Values,
  valuesOf,
} from "./camera_form.ts";

const camera: CameraView = {
  id: "c1",
  name: "Drive",
  protocol: "rtsp",
  location: null,
  source_url: "rtsp://admin:***@10.0.0.5/sub",
  device_path: null,
  node_name: null,
  assigned_node: "n1",
  resolution: "640x360",
  framerate: 15,
  status: "online",
  error_message: null,
  rtsp_transport: "udp",
  record_source_url: "rtsp://admin:***@10.0.0.5/main",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

Deno.test("camera form: only rtsp shows the recording URL and transport", () => {
  for (const f of ["record_source_url", "rtsp_transport"] as const) {
    assert.ok(fieldsFor("rtsp").includes(f));
    for (const p of ["http", "usb", "demo"] as const) {
      assert.ok(!fieldsFor(p).includes(f), `${p} has no ${f}`);
    }
  }
});

Deno.test("camera form: a create body carries the transport and a recording URL when given", () => {
  const v: Values = {
    ...DEFAULTS,
    name: "Drive",
    source_url: "rtsp://cam/sub",
  };
  const plain = toBody(v);
  assert.equal(plain.rtsp_transport, "tcp");
  assert.ok(!("record_source_url" in plain), "empty: left out");
  const both = toBody({
    ...v,
    record_source_url: " rtsp://cam/main ",
    rtsp_transport: "udp",
  });
  assert.equal(both.record_source_url, "rtsp://cam/main");
  assert.equal(both.rtsp_transport, "udp");
  assert.ok(!("rtsp_transport" in toBody({ ...v, protocol: "http" })));
});

Deno.test("camera form: PATCH sends changed RTSP options; an emptied recording URL is null", () => {
  const before = valuesOf(camera);
  assert.equal(before.record_source_url, "rtsp://admin:***@10.0.0.5/main");
  assert.equal(before.rtsp_transport, "udp");
  assert.deepEqual(
    patchBody(before, before),
    {},
    "untouched: the password stays",
  );
  assert.deepEqual(
    patchBody(before, {
      ...before,
      record_source_url: "",
      rtsp_transport: "tcp",
    }),
    { record_source_url: null, rtsp_transport: "tcp" },
  );
});

Deno.test("camera form renders the RTSP fields with labels; the camera page says which stream does what", () => {
  const form = renderToString(
    h(CameraFields, {
      prefix: "add",
      values: { ...DEFAULTS, rtsp_transport: "udp" },
      errors: {},
      set: () => {},
      nodes: [],
    }),
  );
  assert.match(
    form,
    /<label for="add-record_source_url">Recording stream URL \(optional, main stream\)<\/label>/,
  );
  assert.match(form, /<select id="add-rtsp_transport"/);
  assert.match(form, /<option\s+value="udp"\s+selected>/);
  const facts = renderToString(h(CameraFacts, { camera }));
  assert.match(
    facts,
    /Live view stream<\/dt><dd><code>rtsp:\/\/admin:\*\*\*@10.0.0.5\/sub/,
  );
  assert.match(
    facts,
    /Recording stream<\/dt><dd><code>rtsp:\/\/admin:\*\*\*@10.0.0.5\/main/,
  );
  assert.match(facts, /RTSP transport<\/dt><dd>UDP/);
  const same = renderToString(
    h(CameraFacts, { camera: { ...camera, record_source_url: null } }),
  );
  assert.match(same, /Recording stream<\/dt><dd>the live view stream/);
});
