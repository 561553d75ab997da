/**
 * The ONVIF wrapper, resolver, snapshot fetch and node routes against the
 * fake camera in tests/support/fake_onvif.ts (real SOAP 1.2 over HTTP with
 * WS-Security digests, a real JPEG behind HTTP Digest auth).
 */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { buildOnvifUrl, type OnvifAddress } from "../../lib/onvif_url.ts";
import type { CameraSpec, OnvifInspection } from "../../lib/protocol/mod.ts";
import {
  type FakeOnvif,
  startFakeOnvif,
  startSilentServer,
} from "../../tests/support/fake_onvif.ts";
import { OnvifDevice } from "./client.ts";
import { OnvifResolver } from "./resolve.ts";
import { fetchSnapshot } from "./snapshot.ts";
import { onvifSnapshot } from "./routes.ts";
import { createNodeApp } from "../http/app.ts";
import { RelayManager } from "../relay/manager.ts";

const USER = "admin";
const PASSWORD = "cam-Pass-1";

function fake(opts: { ptz?: boolean; snapshot?: boolean } = {}) {
  return startFakeOnvif({
    username: USER,
    password: PASSWORD,
    ...opts,
    profiles: [
      {
        token: "main",
        name: "Main stream",
        codec: "H264",
        width: 1920,
        height: 1080,
        fps: 25,
        streamUri: "rtsp://127.0.0.1:8554/main",
      },
      {
        token: "sub",
        name: "Sub stream",
        codec: "H265",
        width: 640,
        height: 360,
        fps: 10,
        streamUri: "rtsp://127.0.0.1:8554/sub",
        ptz: false,
      },
    ],
  });
}

const addr = (f: FakeOnvif, password = PASSWORD): OnvifAddress => ({
  host: "127.0.0.1",
  port: f.port,
  username: USER,
  password,
  profile: null,
});

async function rejects(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `an AppError, got ${e}`);
    return e;
  }
  throw new Error("expected a rejection");
}

Deno.test("OnvifDevice reads device info, profiles and URIs, and drives PTZ", async () => {
  await using cam = await fake();
  const dev = await OnvifDevice.connect(addr(cam), { timeoutMs: 3000 });
  assert.deepEqual(dev.profiles, [
    {
      token: "main",
      name: "Main stream",
      video: { codec: "H264", width: 1920, height: 1080, fps: 25 },
      ptz: true,
    },
    {
      token: "sub",
      name: "Sub stream",
      video: { codec: "H265", width: 640, height: 360, fps: 10 },
      ptz: false,
    },
  ]);
  assert.deepEqual(await dev.deviceInfo(), {
    manufacturer: "Falcon Test Optics",
    model: "FakeCam 2000",
    firmware: "1.4.2",
    serial: "FT-0042",
  });
  assert.equal(await dev.streamUri("sub"), "rtsp://127.0.0.1:8554/sub");
  assert.equal(
    await dev.snapshotUri("main"),
    `http://127.0.0.1:${cam.port}/snapshot.jpg?profile=main`,
  );
  assert.equal(dev.profileToken(null), "main");
  assert.equal(
    (await rejects(Promise.resolve().then(() => dev.profileToken("x"))))
      .field,
    "profile",
  );

  assert.deepEqual(await dev.presets("main"), [
    { token: "1", name: "Gate" },
    { token: "2", name: "Driveway" },
  ]);
  await dev.continuousMove("main", {
    pan: 0.5,
    tilt: -0.25,
    zoom: 0,
    timeoutMs: 1500,
  });
  await dev.stop("main");
  await dev.relativeZoom("main", -0.2);
  await dev.gotoPreset("main", "2");
  const ptz = cam.calls.filter((c) =>
    ["ContinuousMove", "Stop", "RelativeMove", "GotoPreset"].includes(c.action)
  );
  assert.deepEqual(ptz, [
    {
      action: "ContinuousMove",
      profile: "main",
      pan: 0.5,
      tilt: -0.25,
      zoom: 0,
      timeout: "PT1.5S",
    },
    { action: "Stop", profile: "main" },
    { action: "RelativeMove", profile: "main", pan: 0, tilt: 0, zoom: -0.2 },
    { action: "GotoPreset", profile: "main", preset: "2" },
  ]);
  // The sub profile has no PTZ: refused before anything reaches the camera.
  const noPtz = await rejects(dev.stop("sub"));
  assert.equal(noPtz.kind, "conflict");
  assert.match(noPtz.message, /no PTZ on profile "sub"/);
  // A token with markup cannot break out of the SOAP body.
  const weird = await rejects(dev.gotoPreset("main", "</PresetToken><x>"));
  assert.equal(weird.kind, "upstream_failed");
  assert.match(weird.message, /refused GotoPreset: No such preset/);
});

