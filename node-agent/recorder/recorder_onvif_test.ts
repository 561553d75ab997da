/**
 * An onvif camera with a recording profile: the recorder resolves only that
 * profile, so a broken live profile (the relay's concern) cannot stop it.
 */
import assert from "node:assert/strict";
import { startFakeOnvif } from "../../tests/support/fake_onvif.ts";
import { startRtspServer } from "../../tests/support/rtsp_server.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { Recorder, recordingSpec } from "./recorder.ts";
import { recEnv, rtspSpec, streamsOf } from "./testing.ts";

Deno.test({
  name:
    "Recorder: onvif camera records its recording profile even when the live profile is broken",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using main = await startRtspServer({
      size: "320x240",
      fps: 10,
      path: "/main",
    });
    await using cam = await startFakeOnvif({
      username: "admin",
      password: "Rec-Only-7",
      ptz: false,
      profiles: [{
        token: "main",
        name: "Main",
        codec: "H264",
        width: 320,
        height: 240,
        fps: 10,
        streamUri: main.url,
      }],
    });
    const base = `onvif://admin:Rec-Only-7@127.0.0.1:${cam.port}`;
    const spec = rtspSpec("", {
      protocol: "onvif",
      // "gone" is not a profile of this camera: resolving it fails.
      source_url: `${base}?profile=gone`,
      record_source_url: `${base}?profile=main`,
    });

    const resolved = await recordingSpec(spec);
    assert.equal(resolved.protocol, "rtsp");
    assert.equal(
      resolved.source_url,
      null,
      "the live profile is not asked for",
    );
    assert.match(
      resolved.record_source_url ?? "",
      /:\/\/admin:Rec-Only-7@.*\/main$/,
    );
    // Without a recording profile the live one is what is recorded.
    await assert.rejects(
      recordingSpec({ ...spec, record_source_url: null }),
      /no profile "gone"/,
    );

    await using env = await recEnv();
    const rec = new Recorder(spec, spec.record!, env.deps);
    await rec.start();
    await waitFor(() => rec.segments >= 1, "a first segment", 20_000);
    await rec.stop();
    const segs = await env.segments();
    assert.ok(segs.length >= 1);
    const st = await streamsOf(`${env.root}/${segs[0].path}`);
    assert.deepEqual(st.video, ["h264"]);
    const asked = cam.calls.filter((c) => c.action === "GetStreamUri")
      .map((c) => c.profile);
    assert.deepEqual([...new Set(asked)], ["main"]);
  },
});
