/**
 * "Test connection" with a recording URL: the controller probes the live and
 * the recording stream (two GStreamer mounts) and reports each on its own.
 */
import assert from "node:assert/strict";
import { startRtspServer } from "../support/rtsp_server.ts";
import { startStack } from "../support/stack.ts";

const USER = "viewer";
const PASSWORD = "Rec-Probe-42";

Deno.test({
  name:
    "POST /api/cameras/probe with record_source_url: each stream its own result, stored passwords reused, bad input 400",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const auth = { user: USER, password: PASSWORD };
    await using sub = await startRtspServer({
      size: "320x240",
      fps: 10,
      path: "/sub",
      ...auth,
    });
    await using main = await startRtspServer({
      size: "640x480",
      fps: 15,
      path: "/main",
      ...auth,
    });
    const stack = await startStack({});
    const probe = async (json: Record<string, unknown>) => {
      const res = await stack.api("/api/cameras/probe", {
        method: "POST",
        json,
      });
      return { status: res.status, body: await res.json() };
    };
    try {
      await stack.startNodeAgent("rec-probe-node");

      const both = await probe({
        protocol: "rtsp",
        source_url: sub.authUrl,
        record_source_url: main.authUrl,
      });
      assert.equal(both.status, 200, JSON.stringify(both.body));
      assert.equal(both.body.ok, true);
      assert.deepEqual(both.body.video, {
        codec: "h264",
        width: 320,
        height: 240,
        fps: 10,
      });
      assert.equal(both.body.record.ok, true, JSON.stringify(both.body));
      assert.deepEqual(both.body.record.video, {
        codec: "h264",
        width: 640,
        height: 480,
        fps: 15,
      });

      // A bad recording URL reports its own (redacted) error; live still succeeds.
      const badRec = await probe({
        protocol: "rtsp",
        source_url: sub.authUrl,
        record_source_url: `rtsp://${USER}:Other-Secret-9@127.0.0.1:1/main`,
      });
      assert.equal(badRec.status, 200, JSON.stringify(badRec.body));
      assert.equal(badRec.body.ok, true);
      assert.equal(badRec.body.video.width, 320);
      assert.equal(badRec.body.record.ok, false);
      assert.match(badRec.body.record.error, /refused/i);
      assert.doesNotMatch(JSON.stringify(badRec.body), /Other-Secret-9/);
      // The wrong mount on the right server: also the recording's own failure.
      const wrongPath = await probe({
        protocol: "rtsp",
        source_url: sub.authUrl,
        record_source_url: main.authUrl.replace("/main", "/nope"),
      });
      assert.equal(wrongPath.body.ok, true);
      assert.equal(wrongPath.body.record.ok, false);
      assert.match(wrongPath.body.record.error, /404|not found/i);

      // Without a recording URL the answer has no `record`.
      const liveOnly = await probe({
        protocol: "rtsp",
        source_url: sub.authUrl,
      });
      assert.equal(liveOnly.body.ok, true);
      assert.ok(!("record" in liveOnly.body));

      // Editing: both redacted URLs are completed with the stored passwords.
      const created = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Drive",
          protocol: "rtsp",
          source_url: sub.authUrl,
          record_source_url: main.authUrl,
        },
      });
      const cam = await created.json();
      assert.equal(created.status, 201, JSON.stringify(cam));
      assert.match(cam.record_source_url, /:\*\*\*@/);
      const again = await probe({
        protocol: "rtsp",
        source_url: cam.source_url,
        record_source_url: cam.record_source_url,
        camera_id: cam.id,
      });
      assert.equal(again.body.ok, true, JSON.stringify(again.body));
      assert.equal(again.body.record.ok, true, JSON.stringify(again.body));
      assert.equal(again.body.record.video.width, 640);

      // `***` aimed at another host would send the stored password there: 400.
      const elsewhere = await probe({
        protocol: "rtsp",
        source_url: cam.source_url,
        record_source_url: `rtsp://${USER}:***@127.0.0.2:8554/main`,
        camera_id: cam.id,
      });
      assert.equal(elsewhere.status, 400, JSON.stringify(elsewhere.body));
      assert.equal(elsewhere.body.error.field, "record_source_url");
      const notRtsp = await probe({
        protocol: "rtsp",
        source_url: sub.authUrl,
        record_source_url: "file:///etc/passwd",
      });
      assert.equal(notRtsp.status, 400);
      assert.equal(notRtsp.body.error.field, "record_source_url");
      const httpCam = await probe({
        protocol: "http",
        source_url: "http://127.0.0.1:1/video.mjpg",
        record_source_url: main.url,
      });
      assert.equal(httpCam.status, 400);
      assert.equal(httpCam.body.error.field, "record_source_url");
    } finally {
      await stack.close();
    }
  },
});