Deno.test("OnvifDevice errors say what to fix: password, port, silence, no PTZ", async () => {
  await using cam = await fake({ ptz: false });
  const wrong = await rejects(
    OnvifDevice.connect(addr(cam, "wrong-pass"), { timeoutMs: 3000 }),
  );
  assert.equal(wrong.kind, "invalid_input");
  assert.equal(wrong.field, "password");
  assert.match(wrong.message, /authentication failed/);
  assert.ok(cam.authFailures >= 1);

  const refused = await rejects(OnvifDevice.connect(
    { ...addr(cam), port: 1 },
    { timeoutMs: 3000 },
  ));
  assert.equal(refused.kind, "upstream_failed");
  assert.match(refused.message, /127\.0\.0\.1:1 refused the connection/);

  const silent = startSilentServer();
  try {
    const t0 = performance.now();
    const late = await rejects(OnvifDevice.connect(
      { ...addr(cam), port: silent.port },
      { timeoutMs: 600 },
    ));
    const took = performance.now() - t0;
    assert.equal(late.kind, "timeout");
    assert.match(
      late.message,
      /did not answer GetSystemDateAndTime within 0.6 s/,
    );
    assert.ok(took < 2000, `gave up after ${took} ms`);
  } finally {
    silent.close();
  }

  const dev = await OnvifDevice.connect(addr(cam), { timeoutMs: 3000 });
  assert.equal(dev.hasPtzService, false);
  const noPtz = await rejects(dev.presets("main"));
  assert.equal(noPtz.kind, "conflict");
  assert.match(noPtz.message, /has no PTZ \(pan\/tilt\/zoom\)/);
});

Deno.test("OnvifResolver runs an onvif camera as rtsp, caches, and asks again after invalidate()", async () => {
  await using cam = await fake();
  let connects = 0;
  const resolver = new OnvifResolver({
    timeoutMs: 3000,
    connect: (a, o) => {
      connects++;
      return OnvifDevice.connect(a, o);
    },
  });
  const source = buildOnvifUrl({ ...addr(cam), profile: "sub" });
  const spec: CameraSpec = {
    id: "c1",
    name: "Porch",
    protocol: "onvif",
    source_url: source,
    device_path: null,
    width: 640,
    height: 360,
    framerate: 10,
    rtsp_transport: "udp",
  };
  const run = await resolver.resolveSpec(spec);
  assert.equal(run.protocol, "rtsp");
  // The camera returned it bare: the camera's credentials are put in.
  assert.equal(run.source_url, "rtsp://admin:cam-Pass-1@127.0.0.1:8554/sub");
  assert.equal(run.rtsp_transport, "udp");
  const other: CameraSpec = { ...spec, protocol: "rtsp" };
  assert.equal(await resolver.resolveSpec(other), other);

  const streamUris = () =>
    cam.calls.filter((c) => c.action === "GetStreamUri").length;
  await resolver.resolveSpec(spec);
  assert.equal(streamUris(), 1, "the second start uses the cache");
  assert.equal(connects, 1);

  // The camera rebooted with a new URI: a failed run invalidates, the next asks again.
  cam.setStreamUri("sub", "rtsp://127.0.0.1:8554/sub-after-reboot");
  resolver.invalidate(source);
  assert.equal(
    (await resolver.resolveSpec(spec)).source_url,
    "rtsp://admin:cam-Pass-1@127.0.0.1:8554/sub-after-reboot",
  );
  assert.equal(connects, 2);

  // Main for recording, sub for live: both resolved.
  const both = await resolver.resolveSpec({
    ...spec,
    record_source_url: buildOnvifUrl({ ...addr(cam), profile: "main" }),
  });
  assert.equal(
    both.record_source_url,
    "rtsp://admin:cam-Pass-1@127.0.0.1:8554/main",
  );

  const unknown = await rejects(resolver.resolveSpec({
    ...spec,
    source_url: buildOnvifUrl({ ...addr(cam), profile: "nope" }),
  }));
  assert.equal(unknown.field, "profile");
});

Deno.test("snapshots come from the snapshot URI through HTTP Digest, else null", async () => {
  await using cam = await fake();
  const resolver = new OnvifResolver({ timeoutMs: 3000 });
  const spec: CameraSpec = {
    id: "c2",
    name: "Gate",
    protocol: "onvif",
    source_url: buildOnvifUrl(addr(cam)),
    device_path: null,
    width: 640,
    height: 480,
    framerate: 15,
  };
  const jpeg = await onvifSnapshot(spec, resolver);
  assert.deepEqual(jpeg, cam.jpeg);
  assert.equal(cam.snapshots, 1);
  assert.equal(
    await onvifSnapshot({ ...spec, protocol: "rtsp" }, resolver),
    null,
  );

  await using bare = await fake({ snapshot: false });
  const none = await onvifSnapshot(
    { ...spec, source_url: buildOnvifUrl(addr(bare)) },
    resolver,
  );
  assert.equal(none, null, "no snapshot URI: the caller uses a relay frame");
});

