/**
 * ONVIF end to end: a fake ONVIF camera (real SOAP, tests/support/fake_onvif.ts)
 * whose stream URI is a real GStreamer RTSP server with digest auth, a
 * controller on PGlite and a node agent process. Inspect → create an onvif
 * camera → live frames through the relay → snapshot from the snapshot URI →
 * PTZ reaches the camera; wrong password, silent host and non-ONVIF cameras
 * get clear 4xx/5xx answers, never a 500.
 */
import assert from "node:assert/strict";
import { startFakeOnvif, startSilentServer } from "../support/fake_onvif.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import { eventually, readFrames, startStack } from "../support/stack.ts";

const USER = "admin";
const PASSWORD = "Onvif-Secret-77";

Deno.test({
  name:
    "ONVIF camera: inspect, add, stream, snapshot and PTZ through controller and node",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using rtsp = await startRtspServer({
      size: "320x240",
      fps: 10,
      user: USER,
      password: PASSWORD,
    });
    await using cam = await startFakeOnvif({
      username: USER,
      password: PASSWORD,
      profiles: [
        {
          token: "main",
          name: "Main",
          codec: "H264",
          width: 320,
          height: 240,
          fps: 10,
          streamUri: rtsp.url,
        },
        {
          token: "sub",
          name: "Sub",
          codec: "H264",
          width: 320,
          height: 240,
          fps: 10,
          streamUri: rtsp.url,
          ptz: false,
        },
      ],
    });
    const silent = startSilentServer();
    const stack = await startStack({ segmentSeconds: 2 });
    try {
      await stack.startNodeAgent("onvif-node");
      const post = (path: string, json: unknown) =>
        stack.api(path, { method: "POST", json });

      // Find profiles.
      const res = await post("/api/cameras/onvif/inspect", {
        host: "127.0.0.1",
        port: cam.port,
        username: USER,
        password: PASSWORD,
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.doesNotMatch(text, new RegExp(PASSWORD));
      const found = JSON.parse(text);
      assert.equal(found.node, "onvif-node");
      assert.equal(found.ptz, true);
      assert.equal(found.device.manufacturer, "Falcon Test Optics");
      assert.deepEqual(
        found.profiles.map((p: { token: string }) => p.token),
        ["main", "sub"],
      );
      assert.deepEqual(found.profiles[0].video, {
        codec: "H264",
        width: 320,
        height: 240,
        fps: 10,
      });
      assert.equal(found.profiles[0].stream_uri, rtsp.url);

      // Wrong password: 400 naming the field; silent host: a time-out, not a 500.
      const wrong = await post("/api/cameras/onvif/inspect", {
        url: `onvif://${USER}:nope-nope@127.0.0.1:${cam.port}`,
      });
      const wrongBody = await wrong.json();
      assert.equal(wrong.status, 400, JSON.stringify(wrongBody));
      assert.equal(wrongBody.error.field, "password");
      assert.match(wrongBody.error.message, /authentication failed/);
      const t0 = performance.now();
      const late = await post("/api/cameras/onvif/inspect", {
        host: "127.0.0.1",
        port: silent.port,
        timeout_ms: 1000,
      });
      const lateBody = await late.json();
      assert.equal(late.status, 504, JSON.stringify(lateBody));
      assert.match(lateBody.error.message, /did not answer .* within 1 s/);
      assert.ok(performance.now() - t0 < 5000);
      const noHost = await post("/api/cameras/onvif/inspect", { port: 80 });
      assert.equal(noHost.status, 400);
      assert.equal((await noHost.json()).error.field, "host");

      // Test connection of an onvif source probes the RTSP it resolves to.
      const source =
        `onvif://${USER}:${PASSWORD}@127.0.0.1:${cam.port}?profile=main`;
      const probe = await (await post("/api/cameras/probe", {
        protocol: "onvif",
        source_url: source,
      })).json();
      assert.equal(probe.ok, true, JSON.stringify(probe));
      assert.equal(probe.video.codec, "h264");

      // Add it.
      const created = await post("/api/cameras", {
        name: "Gate",
        protocol: "onvif",
        source_url: source,
        resolution: "320x240",
        framerate: 10,
      });
      const camera = await created.json();
      assert.equal(created.status, 201, JSON.stringify(camera));
      assert.equal(
        camera.source_url,
        `onvif://${USER}:***@127.0.0.1:${cam.port}?profile=main`,
      );
      const badUrl = await post("/api/cameras", {
        name: "Bad",
        protocol: "onvif",
        source_url: "onvif://127.0.0.1/onvif/device_service",
      });
      assert.equal(badUrl.status, 400);
      assert.equal((await badUrl.json()).error.field, "source_url");

      // The snapshot comes from the camera's snapshot URI (digest auth) while nobody watches.
      const snap = await stack.api(`/api/cameras/${camera.id}/snapshot`);
      assert.equal(snap.status, 200);
      assert.deepEqual(new Uint8Array(await snap.arrayBuffer()), cam.jpeg);
      assert.equal(cam.snapshots, 1);

      // Live frames from the RTSP server behind the fake, through the relay.
      const frames = await readFrames(
        `${stack.url}/api/cameras/${camera.id}/stream`,
        {
          count: 5,
          timeoutMs: 20_000,
          headers: stack.auth,
        },
      );
      assert.equal(frames.length, 5, "5 live frames within 20 s");

      // PTZ.
      const move = await post(`/api/cameras/${camera.id}/ptz`, {
        action: "move",
        pan: 0.5,
        tilt: -0.5,
        timeout_ms: 1000,
      });
      assert.equal(move.status, 200, await move.text());
      assert.equal(
        (await post(`/api/cameras/${camera.id}/ptz`, { action: "stop" }))
          .status,
        200,
      );
      const presets =
        await (await stack.api(`/api/cameras/${camera.id}/ptz/presets`)).json();
      assert.deepEqual(presets, {
        presets: [{ token: "1", name: "Gate" }, {
          token: "2",
          name: "Driveway",
        }],
      });
      assert.equal(
        (await post(`/api/cameras/${camera.id}/ptz`, {
          action: "goto_preset",
          preset: "2",
        })).status,
        200,
      );
      const ptzCalls = cam.calls.filter((c) =>
        ["ContinuousMove", "Stop", "GotoPreset"].includes(c.action)
      );
      assert.deepEqual(ptzCalls, [
        {
          action: "ContinuousMove",
          profile: "main",
          pan: 0.5,
          tilt: -0.5,
          zoom: 0,
          timeout: "PT1S",
        },
        { action: "Stop", profile: "main" },
        { action: "GotoPreset", profile: "main", preset: "2" },
      ]);
      const badMove = await post(`/api/cameras/${camera.id}/ptz`, {
        action: "move",
        pan: 3,
      });
      assert.equal(badMove.status, 400);
      assert.equal((await badMove.json()).error.field, "pan");

      // Recording resolves the same way: a manual recording of the onvif camera
      // gets segments copied from the RTSP stream behind it.
      const started = await post(
        `/api/cameras/${camera.id}/recording/start`,
        {},
      );
      const session = await started.json();
      assert.equal(started.status, 200, JSON.stringify(session));
      let segments: { video_codec: string }[] = [];
      await eventually(
        async () => {
          segments =
            (await (await stack.api(`/api/recordings/${session.id}`)).json())
              .segments ?? [];
          return segments.length >= 1;
        },
        30_000,
        "a recorded segment of the onvif camera",
      );
      assert.equal(segments[0].video_codec, "h264");
      const stopped = await post(
        `/api/cameras/${camera.id}/recording/stop`,
        {},
      );
      assert.equal(stopped.status, 200);
      await stopped.body?.cancel();

      // A camera that is not ONVIF, and an ONVIF profile without PTZ: 409 saying why.
      const demo =
        await (await post("/api/cameras", { name: "Demo", protocol: "demo" }))
          .json();
      const notOnvif = await post(`/api/cameras/${demo.id}/ptz`, {
        action: "stop",
      });
      assert.equal(notOnvif.status, 409);
      assert.match(
        (await notOnvif.json()).error.message,
        /PTZ needs an ONVIF camera/,
      );
      const sub = await (await post("/api/cameras", {
        name: "Sub only",
        protocol: "onvif",
        source_url: source.replace("profile=main", "profile=sub"),
      })).json();
      const noPtz = await stack.api(`/api/cameras/${sub.id}/ptz/presets`);
      assert.equal(noPtz.status, 409);
      assert.match(
        (await noPtz.json()).error.message,
        /no PTZ on profile "sub"/,
      );

      // No answer anywhere carries the camera's password.
      const list = await (await stack.api("/api/cameras")).text();
      assert.doesNotMatch(list, new RegExp(PASSWORD));
    } finally {
      silent.close();
      await stack.close();
    }
  },
});
