/** "Test connection": the controller asks the node that would run a camera to open its source once. */
import assert from "node:assert/strict";
import { startRtspServer } from "../support/rtsp_server.ts";
import { startStack } from "../support/stack.ts";

Deno.test({
  name:
    "POST /api/cameras/probe reports codec, size and audio from the node, with redacted errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using rtsp = await startRtspServer({
      size: "320x240",
      fps: 10,
      audio: "pcmu",
    });
    const stack = await startStack({});
    try {
      await stack.startNodeAgent("probe-node");
      const ok = await stack.api("/api/cameras/probe", {
        method: "POST",
        json: { protocol: "rtsp", source_url: rtsp.url },
      });
      const found = await ok.json();
      assert.equal(ok.status, 200, JSON.stringify(found));
      assert.equal(found.ok, true);
      assert.equal(found.node, "probe-node");
      assert.deepEqual(found.video, {
        codec: "h264",
        width: 320,
        height: 240,
        fps: 10,
      });
      assert.equal(found.audio.codec, "pcm_mulaw");

      const refused = await (await stack.api("/api/cameras/probe", {
        method: "POST",
        json: {
          protocol: "rtsp",
          source_url: "rtsp://admin:Probe-Secret-1@127.0.0.1:1/x",
        },
      })).json();
      assert.equal(refused.ok, false);
      assert.match(refused.error, /refused/i);
      assert.doesNotMatch(JSON.stringify(refused), /Probe-Secret-1/);

      // Editing an existing camera: the redacted URL is completed with the stored password.
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Yard",
          protocol: "rtsp",
          source_url: rtsp.url.replace("rtsp://", "rtsp://u:pw-1234@"),
        },
      })).json();
      const again = await (await stack.api("/api/cameras/probe", {
        method: "POST",
        json: {
          protocol: "rtsp",
          source_url: cam.source_url,
          camera_id: cam.id,
        },
      })).json();
      assert.equal(again.ok, true, JSON.stringify(again));

      const bad = await stack.api("/api/cameras/probe", {
        method: "POST",
        json: { protocol: "rtsp" },
      });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.field, "source_url");
      const nodeGone = await stack.api("/api/cameras/probe", {
        method: "POST",
        json: { protocol: "demo", node_name: "no-such-node" },
      });
      assert.equal(nodeGone.status, 503);
      await nodeGone.body?.cancel();
    } finally {
      await stack.close();
    }
  },
});