Deno.test("node routes: inspect answers without credentials; ptz validates first", async () => {
  await using cam = await startFakeOnvif({
    username: USER,
    password: PASSWORD,
    profiles: [{
      token: "main",
      name: "Main",
      codec: "H264",
      width: 1280,
      height: 720,
      fps: 15,
      // Some cameras hand out URIs with the credentials in them.
      streamUri: `rtsp://${USER}:${PASSWORD}@127.0.0.1:8554/main`,
    }],
  });
  // Mounted in the real node app: bearer token and error mapping included.
  const app = createNodeApp({
    token: "node-token-0123456789",
    relays: new RelayManager(),
    status: () => Promise.reject(new Error("unused")),
    probe: () => Promise.reject(new Error("unused")),
  });
  const post = (path: string, body: unknown, token = "node-token-0123456789") =>
    app.request(path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify(body),
    });
  assert.equal((await post("/v1/onvif/inspect", {}, "wrong")).status, 401);
  const res = await post("/v1/onvif/inspect", {
    host: "127.0.0.1",
    port: cam.port,
    username: USER,
    password: PASSWORD,
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.doesNotMatch(text, new RegExp(PASSWORD));
  const out = JSON.parse(text) as OnvifInspection;
  assert.equal(out.node, "", "the controller names the node it asked");
  assert.equal(out.ptz, true);
  assert.equal(out.device.model, "FakeCam 2000");
  assert.equal(out.profiles[0].stream_uri, "rtsp://127.0.0.1:8554/main");

  const bad = await post("/v1/onvif/ptz", {
    source_url: "rtsp://127.0.0.1/x",
    action: "stop",
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.field, "source_url");
  const noPreset = await post("/v1/onvif/ptz", {
    source_url: buildOnvifUrl(addr(cam)),
    action: "goto_preset",
  });
  assert.equal(noPreset.status, 400);
});

// --- issue 11 #9: credentials only for the device's own host; no Basic over http ---

/** An HTTP server that records the Authorization headers it is sent. */
function recorder(challenge: string) {
  const seen: (string | null)[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      seen.push(req.headers.get("authorization"));
      return new Response("auth", {
        status: 401,
        headers: { "www-authenticate": challenge },
      });
    },
  );
  return { seen, server, url: `http://127.0.0.1:${server.addr.port}/snap.jpg` };
}

Deno.test("OnvifResolver puts the camera's credentials only into URIs on the device's own host", async () => {
  await using cam = await startFakeOnvif({
    username: USER,
    password: PASSWORD,
    profiles: [{
      token: "main",
      name: "Main",
      codec: "H264",
      width: 640,
      height: 360,
      fps: 10,
      // A device naming another host: whoever runs it would collect the password.
      streamUri: "rtsp://127.0.0.2:8554/main",
    }],
  });
  const resolver = new OnvifResolver({ timeoutMs: 3000 });
  const url = await resolver.rtspUrl(
    buildOnvifUrl({ ...addr(cam), profile: "main" }),
  );
  assert.equal(url, "rtsp://127.0.0.2:8554/main");
});

Deno.test("an ONVIF snapshot URI on another port or host gets no credentials", async () => {
  const rogue = recorder(
    'Digest realm="x", qop="auth", nonce="n1", algorithm=MD5',
  );
  try {
    await using cam = await startFakeOnvif({
      username: USER,
      password: PASSWORD,
      snapshotUri: rogue.url,
      profiles: [{
        token: "main",
        name: "Main",
        codec: "H264",
        width: 640,
        height: 360,
        fps: 10,
        streamUri: "rtsp://127.0.0.1:8554/main",
      }],
    });
    const resolver = new OnvifResolver({ timeoutMs: 3000 });
    await assert.rejects(
      resolver.snapshot(buildOnvifUrl({ ...addr(cam), profile: "main" })),
    );
    assert.ok(rogue.seen.length >= 1, "the snapshot was asked for");
    assert.deepEqual(
      rogue.seen.filter((h) => h !== null),
      [],
      "no credentials sent",
    );
  } finally {
    await rogue.server.shutdown();
  }
});

Deno.test("an ONVIF snapshot never answers Basic over plain http", async () => {
  const basic = recorder('Basic realm="cam"');
  try {
    await assert.rejects(
      fetchSnapshot(basic.url, {
        username: USER,
        password: PASSWORD,
        timeoutMs: 3000,
      }),
      (e) =>
        e instanceof Error && /Basic/.test(e.message) &&
        !e.message.includes(PASSWORD),
    );
    assert.deepEqual(
      basic.seen,
      [null],
      "asked once, without an Authorization",
    );
  } finally {
    await basic.server.shutdown();
  }
});
