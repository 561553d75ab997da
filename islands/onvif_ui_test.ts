import assert from "node:assert/strict";
import {
  EMPTY_LOGIN,
  inspectBody,
  moveBody,
  PAD_MOVE_MS,
  profileLabel,
  sourceUrlFor,
} from "./client/onvif.ts";
import { fieldsFor, PROTOCOLS } from "./client/camera_form.ts";
import { parseOnvifUrl } from "../lib/onvif_url.ts";

Deno.test("ONVIF form: a chosen profile becomes an onvif:// source URL", () => {
  const login = {
    host: " 192.168.1.20 ",
    port: "8000",
    username: "admin",
    password: "p@ss word",
  };
  const url = sourceUrlFor(login, "Profile_1");
  assert.equal(
    url,
    "onvif://admin:p%40ss%20word@192.168.1.20:8000?profile=Profile_1",
  );
  assert.equal(parseOnvifUrl(url).password, "p@ss word");
  assert.deepEqual(inspectBody(login, ""), {
    host: "192.168.1.20",
    port: 8000,
    username: "admin",
    password: "p@ss word",
    node_name: null,
  });
  assert.equal(inspectBody({ ...EMPTY_LOGIN, host: "cam" }, "n1").port, 80);
  assert.equal(
    inspectBody({ ...EMPTY_LOGIN, host: "cam" }, "n1").node_name,
    "n1",
  );
  assert.ok(PROTOCOLS.some((p) => p.value === "onvif"));
  assert.ok(fieldsFor("onvif").includes("source_url"));
  assert.ok(fieldsFor("onvif").includes("node_name"));
});

Deno.test("ONVIF form: profile labels and PTZ pad moves", () => {
  assert.equal(
    profileLabel({
      token: "m",
      name: "Main",
      video: { codec: "H264", width: 1920, height: 1080, fps: 25 },
      stream_uri: null,
      snapshot_uri: null,
      ptz: true,
    }),
    "Main — H264 · 1920×1080 · 25 fps · PTZ",
  );
  assert.equal(
    profileLabel({
      token: "a",
      name: "Audio",
      video: null,
      stream_uri: null,
      snapshot_uri: null,
      ptz: false,
    }),
    "Audio — no video",
  );
  assert.deepEqual(moveBody("left"), {
    action: "move",
    pan: -0.5,
    tilt: 0,
    zoom: 0,
    timeout_ms: PAD_MOVE_MS,
  });
  assert.equal(moveBody("up").tilt, 0.5);
  assert.equal(moveBody("zoom_out").zoom, -0.5);
});
