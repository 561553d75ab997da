/**
 * The ONVIF form helpers: which profiles are preselected for live view and
 * recording, the two URLs a choice becomes, and editing from a stored URL
 * (password `***`, completed by the API through camera_id).
 */
import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { CameraFacts } from "../../components/CameraFacts.tsx";
import { CameraFields } from "../parts/CameraFields.tsx";
import { parseOnvifUrl } from "../../lib/onvif_url.ts";
import type { OnvifProfile } from "../../lib/protocol/mod.ts";
import type { CameraView } from "../../controller/web/types.ts";
import {
  DEFAULTS,
  fieldsFor,
  patchBody,
  probeBody,
  toBody,
  valuesOf,
} from "./camera_form.ts";
import {
  defaultProfiles,
  inspectBody,
  loginOf,
  profileOf,
  profileUrls,
} from "./onvif.ts";

function profile(
  token: string,
  width: number,
  height: number,
): OnvifProfile {
  return {
    token,
    name: token,
    video: { codec: "H264", width, height, fps: 15 },
    stream_uri: null,
    snapshot_uri: null,
    ptz: false,
  };
}

const LOGIN = {
  host: "192.168.1.20",
  port: "8000",
  username: "admin",
  password: "p@ss",
};

Deno.test("defaultProfiles(): smallest picture live, largest recorded", () => {
  const main = profile("main", 2560, 1440);
  const sub = profile("sub", 640, 360);
  const third = profile("third", 1280, 720);
  assert.deepEqual(defaultProfiles([main, sub, third]), {
    live: "sub",
    record: "main",
  });
  // The camera's order does not matter; ties go to the first listed.
  assert.deepEqual(defaultProfiles([third, sub, main]), {
    live: "sub",
    record: "main",
  });
  assert.deepEqual(
    defaultProfiles([profile("a", 640, 480), profile("b", 640, 480)]),
    { live: "a", record: "" },
    "one size: record the live profile",
  );
  assert.deepEqual(defaultProfiles([main]), { live: "main", record: "" });
  // Profiles without video (audio only) are never preselected.
  const audio: OnvifProfile = { ...sub, token: "audio", video: null };
  assert.deepEqual(defaultProfiles([audio, main, sub]), {
    live: "sub",
    record: "main",
  });
  assert.deepEqual(defaultProfiles([audio]), { live: "audio", record: "" });
  assert.deepEqual(defaultProfiles([]), { live: "", record: "" });
});

Deno.test("profileUrls(): two onvif:// URLs of one login; same as live = no recording URL", () => {
  const urls = profileUrls(LOGIN, { live: "sub", record: "main" });
  assert.equal(
    urls.source_url,
    "onvif://admin:p%40ss@192.168.1.20:8000?profile=sub",
  );
  assert.equal(
    urls.record_source_url,
    "onvif://admin:p%40ss@192.168.1.20:8000?profile=main",
  );
  assert.equal(parseOnvifUrl(urls.record_source_url).password, "p@ss");
  assert.equal(
    profileUrls(LOGIN, { live: "sub", record: "" }).record_source_url,
    "",
  );
  assert.equal(
    profileUrls(LOGIN, { live: "sub", record: "sub" }).record_source_url,
    "",
    "choosing the live profile again records the live URL",
  );
});

Deno.test("editing: the stored URL's login, and inspect with the stored password", () => {
  const stored = "onvif://admin:***@192.168.1.20:8000?profile=sub";
  const login = loginOf(stored)!;
  assert.deepEqual(login, { ...LOGIN, password: "***" });
  assert.equal(loginOf("rtsp://cam/x"), null);
  assert.equal(loginOf(""), null);
  assert.equal(profileOf(stored), "sub");
  assert.equal(profileOf("onvif://h"), null);
  assert.equal(profileOf(null), null);
  // *** with a camera id: the URL form, which the API completes from the camera.
  assert.deepEqual(inspectBody(login, "n1", "cam-1"), {
    url: "onvif://admin:***@192.168.1.20:8000",
    camera_id: "cam-1",
    node_name: "n1",
  });
  // A new password typed in: sent as is, no camera needed.
  assert.deepEqual(inspectBody({ ...login, password: "new" }, "", "cam-1"), {
    host: "192.168.1.20",
    port: 8000,
    username: "admin",
    password: "new",
    node_name: null,
  });
  // The URLs built from a kept password keep *** for the API to complete.
  assert.equal(
    profileUrls(login, { live: "sub", record: "main" }).record_source_url,
    "onvif://admin:***@192.168.1.20:8000?profile=main",
  );
});

