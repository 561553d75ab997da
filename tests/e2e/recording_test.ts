/**
 * Recording end to end: the API starts a recording, the real node agent
 * records the GStreamer RTSP camera into segments, its outbox reports them,
 * and the controller lists and downloads them (Range) through the node.
 */
import assert from "node:assert/strict";
import { startPostgres } from "../support/postgres.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import { eventually, startStack } from "../support/stack.ts";

async function ffprobeDuration(bytes: Uint8Array): Promise<number> {
  const path = await Deno.makeTempFile({ suffix: ".mp4" });
  try {
    await Deno.writeFile(path, bytes);
    const out = await new Deno.Command("ffprobe", {
      args: [
        "-v",
        "error",
        "-show_entries",
        "format=duration",
        "-of",
        "csv=p=0",
        path,
      ],
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return Number(new TextDecoder().decode(out.stdout).trim());
  } finally {
    await Deno.remove(path);
  }
}

Deno.test({
  name:
    "manual recording: API start → node segments → controller rows → one MP4 download with Range",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using pg = await startPostgres();
    await using rtsp = await startRtspServer({
      size: "320x240",
      fps: 10,
      audio: "pcmu",
    });
    const stack = await startStack({ databaseUrl: pg.url, segmentSeconds: 3 });
    try {
      await stack.startNodeAgent("rec-node");
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Drive",
          protocol: "rtsp",
          source_url: rtsp.url,
          resolution: "320x240",
          framerate: 10,
        },
      })).json();

      const notYet = await stack.api(`/api/cameras/${cam.id}/recording/stop`, {
        method: "POST",
      });
      assert.equal(notYet.status, 409, "stop when not recording");
      await notYet.body?.cancel();

      const started = await stack.api(
        `/api/cameras/${cam.id}/recording/start`,
        { method: "POST" },
      );
      const session = await started.json();
      assert.equal(started.status, 200, JSON.stringify(session));
      assert.equal(session.status, "recording");
      const again = await stack.api(`/api/cameras/${cam.id}/recording/start`, {
        method: "POST",
      });
      assert.equal(again.status, 409, "start twice");
      await again.body?.cancel();

      // Three closed segments of 3 s reach the controller through the outbox.
      let rec: {
        segments: { duration_ms: number; audio_codec: string | null }[];
      } = { segments: [] };
      await eventually(
        async () => {
          rec = await (await stack.api(`/api/recordings/${session.id}`)).json();
          return rec.segments?.length >= 3;
        },
        30000,
        "three segments reported by the node",
      );
      assert.ok(
        rec.segments.every((s) => s.audio_codec === "aac"),
        "pcm_mulaw audio recorded as AAC",
      );

      const stopped = await stack.api(`/api/cameras/${cam.id}/recording/stop`, {
        method: "POST",
      });
      assert.equal(stopped.status, 200);
      await stopped.body?.cancel();
      const status =
        await (await stack.api(`/api/cameras/${cam.id}/recording/status`))
          .json();
      assert.equal(status.recording, false);

      // The last (partial) segment arrives after the stop; the list is final once it
      // has not changed for 3 s.
      let total = -1;
      let stableSince = Date.now();
      await eventually(
        async () => {
          const r = await (await stack.api(`/api/recordings/${session.id}`))
            .json();
          if (r.segments.length !== total) {
            total = r.segments.length;
            stableSince = Date.now();
          }
          return total >= 3 && Date.now() - stableSince >= 3000;
        },
        20000,
        "segments to settle after stop",
      );
      const list =
        await (await stack.api(`/api/recordings?camera_id=${cam.id}`)).json();
      assert.equal(list.total, 1);
      assert.equal(list.recordings[0].segment_count, total);

      const dl = await stack.api(`/api/recordings/${session.id}/download`);
      assert.equal(dl.status, 200, await dl.clone().text().catch(() => ""));
      assert.match(dl.headers.get("content-disposition") ?? "", /attachment/);
      const mp4 = new Uint8Array(await dl.arrayBuffer());
      const seconds = await ffprobeDuration(mp4);
      const expected = list.recordings[0].duration_ms / 1000;
      assert.ok(
        Math.abs(seconds - expected) <= 1.5,
        `download lasts ${seconds} s, segments add up to ${expected} s`,
      );

      const part = await stack.api(`/api/recordings/${session.id}/download`, {
        headers: { range: "bytes=100-199" },
      });
      assert.equal(part.status, 206);
      assert.deepEqual(
        new Uint8Array(await part.arrayBuffer()),
        mp4.slice(100, 200),
      );
    } finally {
      await stack.close();
    }
  },
});
