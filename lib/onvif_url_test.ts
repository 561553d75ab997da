import assert from "node:assert/strict";
import { AppError } from "./errors.ts";
import {
  buildOnvifUrl,
  onDevice,
  parseOnvifUrl,
  publicUri,
  targetAddress,
  withCredentials,
  xmlEscape,
} from "./onvif_url.ts";

Deno.test("parseOnvifUrl() reads credentials, port and profile", () => {
  assert.deepEqual(
    parseOnvifUrl("onvif://admin:p%40ss@10.0.0.5?profile=Main"),
    {
      host: "10.0.0.5",
      port: 80,
      username: "admin",
      password: "p@ss",
      profile: "Main",
    },
  );
  const a = parseOnvifUrl("onvif://cam.local:8000");
  assert.equal(a.port, 8000);
  assert.equal(a.username, "");
  assert.equal(a.profile, null);
});

Deno.test("parseOnvifUrl() refuses what is not an onvif camera address, naming source_url", () => {
  for (
    const [url, why] of [
      ["rtsp://10.0.0.5/live", /start with onvif:\/\//],
      ["onvif://", /valid URL|name the camera's host/],
      ["onvif://10.0.0.5/onvif/device_service", /must not have a path/],
      ["onvif://10.0.0.5?stream=1", /unknown parameter "stream"/],
      ["onvif://10.0.0.5?profile=", /profile must be 1 to 64/],
      [`onvif://10.0.0.5?profile=${"x".repeat(65)}`, /profile must be 1 to 64/],
      ["not a url", /not a valid URL/],
    ] as const
  ) {
    assert.throws(() => parseOnvifUrl(url), (e) => {
      assert.ok(e instanceof AppError, url);
      assert.equal(e.field, "source_url");
      assert.match(e.message, why, url);
      return true;
    });
  }
});

Deno.test("buildOnvifUrl() round-trips through parseOnvifUrl()", () => {
  const a = {
    host: "192.168.1.20",
    port: 2020,
    username: "ad min",
    password: "p@ss:/?#",
    profile: "Profile 1&2",
  };
  const url = buildOnvifUrl(a);
  assert.equal(
    url,
    "onvif://ad%20min:p%40ss%3A%2F%3F%23@192.168.1.20:2020?profile=Profile%201%262",
  );
  assert.deepEqual(parseOnvifUrl(url), a);
  assert.equal(
    buildOnvifUrl({
      ...a,
      port: 80,
      username: "",
      password: "",
      profile: null,
    }),
    "onvif://192.168.1.20",
  );
});

Deno.test("targetAddress() takes a url or host fields, naming the field at fault", () => {
  assert.deepEqual(
    targetAddress({
      host: "10.0.0.9",
      port: 8080,
      username: "u",
      password: "p",
    }),
    {
      host: "10.0.0.9",
      port: 8080,
      username: "u",
      password: "p",
      profile: null,
    },
  );
  // Credentials beside a URL without them are used.
  assert.equal(
    targetAddress({ url: "onvif://10.0.0.9", username: "u", password: "p" })
      .password,
    "p",
  );
  assert.throws(
    () => targetAddress({}),
    (e) => (e as AppError).field === "host",
  );
  assert.throws(
    () => targetAddress({ host: "10.0.0.9; rm -rf /" }),
    (e) => (e as AppError).field === "host",
  );
});

Deno.test("withCredentials() adds them only to a URI without its own", () => {
  assert.equal(
    withCredentials(
      "rtsp://10.0.0.5:554/Streaming/101?transport=tcp",
      "admin",
      "a:b@c",
    ),
    "rtsp://admin:a%3Ab%40c@10.0.0.5:554/Streaming/101?transport=tcp",
  );
  assert.equal(
    withCredentials("rtsp://cam:own@10.0.0.5/live", "admin", "x"),
    "rtsp://cam:own@10.0.0.5/live",
  );
  assert.equal(
    withCredentials("rtsp://10.0.0.5/live", "", ""),
    "rtsp://10.0.0.5/live",
  );
});

Deno.test("publicUri() drops user info and masks every query value (issue 11 #1)", () => {
  assert.equal(
    publicUri(
      "rtsp://admin:Secret-9@10.0.0.5/live?user=admin&password=Secret-9",
    ),
    "rtsp://10.0.0.5/live?user=***&password=***",
  );
  assert.equal(publicUri(null), null);
});

Deno.test("xmlEscape() leaves no markup", () => {
  assert.equal(xmlEscape(`a<b>&"c'`), "a&#60;b&#62;&#38;&#34;c&#39;");
});

Deno.test("onDevice(): the device's own host (and port, for its web server) only", () => {
  const a = { host: "10.0.0.5", port: 8000 };
  assert.equal(onDevice("rtsp://10.0.0.5:554/live", a), true);
  assert.equal(onDevice("rtsp://10.0.0.6:554/live", a), false);
  assert.equal(onDevice("rtsp://evil.example/live", a), false);
  assert.equal(
    onDevice("http://10.0.0.5:8000/snap.jpg", a, { samePort: true }),
    true,
  );
  assert.equal(
    onDevice("http://10.0.0.5/snap.jpg", a, { samePort: true }),
    false,
  );
  assert.equal(
    onDevice("http://10.0.0.5/snap.jpg", { host: "10.0.0.5", port: 80 }, {
      samePort: true,
    }),
    true,
  );
  assert.equal(onDevice("not a uri", a), false);
});