const camera: CameraView = {
  id: "c1",
  name: "Gate",
  protocol: "onvif",
  location: null,
  source_url: "onvif://admin:***@10.0.0.7?profile=sub",
  device_path: null,
  node_name: null,
  assigned_node: "n1",
  resolution: "640x360",
  framerate: 15,
  status: "online",
  error_message: null,
  rtsp_transport: "udp",
  record_source_url: "onvif://admin:***@10.0.0.7?profile=main",
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

Deno.test("camera form: onvif sends both profiles, the transport, and the transport with Test connection", () => {
  assert.ok(fieldsFor("onvif").includes("record_source_url"));
  assert.ok(fieldsFor("onvif").includes("rtsp_transport"));
  const v = {
    ...DEFAULTS,
    name: "Gate",
    protocol: "onvif",
    source_url: "onvif://admin:pw@10.0.0.7?profile=sub",
    record_source_url: "onvif://admin:pw@10.0.0.7?profile=main",
    rtsp_transport: "udp",
  };
  const body = toBody(v);
  assert.equal(body.record_source_url, v.record_source_url);
  assert.equal(body.rtsp_transport, "udp");
  assert.deepEqual(probeBody(v), {
    protocol: "onvif",
    source_url: "onvif://admin:pw@10.0.0.7?profile=sub",
    record_source_url: "onvif://admin:pw@10.0.0.7?profile=main",
    device_path: null,
    node_name: null,
    rtsp_transport: "udp",
  });
  assert.equal(
    probeBody({ ...DEFAULTS, source_url: "rtsp://cam/x" }, "c9").rtsp_transport,
    "tcp",
  );
  assert.ok(
    !("rtsp_transport" in
      probeBody({ ...DEFAULTS, protocol: "http", source_url: "http://c/" })),
  );
  // Editing: "same as live view" clears the recording profile.
  const before = valuesOf(camera);
  assert.deepEqual(patchBody(before, { ...before, record_source_url: "" }), {
    record_source_url: null,
  });
});

Deno.test("camera page and form: which ONVIF profile does what", () => {
  const facts = renderToString(h(CameraFacts, { camera }));
  assert.match(facts, /Protocol<\/dt><dd>ONVIF/);
  assert.match(
    facts,
    /Live view profile<\/dt><dd><code>sub<\/code> — <code>onvif:\/\/admin:\*\*\*@10.0.0.7\?profile=sub<\/code>/,
  );
  assert.match(facts, /Recording profile<\/dt><dd><code>main<\/code>/);
  assert.match(facts, /RTSP transport<\/dt><dd>UDP/);
  const same = renderToString(
    h(CameraFacts, {
      camera: {
        ...camera,
        source_url: "onvif://10.0.0.7",
        record_source_url: null,
      },
    }),
  );
  assert.match(
    same,
    /Live view profile<\/dt><dd>the camera's first profile/,
  );
  assert.match(same, /Recording profile<\/dt><dd>the live view profile/);
  const form = renderToString(
    h(CameraFields, {
      prefix: "edit",
      values: valuesOf(camera),
      errors: {},
      set: () => {},
      nodes: [],
      protocolFixed: true,
      cameraId: camera.id,
    }),
  );
  // The finder starts from the stored login (password kept) on the edit form too.
  assert.match(form, /id="edit-onvif-host"[^>]*value="10.0.0.7"/);
  assert.match(form, /The stored password is used/);
  assert.match(
    form,
    /<label for="edit-record_source_url">Recording profile URL \(optional\)<\/label>/,
  );
  assert.match(form, /<select id="edit-rtsp_transport"/);
});
